"""The Spark job on a standalone cluster beside local[2] and the local pool, in one run.

    python benchmarks/bench_spark.py                 # 20,000 synthetic pages of ~50 KB
    python benchmarks/bench_spark.py --pages 2000    # a quick look

Builds the pages (benchmarks/synthetic.py) once under --workdir (default: a temp dir),
starts a standalone cluster on 127.0.0.1 from the pyspark install (a master and two
workers of one core each, as tests/test_spark_cluster.py does; not timed, as a real
cluster is up before the job), then times, end to end with start-up included:

* ``spark-submit --master spark://127.0.0.1:PORT .../spark_job.py LIST -o DIR``
* ``python -m archivekit spark-job LIST -o DIR --master local[2]``
* ``python -m archivekit check DIR... -f json --jobs 2`` (the local pool; report to /dev/null)

and prints pages/s for each, plus each Spark run's rate without its start-up (the time
of the same job over one page). All three check the same pages and must give the same
number of results.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.synthetic import build_collection  # noqa: E402

PER_DIR = 1000


def timed(argv: list[str], label: str, *, env=None, cwd=None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{label} failed ({proc.returncode}): {proc.stderr.decode()[-1500:]}")
    return elapsed


def result_count(out: Path) -> int:
    return sum(sum(1 for line in open(p, "rb") if line.strip())
               for p in (out / "results").glob("part-*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20_000, help="pages in the collection")
    parser.add_argument("--size", type=int, default=50_000, help="bytes per page")
    parser.add_argument("--workdir", default=None, help="reuse a collection directory")
    args = parser.parse_args()
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SystemExit("pyspark is not installed (pip install '.[spark]')") from None
    if not shutil.which("java"):
        raise SystemExit("no java on PATH: Spark needs a JVM")
    from spark_standalone import Cluster

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="archivekit-h16-bench-spark-"))
    pages_root = workdir / "pages"
    started = time.perf_counter()
    build_collection(pages_root, args.pages, args.size)
    dirs = sorted(pages_root.iterdir())[: -(-args.pages // PER_DIR)]
    count = min(args.pages, sum(1 for d in dirs for _ in d.iterdir()))
    print(f"collection: {count:,} pages of ~{args.size // 1000} KB in {pages_root} "
          f"(built/reused in {time.perf_counter() - started:.0f} s)")
    print(f"cpu: {os.cpu_count()} cores; load average now {os.getloadavg()[0]:.1f}")
    listing = workdir / "inputs.txt"
    listing.write_text("".join(f"{d}\n" for d in dirs))
    tiny = workdir / "tiny.txt"
    tiny.write_text(f"{next(iter(sorted(dirs[0].iterdir())))}\n")
    job = str(ROOT / "archivekit" / "spark_job.py")
    py = [sys.executable, "-m", "archivekit"]
    rates: dict[str, tuple[float, float | None]] = {}

    def fresh(name: str) -> Path:
        out = workdir / name
        shutil.rmtree(out, ignore_errors=True)
        return out

    cluster = Cluster(workdir / "cluster", pythonpath=str(ROOT))
    try:
        cluster.start()
        print(f"standalone cluster up: {cluster.master_url}, 2 workers x 1 core, "
              "512 MB an executor")
        env = {**cluster.env(), "PYTHONPATH": str(ROOT)}
        submit = ["spark-submit", "--master", cluster.master_url, job]
        startup = timed([*submit, str(tiny), "-o", str(fresh("standalone-tiny")), "-q"],
                        "standalone one-page job", env=env, cwd=ROOT)
        wall = timed([*submit, str(listing), "-o", str(fresh("standalone")), "-q"],
                     "standalone job", env=env, cwd=ROOT)
        assert result_count(workdir / "standalone") == count
        rates["standalone (2 workers x 1 core)"] = (wall, startup)
    finally:
        cluster.stop()

    local_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    startup = timed([*py, "spark-job", str(tiny), "-o", str(fresh("local2-tiny")),
                     "--master", "local[2]", "-q"], "local[2] one-page job", env=local_env,
                    cwd=ROOT)
    wall = timed([*py, "spark-job", str(listing), "-o", str(fresh("local2")), "--master",
                  "local[2]", "-q"], "local[2] job", env=local_env, cwd=ROOT)
    assert result_count(workdir / "local2") == count
    rates["spark local[2]"] = (wall, startup)

    wall = timed([*py, "check", *map(str, dirs), "-f", "json", "--jobs", "2", "--progress",
                  "never"], "check --jobs 2", env=local_env, cwd=ROOT)
    rates["local pool (check --jobs 2)"] = (wall, None)

    pool = count / rates["local pool (check --jobs 2)"][0]
    for name, (wall, startup) in rates.items():
        line = f"{name:34} {count / wall:7.0f} pages/s  ({wall:6.1f} s wall"
        if startup is not None:
            net = max(wall - startup, 1e-9)
            line += f"; {count / net:.0f} pages/s without the {startup:.1f} s of a one-page job"
        print(line + f")  = {count / wall / pool:.2f}x the pool")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
