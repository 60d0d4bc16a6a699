"""Benchmark ``archivekit check`` on one process against its peers, in one run.

    python benchmarks/bench_check.py [--pages 10000] [--trafilatura-pages 200]

Peers on the same ~50 KB pages: bare ``lxml.html.fromstring`` plus a walk over every
element (the floor any lxml-based extractor pays), and trafilatura's ``extract``.
Targets (issue 2): check >= 60% of bare lxml parse-and-walk, >= 10x trafilatura.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import build_collection  # noqa: E402


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bench_lxml(pages: list[bytes]) -> float:
    import lxml.html

    start = time.perf_counter()
    for page in pages:
        root = lxml.html.fromstring(page)
        for el in root.iter():
            el.text  # noqa: B018 - touching each node is the point
    return rate(len(pages), time.perf_counter() - start)


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


def bench_cli(root: Path, count: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "archivekit", "check", str(root), "--format",
                           "json", "--jobs", "1", "--progress", "never"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr[-500:]}")
    return rate(count, elapsed)


def bench_trafilatura(pages: list[bytes]) -> float:
    try:
        import trafilatura
    except ImportError as exc:  # a peer that cannot run is a broken benchmark, not a skip
        raise SystemExit(f"bench_check: trafilatura cannot be imported ({exc}); "
                         "install the bench extra: pip install '.[bench]'") from None
    start = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.decode("utf-8"))
    return rate(len(pages), time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10000,
                        help="collection size; the CLI figure includes its ~0.4 s start-up")
    parser.add_argument("--trafilatura-pages", type=int, default=200)
    parser.add_argument("--workdir", default=None, help="reuse a collection directory")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="archivekit-bench-"))
    paths = build_collection(workdir / "pages", args.pages)
    pages = [p.read_bytes() for p in paths]
    mean_kb = sum(map(len, pages)) / len(pages) / 1024
    print(f"collection: {len(paths)} pages, mean {mean_kb:.1f} KB, in {workdir}")
    print(f"cpu: {os.cpu_count()} cores; one process for every figure below")

    lxml_rate = bench_lxml(pages)
    lib_rate, stages = bench_library(paths)
    cli_rate = bench_cli(workdir / "pages", len(paths))
    traf_rate = bench_trafilatura(pages[: args.trafilatura_pages])

    print(f"{'bare lxml parse+walk':<28} {lxml_rate:8.0f} pages/s")
    print(f"{'archivekit check (library)':<28} {lib_rate:8.0f} pages/s  "
          f"= {lib_rate / lxml_rate:.0%} of bare lxml")
    print(f"{'archivekit check (CLI, json)':<28} {cli_rate:8.0f} pages/s  "
          f"= {cli_rate / lxml_rate:.0%} of bare lxml")
    print("  per page, microseconds: " + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))
    print(f"{'trafilatura extract':<28} {traf_rate:8.0f} pages/s  "
          f"-> check is {cli_rate / traf_rate:.1f}x trafilatura")
    print("targets: check >= 60% of bare lxml; >= 10x trafilatura")


if __name__ == "__main__":
    main()
