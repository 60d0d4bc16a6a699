"""Benchmark ``archivekit check`` on one process against its peers, in one run.

    python benchmarks/bench_check.py [--pages 10000] [--trafilatura-pages 200] [--rounds 3]

Peers on the same ~50 KB pages: bare ``lxml.html.fromstring`` plus a walk over every
element (the floor any lxml-based extractor pays), and trafilatura's ``extract`` (the
bench extra; the run stops if it is missing). The variants run interleaved round by
round (benchmarks/interleave.py), in CPU time (the CLI's: its process's, start-up
included), medians; each ratio to bare lxml is also given round by round (the median of
the rounds' own ratios). Targets (issue 15): check >= 60% of bare lxml parse-and-walk,
through the library and through the CLI with JSON output; >= 10x trafilatura.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.interleave import cli_env, interleaved, median, paired_ratios, require, spread  # noqa: E402
from benchmarks.synthetic import build_collection  # noqa: E402


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_lxml(pages: list[bytes]) -> None:
    import lxml.html

    for page in pages:
        root = lxml.html.fromstring(page)
        for el in root.iter():
            el.text  # noqa: B018 - touching each node is the point


def bench_library(paths: list[Path]) -> tuple[float, dict[str, float]]:
    """check_document over the pages (file reads included), with a per-stage split."""
    from archivekit.checker import Checker
    from archivekit.digests import content_digest
    from archivekit.extract import extract
    from archivekit.sources import read_file
    from archivekit.validate import validate

    checker = Checker()
    stages = {"read": 0.0, "extract": 0.0, "validate": 0.0, "digest": 0.0}
    start = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        doc = read_file(str(path))
        t1 = time.perf_counter()
        extraction = extract(doc, checker.profiles)
        t2 = time.perf_counter()
        findings = validate(extraction, checker.schema)
        t3 = time.perf_counter()
        content_digest(extraction.data)
        t4 = time.perf_counter()
        assert not findings, findings
        stages["read"] += t1 - t0
        stages["extract"] += t2 - t1
        stages["validate"] += t3 - t2
        stages["digest"] += t4 - t3
    total = time.perf_counter() - start
    return rate(len(paths), total), {k: v / len(paths) * 1e6 for k, v in stages.items()}


class ChildClock:
    """CPU time of this process's finished children (the CLI runs in one)."""

    def __call__(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime


def bench_cli(root: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "archivekit", "check", str(root), "--format",
                           "json", "--jobs", "1", "--progress", "never"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=cli_env())
    if proc.returncode != 0:
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr[-500:]}")


def bench_trafilatura(pages: list[bytes]) -> None:
    try:
        import trafilatura
    except ImportError as exc:  # a peer that cannot run is a broken benchmark, not a skip
        raise SystemExit(f"bench_check: trafilatura cannot be imported ({exc}); "
                         "install the bench extra: pip install '.[bench]'") from None
    for page in pages:
        trafilatura.extract(page.decode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10000,
                        help="collection size; the CLI figure includes its ~0.4 s start-up")
    parser.add_argument("--trafilatura-pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--workdir", default=None, help="reuse a collection directory")
    args = parser.parse_args()
    require("trafilatura")
    require("lxml_html_clean")  # trafilatura's import of lxml.html.clean needs it

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="archivekit-bench-"))
    try:
        run(args, workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    from archivekit import speedups

    paths = build_collection(workdir / "pages", args.pages)
    pages = [p.read_bytes() for p in paths]
    mean_kb = sum(map(len, pages)) / len(pages) / 1024
    print(f"collection: {len(paths)} pages, mean {mean_kb:.1f} KB, in {workdir}")
    print(f"cpu: {os.cpu_count()} cores; one process for every figure below; core: {speedups.WHICH}; "
          f"{args.rounds} interleaved rounds, CPU time, medians")

    few = pages[: args.trafilatura_pages]
    stages: dict[str, float] = {}
    variants = {
        "bare lxml parse+walk": lambda: bench_lxml(pages),
        "archivekit check (library)": lambda: stages.update(bench_library(paths)[1]),
        "archivekit check (CLI, json)": lambda: bench_cli(workdir / "pages"),
        "trafilatura extract": lambda: bench_trafilatura(few),
    }
    seconds = interleaved(variants, args.rounds, timers={"archivekit check (CLI, json)": ChildClock()})
    counts = {name: len(few) if name.startswith("trafilatura") else len(pages) for name in variants}
    pps = {name: rate(counts[name], median(s)) for name, s in seconds.items()}
    lxml_rate = pps["bare lxml parse+walk"]
    bare = seconds["bare lxml parse+walk"]
    for name, value in pps.items():
        share = ""
        if name.startswith("archivekit"):
            rounds = paired_ratios(bare, seconds[name])
            share = (f"  = {value / lxml_rate:.0%} of bare lxml (round by round: median "
                     f"{median(rounds):.0%}, {min(rounds):.0%}-{max(rounds):.0%})")
        print(f"{name:<28} {value:8.0f} pages/s  {spread(seconds[name])}{share}")
    print("  per page, microseconds (last round): " + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))
    cli = pps["archivekit check (CLI, json)"]
    print(f"check (CLI) is {cli / pps['trafilatura extract']:.1f}x trafilatura")
    print("targets: check >= 60% of bare lxml; >= 10x trafilatura")


if __name__ == "__main__":
    main()
