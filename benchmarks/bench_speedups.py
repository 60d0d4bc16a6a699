"""The compiled core against the pure-Python code, and the deflate engines, in one run.

    python benchmarks/bench_speedups.py [--pages 300] [--rounds 7] [--callgrind]

On the same pages (synthetic ~50 KB article pages, plus the real pages of
../shared/corpus/pages when that directory is there), interleaved round by round
(benchmarks/interleave.py), CPU time, medians:

* the simhash of each article's body: pure Python vs compiled (same results);
* lxml parse alone, parse + a Python walk (``el.tag``, ``el.text`` of every element),
  parse + the same walk through lxml's C API (``archivekit._speedups.element_texts``);
* deflate of each page into one gzip member: stdlib zlib 6, zlib-ng 6, ISA-L at
  ``--gzip-level 6`` (its level 1), with the compressed size against the original.

``--callgrind`` also counts instructions per page (valgrind; deterministic) for the
simhash and the whole ``archive`` job (check + fingerprint + WARC + JSON-LD), pure vs
compiled.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.interleave import interleaved, median, require, spread  # noqa: E402
from benchmarks.synthetic import build_collection, make_page  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"


def real_pages() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    paths = sorted(CORPUS.glob("readability/*/source.html")) + sorted(CORPUS.glob("newspaper4k/html/*.html"))
    return [p.read_bytes() for p in paths]


def bodies(pages: list[bytes]) -> list[list[str]]:
    """The body paragraphs archive hashes (the record's body; <p> texts where no record)."""
    import lxml.etree as etree

    from archivekit.checker import Checker
    from archivekit.digests import canonical_fields
    from archivekit.record import Document

    checker = Checker(keep_record=True)
    out = []
    for index, page in enumerate(pages):
        record = checker.check(Document(path=f"page-{index}.html", content=page)).record
        body = canonical_fields(record)["body"] if record else []
        if not body:
            root = etree.fromstring(page, etree.HTMLParser(no_network=True))
            body = ["".join(p.itertext()) for p in root.iter("p")] if root is not None else []
        out.append(body)
    return out


def _parser():
    import lxml.etree as etree

    return etree.HTMLParser(no_network=True)


def timing(pages: list[bytes], label: str, rounds: int) -> None:
    import lxml.etree as etree
    from zlib_ng import zlib_ng

    from archivekit import digests
    from archivekit.export import compress

    compiled = require("archivekit._speedups", "test")  # the core must be built
    isal = compress.deflater("isal", 6)
    require("isal", "isal")
    texts = bodies(pages)
    parser = _parser()

    def parse():
        for page in pages:
            etree.fromstring(page, parser)

    def python_walk():
        for page in pages:
            root = etree.fromstring(page, parser)
            [(el.tag, el.text) for el in root.iter(etree.Element)]

    def c_walk():
        for page in pages:
            compiled.element_texts(etree.fromstring(page, parser))

    def c_count():
        for page in pages:
            compiled.count_nodes(etree.fromstring(page, parser))

    def deflate_with(fn):
        return lambda: [fn(page) for page in pages]

    def stdlib(data, level=6):
        c = zlib.compressobj(level, zlib.DEFLATED, 31)
        return c.compress(data) + c.flush()

    def ng(data, level=6):
        c = zlib_ng.compressobj(level, zlib_ng.DEFLATED, 31)
        return c.compress(data) + c.flush()

    variants = {
        "simhash, pure Python": lambda: [digests.simhash_pure(t) for t in texts],
        "simhash, compiled": lambda: [compiled.simhash(t) for t in texts],
        "lxml parse": parse,
        "parse + Python walk": python_walk,
        "parse + C-API walk": c_walk,
        "parse + C-API bare walk": c_count,
        "deflate, zlib 6": deflate_with(stdlib),
        "deflate, zlib-ng 6": deflate_with(ng),
        "deflate, isal (--gzip-level 6)": deflate_with(isal),
    }
    assert [compiled.simhash(t) for t in texts] == [digests.simhash_pure(t) for t in texts]
    seconds = interleaved(variants, rounds)
    us = {name: median(s) / len(pages) * 1e6 for name, s in seconds.items()}
    size = sum(map(len, pages))
    print(f"\n== {label}: {len(pages)} pages, {size / len(pages) / 1024:.1f} KiB average; "
          f"{rounds} interleaved rounds, CPU time, median (spread)")
    for name, value in us.items():
        line = f"  {name:<32} {value:9.1f} us/page  {spread(seconds[name])}"
        if name.startswith("deflate"):
            fn = {"deflate, zlib 6": stdlib, "deflate, zlib-ng 6": ng}.get(name, isal)
            ratio = sum(len(fn(p)) for p in pages) / size
            line += f"   {size / 1e6 / (value * len(pages) / 1e6):6.0f} MB/s, size {ratio:.3f} of the page"
        print(line)
    print(f"  simhash compiled / pure: {us['simhash, compiled'] / us['simhash, pure Python']:.3f} "
          f"({us['simhash, pure Python'] / us['simhash, compiled']:.1f}x faster)")
    walk_py = us["parse + Python walk"] - us["lxml parse"]
    walk_c = us["parse + C-API walk"] - us["lxml parse"]
    bare = us["parse + C-API bare walk"] - us["lxml parse"]
    print(f"  the walk beyond the parse: Python {walk_py:.0f} us, C API {walk_c:.0f} us "
          f"(tag and text of every element), bare C walk {bare:.0f} us")
    print(f"  isal vs zlib-ng 6: {us['deflate, zlib-ng 6'] / us['deflate, isal (--gzip-level 6)']:.1f}x "
          "faster")


# --- callgrind -------------------------------------------------------------------------
def child(kind: str, pages: int, work: int, workdir: str | None) -> None:
    """One run to count under callgrind: set-up for ``pages`` pages (the same in every
    run), a warm pass, then ``work`` pages of ``kind``."""
    if kind in ("check", "lxml"):
        _check_child(kind, pages, work, Path(workdir))
        return
    if kind.startswith("archive"):
        from archivekit import digests
        from archivekit.archive import ArchiveSettings, archive_paths
        from archivekit.checker import Checker
        from archivekit.export.warc import WarcOptions, parse_date_option

        root = Path(workdir)
        checker = Checker(keep_record=True)
        warm = sorted(root.glob("*/page-*.html"))
        assert len(warm) >= pages

        # archive-isal: --compressor isal; archive-before: as before issue 15 (the pure
        # simhash, zlib-ng, one JSON-LD file per article).
        if kind == "archive-before":
            digests.simhash = digests.simhash_pure

        def run(paths, out):
            settings = ArchiveSettings(out_dir=out, report=True, jsonld_files=kind == "archive-before",
                                       warc_options=WarcOptions(
                                           date=parse_date_option("2024-05-01"),
                                           compressor="isal" if kind == "archive-isal" else "zlib-ng"))
            for _ in archive_paths([str(p) for p in paths], checker, settings, jobs=1):
                pass
            shutil.rmtree(out)

        run(warm[:pages], root.parent / "out-warm")
        run(warm[:work] if work else [], root.parent / "out-work")
        return
    from archivekit import digests

    texts = bodies([make_page(i) for i in range(pages)])
    for text in texts:
        digests.simhash(text)
    for text in texts[:work]:
        digests.simhash(text)


def _check_child(kind: str, pages: int, work: int, root: Path) -> None:
    """``check`` through the library (read, extract, validate, content digest: what
    bench_check times), or bench_check's peer: bare ``lxml.html.fromstring`` + a walk."""
    paths = sorted(root.glob("*/page-*.html"))[:pages]
    if kind == "lxml":
        import lxml.html

        contents = [p.read_bytes() for p in paths]

        def one(i):
            for el in lxml.html.fromstring(contents[i]).iter():
                el.text  # noqa: B018 - touching each node is the point
    else:
        from archivekit.checker import Checker
        from archivekit.digests import content_digest
        from archivekit.extract import extract
        from archivekit.sources import read_file
        from archivekit.validate import validate

        checker = Checker()

        def one(i):
            extraction = extract(read_file(str(paths[i])), checker.profiles)
            validate(extraction, checker.schema)
            content_digest(extraction.data)
    for i in range(len(paths)):
        one(i)
    for i in range(work):
        one(i)


def callgrind(pages: int, only: tuple[str, ...] = ("simhash", "check", "archive")) -> None:
    from benchmarks.callgrind import instructions_per_item

    script = str(Path(__file__).resolve())
    large, small = pages, max(1, pages // 4)
    work = Path(tempfile.mkdtemp(prefix="archivekit-bench-callgrind-"))
    try:
        build_collection(work / "pages", large)
        print(f"\n== callgrind: instructions per page (({large} - {small} pages) difference; "
              "deterministic)")
        figures = {}

        def count(kind: str, label: str, env: dict[str, str]) -> float:
            figures[label] = instructions_per_item(
                lambda n: [script, "--child", kind, "--pages", str(large), "--work", str(n),
                           "--workdir", str(work / "pages")], small, large, env)
            print(f"  {label:<40} {figures[label] / 1e6:9.2f} M instructions/page")
            return figures[label]

        pure, compiled = {"ARCHIVEKIT_PURE": "1"}, {"ARCHIVEKIT_COMPILED": "1"}
        if "simhash" in only:
            ratio = count("simhash", "simhash, compiled", compiled) / count("simhash", "simhash, pure", pure)
            print(f"  simhash compiled / pure: {ratio:.3f}")
        if "check" in only:
            bare = count("lxml", "bare lxml.html parse + walk", compiled)
            pure_ir = count("check", "check (library), pure", pure)
            compiled_ir = count("check", "check (library), compiled", compiled)
            print(f"  check compiled / pure: {compiled_ir / pure_ir:.3f}; bare lxml / check: "
                  f"pure {bare / pure_ir:.0%}, compiled {bare / compiled_ir:.0%} (target 60%; "
                  "valgrind runs sha256 without the CPU's SHA instructions)")
        if "archive" in only:
            before = count("archive-before", "archive as before (pure, JSON-LD files)", pure)
            pure_ir = count("archive", "archive, pure", pure)
            compiled_ir = count("archive", "archive, compiled", compiled)
            isal_ir = count("archive-isal", "archive, compiled, --compressor isal", compiled)
            print(f"  archive compiled / pure: {compiled_ir / pure_ir:.3f}; as before / compiled + isal: "
                  f"{before / isal_ir:.2f}x (user-space instructions: file creation in the kernel "
                  "is not counted)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="synthetic pages")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true",
                        help="also count instructions per page under valgrind (pure vs compiled)")
    parser.add_argument("--callgrind-pages", type=int, default=40)
    parser.add_argument("--callgrind-only", choices=["simhash", "check", "archive"], default=None,
                        help="count only this part (and skip the timings)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pages, args.work, args.workdir)
        return
    if args.callgrind_only:
        callgrind(args.callgrind_pages, (args.callgrind_only,))
        return
    from archivekit import speedups

    print(f"archivekit speedups: {speedups.WHICH}; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    timing([make_page(i) for i in range(args.pages)], "synthetic pages", args.rounds)
    real = real_pages()
    if real:
        timing(real, f"real pages ({CORPUS})", args.rounds)
    else:
        print(f"(no real pages: {CORPUS} is absent)")
    if args.callgrind:
        callgrind(args.callgrind_pages)


if __name__ == "__main__":
    main()
