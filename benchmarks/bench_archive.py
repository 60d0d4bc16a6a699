"""Benchmark ``archivekit archive`` on one process beside a bare warcio write, in one run.

    python benchmarks/bench_archive.py [--pages 2000] [--levels 6 9] [--jobs 1 2] [--profile]

Builds a synthetic collection of ~50 KB HuffPost-2018-template pages under a temp dir,
then times on the same files, for each gzip level:

* ``archive`` as a library call (check + fingerprints + WARC + JSON-LD + report.jsonl),
* the same without JSON-LD (check + fingerprints + WARC + report),
* ``check`` alone (the extraction and validation share of the job),
* with ``--jobs 1 2 ...``: ``archive`` on that many worker processes (same output bytes),
* a bare warcio write of the same pages as resource records (warcio builds and
  serialises each record, computes its sha1 digests; each record is one gzip member at
  the same level, which is what warcio's own writer does at its fixed level 9), with
  the stdlib zlib that warcio uses, and again with zlib-ng, the deflate archive uses.

Targets (issue 4): archive >= 1,000 pages/s per core at level 6, and within 70% of
the bare warcio write at the same level (archive rate / warcio rate >= 0.70).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

from zlib_ng import zlib_ng

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import build_collection  # noqa: E402


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bare_warcio(paths: list[Path], out: Path, level: int, deflate=zlib) -> float:
    """warcio writing each page as a resource record, one gzip member each at ``level``
    (``deflate``: the stdlib zlib that warcio uses, or zlib-ng as archive does)."""
    from warcio.warcwriter import WARCWriter

    start = time.perf_counter()
    with open(out, "wb") as handle:
        writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.1")
        for index, path in enumerate(paths):
            content = path.read_bytes()
            record = writer.create_warc_record(
                f"https://example.invalid/page/{index}", "resource",
                payload=io.BytesIO(content), length=len(content),
                warc_content_type="text/html; charset=utf-8")
            buffer = io.BytesIO()
            writer.out = buffer
            writer.write_record(record)
            compressor = deflate.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            handle.write(compressor.compress(buffer.getvalue()) + compressor.flush())
    return rate(len(paths), time.perf_counter() - start)


def run_archive(root: Path, out: Path, level: int, jsonld: bool = True, jobs: int = 1) -> float:
    from archivekit.archive import ArchiveSettings, archive_paths
    from archivekit.checker import Checker
    from archivekit.export.warc import WarcOptions, parse_date_option

    settings = ArchiveSettings(out_dir=out, jsonld=jsonld, report=True,
                               warc_options=WarcOptions(gzip_level=level,
                                                        date=parse_date_option("2024-05-01")))
    checker = Checker(keep_record=True)
    start = time.perf_counter()
    count = sum(1 for _ in archive_paths([str(root)], checker, settings, jobs=jobs))
    return rate(count, time.perf_counter() - start)


def run_check(root: Path) -> float:
    from archivekit.checker import Checker, check_paths

    start = time.perf_counter()
    count = sum(1 for _ in check_paths([str(root)], Checker()))
    return rate(count, time.perf_counter() - start)


def stages(root: Path, out: Path, level: int) -> dict[str, float]:
    """Microseconds per page of each stage of the job, run one stage at a time."""
    from archivekit.checker import Checker
    from archivekit.digests import fingerprint_record
    from archivekit.export.jsonld import JsonLdWriter
    from archivekit.export.warc import WarcExporter, WarcOptions, parse_date_option
    from archivekit.sources import collect_paths, read_documents

    timings: dict[str, float] = {}

    def timed(name, fn):
        start = time.perf_counter()
        value = fn()
        timings[name] = time.perf_counter() - start
        return value

    documents = timed("read", lambda: list(read_documents(collect_paths([str(root)]))))
    checker = Checker(keep_record=True)
    results = timed("check (extract + validate)", lambda: [checker.check(d) for d in documents])
    digests = timed("fingerprints (fields + simhash)",
                    lambda: [(fingerprint_record(d.content, r.record,
                                                 digests={"sha256": r.fingerprint["sha256"]}).fields,
                              None) for d, r in zip(documents, results, strict=True)])
    options = WarcOptions(gzip_level=level, date=parse_date_option("2024-05-01"))

    def warc():
        with WarcExporter(out / "warc", options) as exporter:
            return [exporter.add(d, r, {"result": r.to_dict(), "field_sha256": f})
                    for d, r, (f, _) in zip(documents, results, digests, strict=True)]

    refs = timed("WARC records (incl. gzip)", warc)

    def ld():
        writer = JsonLdWriter(out / "jsonld")
        for r, ref, (f, _) in zip(results, refs, digests, strict=True):
            writer.add(r, ref, f)
        writer.close()

    timed("JSON-LD files + NDJSON", ld)
    return {name: seconds / len(documents) * 1e6 for name, seconds in timings.items()}


def profile(root: Path, out: Path, level: int) -> None:
    """Where an archive run spends its time: pyinstrument if installed, else cProfile."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(run_archive, root, out, level)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return
    profiler = Profiler()
    profiler.start()
    run_archive(root, out, level)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--levels", type=int, nargs="+", default=[6, 9])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1],
                        help="also time archive with these worker counts (e.g. --jobs 1 2)")
    parser.add_argument("--profile", action="store_true",
                        help="profile one archive run at the first level (pyinstrument or cProfile)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="archivekit-bench-archive-"))
    try:
        root = work / "pages"
        paths = build_collection(root, args.pages)
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{len(paths)} pages, {size / 1024:.1f} KiB average, one process")
        run_check(root)  # warm the page cache and imports
        check = run_check(root)
        print(f"  check alone                              {check:8.0f} pages/s")
        for level in args.levels:
            warcio_rate = bare_warcio(paths, work / f"bare-{level}.warc.gz", level)
            ng_rate = bare_warcio(paths, work / f"bare-ng-{level}.warc.gz", level, zlib_ng)
            full = run_archive(root, work / f"out-{level}", level)
            no_ld = run_archive(root, work / f"out-nold-{level}", level, jsonld=False)
            print(f"gzip level {level}:")
            print(f"  bare warcio resource records             {warcio_rate:8.0f} pages/s")
            print(f"  bare warcio, zlib-ng deflate (archive's) {ng_rate:8.0f} pages/s")
            print(f"  archive (WARC + JSON-LD + report)        {full:8.0f} pages/s"
                  f"   ratio to warcio {full / warcio_rate:5.2f}  (target >= 0.70"
                  f"{', >= 1,000 pages/s' if level == 6 else ''})")
            print(f"  archive without JSON-LD                  {no_ld:8.0f} pages/s"
                  f"   ratio to warcio {no_ld / warcio_rate:5.2f}")
            print(f"  archive to bare warcio with zlib-ng: {full / ng_rate:4.2f}"
                  f" (without JSON-LD {no_ld / ng_rate:4.2f})")
            by_jobs: dict[int, float] = {}
            for jobs in args.jobs if args.jobs != [1] else []:
                by_jobs[jobs] = run_archive(root, work / f"out-j{jobs}-{level}", level, jobs=jobs)
                shutil.rmtree(work / f"out-j{jobs}-{level}")
                ratio = f"   {by_jobs[jobs] / by_jobs[args.jobs[0]]:4.2f}x --jobs {args.jobs[0]}" \
                    if jobs != args.jobs[0] else ""
                print(f"  archive --jobs {jobs:<3d}                        {by_jobs[jobs]:8.0f} pages/s"
                      f"{ratio}")
            shutil.rmtree(work / f"out-{level}")
            shutil.rmtree(work / f"out-nold-{level}")
            split = stages(root, work / f"stages-{level}", level)
            print("  where the time goes (us/page): " + ", ".join(
                f"{name} {us:.0f}" for name, us in split.items()))
            shutil.rmtree(work / f"stages-{level}")
        if args.profile:
            profile(root, work / "out-profile", args.levels[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
