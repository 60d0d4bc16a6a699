"""Issue 12's time and memory bound: no run of ``check``, ``verify``, ``bag``, ``archive``
or ``warc-check`` on any hostile input takes over 10 s or 400 MB.

    python benchmarks/bounds_hostile.py                  # every case; exit 1 over a bound
    python benchmarks/bounds_hostile.py -k bomb          # only cases whose label has "bomb"
    python benchmarks/bounds_hostile.py --seconds 10 --megabytes 400 --keep DIR

The inputs are ``benchmarks/hostile_cases.py``'s (every case of the strace audit) plus
the resource bombs, each through check, fingerprint, verify, bag and archive: a 10 MB
gzip bomb WARC (one member inflating to ~10 GB; warc-check too), a 10,000,000-byte
text node and attribute, 100,000-deep nested HTML, nested banner candidates 250 deep in
8 MB, a user profile with the pattern ``^(\\w+\\s?)+$``, a FIFO named ``x.html`` and
self-link loops under ``--follow-symlinks``. Each run is one ``python -m archivekit``
process (default ``--jobs``: one worker per core), timed on the wall clock; its memory
is the larger of its process tree's summed PSS (sampled every 20 ms from ``/proc``;
forked workers' shared pages counted once) and the peak RSS of any one process in it
(``ru_maxrss`` of ``RUSAGE_CHILDREN``, taken by a small probe process that starts it).
A run over ``--timeout`` seconds (default 60) is killed and counts as over.

The table lists every run; then the worst time and memory per verb, and exit 1 when one
of the five verbs goes over ``--seconds`` or ``--megabytes`` (fingerprint and the other
verbs are shown, not judged). The figures are for this machine under its current load
(printed with them): a loaded core stretches wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_cases  # noqa: E402

JUDGED = ("check", "verify", "verify --bag", "bag", "archive", "warc-check")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return out


def _pss(pids: list[int]) -> int:
    """The summed proportional set size of ``pids`` (pages shared by forked workers
    counted once in all), from ``/proc/PID/smaps_rollup``; RSS where that is missing."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except FileNotFoundError:
            try:
                with open(f"/proc/{pid}/statm") as handle:
                    total += int(handle.read().split()[1]) * PAGE
            except (OSError, IndexError, ValueError):
                continue
        except (OSError, IndexError, ValueError):
            continue
    return total


# The command runs under this small probe and not straight from the measuring process:
# a child forked from a large parent keeps the parent's size as its ru_maxrss across
# exec, so every run would seem as large as the case builder. The probe writes its
# children's peak RSS (KiB) to the file named first.
PROBE = ("import resource, subprocess, sys\n"
         "code = subprocess.run(sys.argv[2:]).returncode\n"
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
         "sys.exit(code if code >= 0 else 128 - code)\n")


def measure(run: hostile_cases.Run, log: Path, timeout: float) -> tuple[int, float, int, bool]:
    """(exit code, wall seconds, peak bytes, traceback on stderr) of one run."""
    cwd = run.cwd or run.inside[0].parent
    peak = [0]
    done = threading.Event()
    with open(log, "wb") as err:
        start = time.monotonic()
        maxrss = log.with_suffix(".maxrss")
        maxrss.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", PROBE, str(maxrss), sys.executable, "-m",
                                 "archivekit", *run.argv], cwd=cwd,
                                env=hostile_cases.env(), stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], _pss(_tree(proc.pid)[1:]))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killed = threading.Event()

        def kill() -> None:  # the run's own session: it and any worker it started
            killed.set()
            os.killpg(proc.pid, signal.SIGKILL)

        killer = threading.Timer(timeout, kill)
        killer.start()
        _, status, _ = os.wait4(proc.pid, 0)
        took = time.monotonic() - start
        killer.cancel()
        done.set()
        sampler.join()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = -9 if killed.is_set() else 128 - code if code > 128 else code
    try:
        peak[0] = max(peak[0], int(maxrss.read_text()) * 1024)
    except (OSError, ValueError):
        pass  # killed: the samples are all there is
    traceback = b"Traceback" in log.read_bytes()
    return proc.returncode, took, peak[0], traceback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="select", action="append", default=[],
                        help="only cases whose label contains this text (repeatable: any of them)")
    parser.add_argument("--seconds", type=float, default=10.0, help="the time bound (default 10)")
    parser.add_argument("--megabytes", type=float, default=400.0, help="the memory bound (default 400)")
    parser.add_argument("--timeout", type=float, default=60.0, help="kill a run after this long")
    parser.add_argument("--keep", type=Path, help="build the cases here (emptied first) and keep them")
    args = parser.parse_args(argv)
    if args.keep is not None:
        shutil.rmtree(args.keep, ignore_errors=True)
        args.keep.mkdir(parents=True)
    work = (args.keep or Path(tempfile.mkdtemp(prefix="archivekit-bounds-hostile-"))).resolve()
    cases = hostile_cases.build(work, bombs=True)
    logs = work / "_stderr"
    logs.mkdir(exist_ok=True)
    worst: dict[str, tuple[float, str, float, str]] = {}
    over = []
    try:
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"{'case':76} {'verb':>12} {'exit':>4} {'s':>6} {'MB':>6}")
        for number, run in enumerate(cases.runs):
            label = run.case
            if args.select and not any(text in label for text in args.select):
                continue
            code, took, peak, traceback = measure(run, logs / f"{number:02}.txt", args.timeout)
            megabytes = peak / 1e6
            judged = run.verb in JUDGED
            bad = judged and (took > args.seconds or megabytes > args.megabytes) or traceback or code < 0
            shown = label if len(label) <= 76 else label[:73] + "..."
            flag = "  <-- OVER" if bad else ""
            print(f"{shown:76} {run.verb:>12} {code:>4} {took:6.2f} {megabytes:6.0f}{flag}", flush=True)
            if bad:
                over.append((run, code, took, megabytes, traceback))
            best = worst.get(run.verb, (0.0, "", 0.0, ""))
            worst[run.verb] = (max(best[0], took), label if took >= best[0] else best[1],
                               max(best[2], megabytes), label if megabytes >= best[2] else best[3])
    finally:
        cases.close()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nworst per verb (bound {args.seconds:g} s, {args.megabytes:g} MB for "
          f"{', '.join(JUDGED)}):")
    for verb, (took, slow, megabytes, big) in sorted(worst.items()):
        mark = "" if verb in JUDGED else "  (not judged)"
        print(f"  {verb:12} {took:6.2f} s  ({slow})\n  {'':12} {megabytes:6.0f} MB ({big}){mark}")
    for run, code, took, megabytes, traceback in over:
        print(f"\nOVER: {run.case}: archivekit {' '.join(run.argv)}: exit {code}, {took:.2f} s, "
              f"{megabytes:.0f} MB{', traceback' if traceback else ''}")
    print(f"\n{len(over)} runs over a bound or with a traceback")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
