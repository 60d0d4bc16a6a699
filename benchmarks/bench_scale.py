"""Collection scale: check pages/s with --jobs 1 and 2, peak memory for N vs 5N pages,
and the Spark local[2] job beside the local pool, in one run.

    python benchmarks/bench_scale.py                      # 20,000 and 100,000 pages (~5 GB)
    python benchmarks/bench_scale.py --pages 2000 --big-pages 10000 --no-spark

Builds its synthetic collection (~50 KB valid article pages, benchmarks/synthetic.py)
once under --workdir (default: a temp dir), 1,000 pages a sub-directory, so the
N-page run reads the first N/1000 sub-directories of the 5N-page collection.

Every figure is the end-to-end CLI (``python -m archivekit check DIR -f json``, report
to /dev/null), start-up included. Peak memory: the largest single process (wait4's
ru_maxrss) and the whole process tree (parent + workers: the sum of their PSS,
sampled from /proc every 0.1 s). A warm-up run (one sub-directory, untimed) comes first,
so ``--jobs 1`` does not pay for a cold page cache and cold imports that ``--jobs 2``
then finds warm; with ``--rounds N`` the speed runs alternate N times (wall time,
medians). Beside them, the machine's ceiling: N separate ``--jobs 1`` processes started
at once, each on its share of the sub-directories, no pool (``--no-ceiling`` skips it):
a pool cannot beat what the machine gives N processes that share nothing. The child
processes run without ``PYTHONDONTWRITEBYTECODE`` (benchmarks/interleave.py:cli_env), as
an installed package does. Targets (issues 5 and 15): --jobs 2 >= 1.8x --jobs 1; peak RSS
for 5N within 10 % of N and under 200 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.interleave import cli_env  # noqa: E402
from benchmarks.synthetic import build_collection  # noqa: E402

PER_DIR = 1000


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                out.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared (copy-on-write) pages split between the processes
    that share them, so the tree's sum does not count the forked workers' shared pages
    several times. Falls back to VmRSS where smaps_rollup is missing."""
    for name, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(name) as handle:
                for line in handle:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def _tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _pss_kb(current)
        stack.extend(_children(current))
    return total


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archivekit", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=cli_env())


def run(args: list[str], label: str) -> dict:
    """Run ``python -m archivekit ARGS``; wall time, peak RSS of one process and of the tree."""
    peak_tree = 0
    start_time = time.perf_counter()
    proc = start(args)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start_time
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{label} failed ({proc.returncode}): {stderr.decode()[-800:]}")
    # ru_maxrss (KB on Linux) of wait4 covers the process and its waited-for children.
    return {"seconds": elapsed, "max_rss_mb": usage.ru_maxrss / 1024,
            "tree_rss_mb": peak_tree / 1024}


def check(inputs: list[Path], jobs: int) -> dict:
    return run(check_args(inputs, jobs), f"check --jobs {jobs}")


def check_args(inputs: list[Path], jobs: int) -> list[str]:
    return ["check", *map(str, inputs), "-f", "json", "--jobs", str(jobs), "--progress", "never"]


def machine_ceiling(inputs: list[Path], jobs: int) -> float:
    """Wall time of ``jobs`` separate ``check --jobs 1`` processes started at once, each on
    its share of the sub-directories: what this machine gives ``jobs`` processes that share
    nothing (no pool, no parent). Its speed-up over one ``--jobs 1`` run is the ceiling of
    any pool: the cores may share caches, memory bandwidth or, on a virtual machine, a
    physical core."""
    shares = [inputs[i::jobs] for i in range(jobs)]
    started = time.perf_counter()
    procs = [start(check_args(share, 1)) for share in shares if share]
    for proc in procs:
        stderr = proc.stderr.read()
        if proc.wait() not in (0, 1):
            raise SystemExit(f"check --jobs 1 (ceiling) failed: {stderr.decode()[-800:]}")
    return time.perf_counter() - started


def spark(inputs: list[Path], workdir: Path, master: str) -> dict | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print("spark: pyspark not installed (pip install '.[spark]'): peer skipped")
        return None
    if not shutil.which("java"):
        print("spark: no java on PATH: peer skipped")
        return None
    listing = workdir / "inputs.txt"
    listing.write_text("".join(f"{p}\n" for p in inputs))
    tiny = workdir / "tiny.txt"
    tiny.write_text(f"{next(iter(sorted(inputs[0].iterdir())))}\n")
    figures = {}
    for name, lst in (("startup", tiny), ("job", listing)):
        out = workdir / f"spark-{name}"
        shutil.rmtree(out, ignore_errors=True)
        figures[name] = run(["spark-job", str(lst), "-o", str(out), "--master", master, "-q"],
                            f"spark-job {name}")
        shutil.rmtree(out, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000, help="collection for the speed runs")
    parser.add_argument("--big-pages", type=int, default=100_000,
                        help="larger collection for the memory comparison (0: skip)")
    parser.add_argument("--size", type=int, default=50_000, help="bytes per page")
    parser.add_argument("--jobs", type=int, default=2, help="pool size compared with --jobs 1")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the --jobs 1 / --jobs N speed runs this many times (medians)")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark local[N] peer")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the machine-ceiling run (N separate --jobs 1 processes at once)")
    parser.add_argument("--workdir", default=None, help="reuse a collection directory")
    parser.add_argument("--keep", action="store_true", help="keep the generated collection")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="archivekit-scale-"))
    pages_root = workdir / "pages"
    biggest = max(args.pages, args.big_pages)
    started = time.perf_counter()
    build_collection(pages_root, biggest, args.size)
    print(f"collection: {biggest:,} pages of ~{args.size // 1000} KB in {pages_root} "
          f"(built/reused in {time.perf_counter() - started:.0f} s)")
    print(f"cpu: {os.cpu_count()} cores; load average now {os.getloadavg()[0]:.1f}")
    small = sorted(pages_root.iterdir())[: -(-args.pages // PER_DIR)]
    count = min(args.pages, len(small) * PER_DIR)

    try:
        check(small[:1], 1)  # warm-up: imports, the page cache of the first files, the CPU clock
        ones, manys, ceilings = [], [], []
        for _ in range(max(1, args.rounds)):  # interleaved: 1, N, ceiling, 1, N, ceiling, ...
            ones.append(check(small, 1))
            manys.append(check(small, args.jobs))
            if not args.no_ceiling:
                ceilings.append(machine_ceiling(small, args.jobs))

        def mid(runs: list[dict]) -> dict:
            return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]

        one, many = mid(ones), mid(manys)
        r1, rn = count / one["seconds"], count / many["seconds"]
        print(f"check --jobs 1          {r1:8.0f} pages/s  ({count:,} pages in {one['seconds']:.1f} s)")
        print(f"check --jobs {args.jobs:<10} {rn:8.0f} pages/s  = {rn / r1:.2f}x --jobs 1 "
              f"(target >= 1.8x)")
        print("  rounds (s): --jobs 1 " + " ".join(f"{r['seconds']:.1f}" for r in ones)
              + f"; --jobs {args.jobs} " + " ".join(f"{r['seconds']:.1f}" for r in manys)
              + ("; ceiling " + " ".join(f"{c:.1f}" for c in ceilings) if ceilings else ""))
        if ceilings:
            ceiling = sorted(ceilings)[len(ceilings) // 2]
            print(f"machine ceiling: {args.jobs} separate --jobs 1 processes at once, each on "
                  f"1/{args.jobs} of the pages: {count / ceiling:.0f} pages/s = "
                  f"{one['seconds'] / ceiling:.2f}x --jobs 1; the pool reaches "
                  f"{ceiling / many['seconds']:.0%} of it")

        if args.big_pages and args.big_pages > args.pages:
            big = check([pages_root], 1)
            big_pool = check([pages_root], args.jobs)
            print(f"peak RSS, --jobs 1: {count:,} pages {one['max_rss_mb']:.0f} MB, "
                  f"{biggest:,} pages {big['max_rss_mb']:.0f} MB "
                  f"({big['max_rss_mb'] / one['max_rss_mb'] - 1:+.1%}; target within 10%, < 200 MB)")
            print(f"peak PSS of the process tree, --jobs {args.jobs}: {count:,} pages "
                  f"{many['tree_rss_mb']:.0f} MB, {biggest:,} pages {big_pool['tree_rss_mb']:.0f} MB "
                  f"({big_pool['tree_rss_mb'] / many['tree_rss_mb'] - 1:+.1%}); largest process "
                  f"{many['max_rss_mb']:.0f} / {big_pool['max_rss_mb']:.0f} MB")
            print(f"  (--jobs 1 over {biggest:,} pages: {biggest / big['seconds']:.0f} pages/s)")

        if not args.no_spark:
            figures = spark(small, workdir, f"local[{args.jobs}]")
            if figures:
                wall = figures["job"]["seconds"]
                net = wall - figures["startup"]["seconds"]
                print(f"spark-job local[{args.jobs}]  {count / wall:8.0f} pages/s wall "
                      f"({wall:.1f} s incl. JVM start-up), {count / max(net, 1e-9):.0f} pages/s "
                      f"without the {figures['startup']['seconds']:.1f} s of a one-page job; "
                      f"= {count / wall / rn:.2f}x the local pool")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
