"""Benchmark ``archivekit archive`` beside bare WARC writers and the floor, in one run.

    python benchmarks/bench_archive.py [--pages 1000] [--levels 6] [--rounds 3] [--jobs 1 2]

Builds a synthetic collection of ~50 KB HuffPost-2018-template pages under a temp dir,
then times on the same files, interleaved round by round (benchmarks/interleave.py:
every variant once a round, CPU time of this process, medians; ``--jobs`` variants in
wall time), for each gzip level:

* ``archive`` as a library call (check + fingerprints + WARC + JSON-LD NDJSON and
  collection + report.jsonl), with the compiled core, and the same: with the pure-Python
  simhash; with ``--compressor isal``; with ``--jsonld-files``; without JSON-LD; and
  "as before issue 15" (pure simhash, zlib-ng, one JSON-LD file per article);
* a bare warcio write of the same pages as resource records (warcio builds and
  serialises each record and its sha1 digests; one gzip member a record at the level),
  with the stdlib zlib warcio uses and with zlib-ng;
* FastWARC's writer (WarcRecord.write with digests into its GzipWriter, one member a
  record), a second WARC peer;
* the floor: read + sha256 + lxml parse, and that plus a zlib-ng deflate of the page;
* ``check`` alone (the extraction and validation share).

Targets (issue 15): archive at level 6 >= 0.70 of the bare warcio write (stdlib zlib)
and >= 0.50 of the floor (read + sha256 + parse + zlib-ng 6); with isal >= 2x archive as
it was before issue 15.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

from zlib_ng import zlib_ng

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.interleave import CHILD_CPU, WALL, cli_env, interleaved, median, require, spread  # noqa: E402
from benchmarks.synthetic import build_collection  # noqa: E402


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def bare_warcio(paths: list[Path], out: Path, level: int, deflate=zlib) -> None:
    """warcio writing each page as a resource record, one gzip member each at ``level``
    (``deflate``: the stdlib zlib that warcio uses, or zlib-ng as archive does)."""
    from warcio.warcwriter import WARCWriter

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


def bare_fastwarc(paths: list[Path], out: Path, level: int) -> None:
    """FastWARC's writer: a resource record per page with its digests, one gzip member each."""
    from fastwarc.stream_io import GzipWriter
    from fastwarc.warc import WarcRecord, WarcRecordType

    with open(out, "wb") as handle:
        stream = GzipWriter(handle, level)
        for index, path in enumerate(paths):
            record = WarcRecord()
            record.init_headers(WarcRecordType.resource)
            record.headers["WARC-Target-URI"] = f"https://example.invalid/page/{index}"
            record.headers["Content-Type"] = "text/html; charset=utf-8"
            record.set_bytes_content(path.read_bytes())
            record.write(stream, checksum_data=True)
            stream.finish()  # end the gzip member: one a record
        stream.close()


def floor(paths: list[Path], level: int | None) -> None:
    """What any archiver of these pages pays: read, sha256, lxml parse (and deflate)."""
    import lxml.etree as etree

    parser = etree.HTMLParser(no_network=True)
    for path in paths:
        content = path.read_bytes()
        hashlib.sha256(content).digest()
        etree.fromstring(content, parser)
        if level is not None:
            compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, 31)
            compressor.compress(content)
            compressor.flush()


def run_archive(root: Path, out: Path, level: int, jsonld: bool = True, jobs: int = 1,
                compressor: str = "zlib-ng", jsonld_files: bool = False,
                pure_simhash: bool = False) -> int:
    from archivekit import digests
    from archivekit.archive import ArchiveSettings, archive_paths
    from archivekit.checker import Checker
    from archivekit.export.warc import WarcOptions, parse_date_option

    settings = ArchiveSettings(out_dir=out, jsonld=jsonld, jsonld_files=jsonld_files, report=True,
                               warc_options=WarcOptions(gzip_level=level, compressor=compressor,
                                                        date=parse_date_option("2024-05-01")))
    checker = Checker(keep_record=True)
    selected = digests.simhash
    if pure_simhash:  # digests.fingerprint_record looks the name up at each call
        digests.simhash = digests.simhash_pure
    try:
        return sum(1 for _ in archive_paths([str(root)], checker, settings, jobs=jobs))
    finally:
        digests.simhash = selected


def run_archive_cli(root: Path, out: Path, level: int, *extra: str, pure: bool = False) -> None:
    """``archivekit archive`` as a user runs it, in its own process (start-up included);
    ``pure``: with ARCHIVEKIT_PURE=1, the whole pure-Python path (extraction and simhash)."""
    import subprocess

    env = cli_env(pure)
    proc = subprocess.run([sys.executable, "-m", "archivekit", "archive", str(root), "-o", str(out),
                           "--gzip-level", str(level), "--date", "2024-05-01", "--jobs", "1",
                           "--quiet", *extra], env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"archive failed ({proc.returncode}): {proc.stderr[-800:]}")


def run_check(root: Path) -> int:
    from archivekit.checker import Checker, check_paths

    return sum(1 for _ in check_paths([str(root)], Checker()))


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
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--levels", type=int, nargs="+", default=[6])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1],
                        help="also time archive with these worker counts (e.g. --jobs 1 2)")
    parser.add_argument("--stages", action="store_true", help="also split one run by stage")
    parser.add_argument("--profile", action="store_true",
                        help="profile one archive run at the first level (pyinstrument or cProfile)")
    args = parser.parse_args()
    require("fastwarc", "bench")
    require("isal", "isal")
    from archivekit import speedups

    work = Path(tempfile.mkdtemp(prefix="archivekit-bench-archive-"))
    try:
        root = work / "pages"
        paths = build_collection(root, args.pages)
        size = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"{len(paths)} pages, {size / 1024:.1f} KiB average; archivekit core: {speedups.WHICH}; "
              f"{args.rounds} interleaved rounds, CPU time (--jobs: wall), medians")
        out = work / "out"

        def clean(_name: str) -> None:
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()

        for level in args.levels:
            clean("")
            variants = {
                "floor: read + sha256 + parse": lambda: floor(paths, None),
                f"floor + zlib-ng {level}": lambda level=level: floor(paths, level),
                "bare warcio, stdlib zlib": lambda level=level: bare_warcio(paths, out / "b.warc.gz", level),
                "bare warcio, zlib-ng": lambda level=level: bare_warcio(paths, out / "b.warc.gz", level,
                                                                        zlib_ng),
                "FastWARC writer": lambda level=level: bare_fastwarc(paths, out / "f.warc.gz", level),
                "check alone": lambda: run_check(root),
                "archive": lambda level=level: run_archive(root, out / "a", level),
                "archive, pure simhash": lambda level=level: run_archive(root, out / "a", level,
                                                                         pure_simhash=True),
                "archive --compressor isal": lambda level=level: run_archive(root, out / "a", level,
                                                                             compressor="isal"),
                "archive --jsonld-files": lambda level=level: run_archive(root, out / "a", level,
                                                                          jsonld_files=True),
                "archive --no-jsonld": lambda level=level: run_archive(root, out / "a", level,
                                                                       jsonld=False),
                "archive as before (pure, files)": lambda level=level: run_archive(
                    root, out / "a", level, jsonld_files=True, pure_simhash=True),
            }
            # As a user runs it: today's CLI with --compressor isal against the CLI as it
            # was before issue 15 (the pure-Python path, zlib-ng, one JSON-LD file each).
            variants["CLI: archive --compressor isal"] = lambda level=level: run_archive_cli(
                root, out / "c", level, "--compressor", "isal")
            variants["CLI: archive as before (pure, files)"] = lambda level=level: run_archive_cli(
                root, out / "c", level, "--jsonld-files", pure=True)
            timers = {"CLI: archive --compressor isal": CHILD_CPU,
                      "CLI: archive as before (pure, files)": CHILD_CPU}
            for jobs in args.jobs if args.jobs != [1] else []:
                name = f"archive --jobs {jobs} (wall)"
                variants[name] = lambda level=level, jobs=jobs: run_archive(root, out / "a", level,
                                                                            jobs=jobs)
                timers[name] = WALL
            seconds = interleaved(variants, args.rounds, timers=timers, after=clean)
            pps = {name: rate(len(paths), median(s)) for name, s in seconds.items()}
            print(f"gzip level {level}:")
            for name, value in pps.items():
                print(f"  {name:<36} {value:8.0f} pages/s  {1e6 / value:7.0f} us/page  "
                      f"{spread(seconds[name])}")
            arch = pps["archive"]
            print(f"  archive / bare warcio (stdlib zlib):  {arch / pps['bare warcio, stdlib zlib']:.2f}"
                  "  (target >= 0.70)")
            print(f"  archive / floor + zlib-ng {level}:         {arch / pps[f'floor + zlib-ng {level}']:.2f}"
                  "  (target >= 0.50)")
            print(f"  archive / FastWARC writer:            {arch / pps['FastWARC writer']:.2f}")
            print(f"  archive --compressor isal / archive as before: "
                  f"{pps['archive --compressor isal'] / pps['archive as before (pure, files)']:.2f}x"
                  " (library, compiled extraction in both)")
            fast, before = pps["CLI: archive --compressor isal"], pps["CLI: archive as before (pure, files)"]
            print(f"  CLI: --compressor isal / as before (ARCHIVEKIT_PURE=1, --jsonld-files): "
                  f"{fast / before:.2f}x  (target >= 2x)")
            saved = 1e6 / pps["archive, pure simhash"] - 1e6 / arch
            print(f"  compiled simhash: archive {saved:.0f} us/page faster than with the pure one")
            for jobs in args.jobs[1:] if args.jobs != [1] else []:
                first = pps[f"archive --jobs {args.jobs[0]} (wall)"]
                print(f"  --jobs {jobs} / --jobs {args.jobs[0]}: "
                      f"{pps[f'archive --jobs {jobs} (wall)'] / first:.2f}x")
            if args.stages:
                split = stages(root, work / f"stages-{level}", level)
                print("  where the time goes (us/page, one run): " + ", ".join(
                    f"{name} {us:.0f}" for name, us in split.items()))
                shutil.rmtree(work / f"stages-{level}")
        if args.profile:
            profile(root, work / "out-profile", args.levels[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
