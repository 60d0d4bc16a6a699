"""Timing that gives ratios one can trust on a noisy, shared machine.

Every variant runs once per round, in the same order, round after round (A B C A B C
...), so a slow minute of the machine falls on all of them alike; each variant's figure
is the median of its rounds. One-process variants are timed in CPU time
(``time.process_time``: what the work costs, not what the neighbours take), variants
with worker processes in wall time (their CPU is spent in other processes).
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable

CPU = time.process_time
WALL = time.perf_counter


def cli_env(pure: bool = False) -> dict[str, str]:
    """The environment for a timed ``python -m archivekit`` run: as an installed package
    runs. pip compiles an installed package's bytecode; an editable checkout under
    ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines) would compile every module of
    archivekit again at each start (~0.12 s of a 0.6 s start here), so that variable is
    dropped (the untimed warm-up run writes the bytecode). ``ARCHIVEKIT_*`` settings of
    the caller are dropped too; ``pure`` sets ``ARCHIVEKIT_PURE=1``."""
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("ARCHIVEKIT_")}
    if pure:
        env["ARCHIVEKIT_PURE"] = "1"
    return env


def CHILD_CPU() -> float:  # noqa: N802 - a clock, named like the two above
    """CPU seconds of this process's finished children (a CLI run in a subprocess)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def interleaved(variants: dict[str, Callable[[], object]], rounds: int = 5, *,
                warmup: bool = True, timers: dict[str, Callable[[], float]] | None = None,
                after: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Seconds of each variant in each round; ``warmup`` runs every variant once first
    (imports, page cache, caches of word hashes), untimed. ``after(name)`` runs after each
    call, untimed (to remove its output)."""
    timers = timers or {}
    if warmup:
        for name, fn in variants.items():
            fn()
            if after:
                after(name)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            clock = timers.get(name, CPU)
            start = clock()
            fn()
            seconds[name].append(clock() - start)
            if after:
                after(name)
    return seconds


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    """The rounds' range around the median, as a percentage (how noisy the run was)."""
    mid = median(values)
    return f"±{(max(values) - min(values)) / 2 / mid:.0%}" if mid else "n/a"


def paired_ratios(fast: list[float], slow: list[float]) -> list[float]:
    """``fast[i] / slow[i]`` of each round: the two variants ran next to each other, so a
    slow minute of the machine falls on both; their median is a second estimate beside
    the ratio of the two medians (which pairs a quiet round of one with a busy one of the
    other)."""
    return [f / s for f, s in zip(fast, slow, strict=True) if s]


def require(module: str, extra: str = "bench"):
    """Import a peer or stop with a message: a benchmark without its peer is not run."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise SystemExit(f"peer {module!r} is missing ({exc}): pip install -e '.[{extra}]'") from None
