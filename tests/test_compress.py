"""Deflate engines: zlib-ng (default, today's bytes) and ISA-L (--compressor isal); every
engine's WARC read back by warcio, FastWARC and zlib; the JSON-LD files only on request."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_archivekit
from warcio.archiveiterator import ArchiveIterator
from zlib_ng import zlib_ng

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.errors import MissingDependency, UsageError
from archivekit.export import compress
from archivekit.export.warc import ExportError, WarcOptions, parse_date_option

pytest.importorskip("isal", reason="python-isal is not installed (pip install '.[isal]')")

PAGES = sorted(p for p in (FIXTURES / "html").rglob("*.html"))
DATA = b"".join(p.read_bytes() for p in PAGES)


def test_zlib_ng_is_the_default_and_gives_the_bytes_archive_always_wrote():
    assert compress.DEFAULT_ENGINE == "zlib-ng" and WarcOptions().compressor == "zlib-ng"
    for level in range(10):
        old = zlib_ng.compressobj(level, zlib_ng.DEFLATED, 16 + zlib_ng.MAX_WBITS)
        assert compress.deflater("zlib-ng", level)(DATA) == old.compress(DATA) + old.flush()


@pytest.mark.parametrize("engine", compress.ENGINES)
@pytest.mark.parametrize("level", [0, 1, 4, 6, 8, 9])
def test_every_engine_writes_standard_gzip(engine, level):
    member = compress.deflater(engine, level)(DATA)
    assert member[:3] == b"\x1f\x8b\x08" and member[4:8] == b"\0\0\0\0"  # no time stamp
    assert zlib.decompress(member, 16 + zlib.MAX_WBITS) == DATA
    assert compress.deflater(engine, level)(DATA) == member  # reproducible
    assert compress.deflater(engine, level)(b"") and zlib.decompress(
        compress.deflater(engine, level)(b""), 31) == b""


def test_isal_levels_map_and_cost_some_size():
    assert [compress.isal_level(level) for level in range(10)] == [None, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    assert compress.deflater("isal", 0)(DATA) == compress.deflater("zlib-ng", 0)(DATA)  # stored
    ng, isal = len(compress.deflater("zlib-ng", 6)(DATA)), len(compress.deflater("isal", 6)(DATA))
    assert ng < isal < len(DATA) / 2


def test_bad_engine_or_level_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown compressor"):
        compress.deflater("brotli", 6)
    with pytest.raises(UsageError, match="0 to 9"):
        compress.deflater("isal", 10)
    with pytest.raises(ExportError, match="unknown compressor"):
        WarcOptions(compressor="lz4")


def _archive(out: Path, engine: str, level: int = 6) -> list[Path]:
    settings = ArchiveSettings(out_dir=out, report=False, jsonld=False, warc_options=WarcOptions(
        compressor=engine, gzip_level=level, date=parse_date_option("2024-05-01")))
    assert list(archive_paths([str(FIXTURES)], Checker(keep_record=True), settings))
    return sorted((out / "warc").glob("*.warc.gz"))


def _members(data: bytes) -> list[bytes]:
    """Inflate gzip member by member with zlib (each record is one member)."""
    out = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(inflater.decompress(data) + inflater.flush())
        assert inflater.eof
        data = inflater.unused_data
    return out


@pytest.fixture(scope="module")
def warcs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compress")
    return {(engine, level): _archive(root / f"{engine}-{level}", engine, level)
            for engine in compress.ENGINES for level in (1, 6, 9)}


def test_every_engine_is_read_back_by_warcio_fastwarc_and_zlib(warcs):
    from fastwarc.warc import ArchiveIterator as FastIterator

    reference = None
    for (engine, level), files in warcs.items():
        assert files, (engine, level)
        data = b"".join(p.read_bytes() for p in files)
        inflated = b"".join(_members(data))
        reference = reference or inflated
        # The same records whatever the engine: only the deflate differs.
        assert inflated == reference, (engine, level)
        with io.BytesIO(data) as handle:
            records = [(r.rec_headers.get_header("WARC-Record-ID"), r.content_stream().read())
                       for r in ArchiveIterator(handle, check_digests="raise")]
        assert len(records) == len(_members(data)) > 30
        with io.BytesIO(data) as handle:
            fast = [r.record_id for r in FastIterator(handle, verify_digests=True)]
        assert fast == [rid for rid, _ in records], (engine, level)


def test_isal_warcs_are_larger_than_zlib_ng_ones(warcs):
    def size(key):
        return sum(p.stat().st_size for p in warcs[key])

    assert size(("zlib-ng", 6)) < size(("isal", 6))
    assert size(("isal", 9)) <= size(("isal", 6)) <= size(("isal", 1))


def test_cli_compressor_option_and_its_errors(tmp_path):
    proc = run_archivekit("archive", FIXTURES / "html", "-o", tmp_path / "out", "--compressor", "isal",
                          "--date", "2024-05-01", "-q")
    assert proc.returncode in (0, 1), proc.stderr
    [warc] = (tmp_path / "out" / "warc").glob("*.warc.gz")
    with open(warc, "rb") as handle:
        first = next(iter(ArchiveIterator(handle)))
        assert b"--compressor isal" in first.content_stream().read()  # the warcinfo says so
    bad = run_archivekit("export", FIXTURES / "html", "-o", tmp_path / "x", "--warc", "--compressor", "lz4")
    assert bad.returncode == 2 and "lz4" in bad.stderr
    code = ("import sys; sys.modules['isal'] = None; sys.argv = ['archivekit', 'archive', sys.argv[1], "
            "'-o', sys.argv[2], '--compressor', 'isal', '-q']; from archivekit.cli import main; main()")
    missing = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "html"), str(tmp_path / "y")],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert missing.returncode == 2, missing.stderr
    assert "archivekit[isal]" in missing.stderr and "Traceback" not in missing.stderr


def test_missing_isal_raises_missing_dependency(monkeypatch):
    monkeypatch.setitem(sys.modules, "isal", None)
    monkeypatch.setitem(sys.modules, "isal.isal_zlib", None)
    with pytest.raises(MissingDependency, match="isal"):
        compress.check_engine("isal")


# --- JSON-LD: the per-article files on request ----------------------------------------
def test_jsonld_files_only_when_asked(tmp_path):
    plain = run_archivekit("archive", FIXTURES / "html", "-o", tmp_path / "plain", "--date", "2024-05-01",
                           "-q")
    files = run_archivekit("archive", FIXTURES / "html", "-o", tmp_path / "files", "--date", "2024-05-01",
                           "--jsonld-files", "-q")
    assert plain.returncode in (0, 1) and files.returncode in (0, 1), plain.stderr + files.stderr
    plain_dir, files_dir = tmp_path / "plain" / "jsonld", tmp_path / "files" / "jsonld"
    assert sorted(p.name for p in plain_dir.iterdir()) == ["articles.ndjson", "collection.jsonld"]
    per_article = sorted(files_dir.glob("0*.jsonld"))
    lines = (files_dir / "articles.ndjson").read_text(encoding="utf-8").splitlines()
    assert len(per_article) == len(lines) > 5
    assert [json.loads(p.read_text(encoding="utf-8")) for p in per_article] == [json.loads(x) for x in lines]
    # The NDJSON and the collection are the same with or without the files (--date fixed;
    # the collection's members are the same articles).
    assert (plain_dir / "articles.ndjson").read_bytes() == (files_dir / "articles.ndjson").read_bytes()
    assert (json.loads((plain_dir / "collection.jsonld").read_text())["hasPart"]
            == json.loads((files_dir / "collection.jsonld").read_text())["hasPart"])
    export = run_archivekit("export", FIXTURES / "html", "-o", tmp_path / "exp", "--jsonld", "--jsonld-files",
                            "-q")
    assert export.returncode in (0, 1) and list((tmp_path / "exp" / "jsonld").glob("0*.jsonld"))
