"""WARC record locations (``file.warc.gz#offset``): one parser, and a ``#`` in an ordinary
file name is not mistaken for one."""

from __future__ import annotations

import shutil

from conftest import FIXTURES, run_archivekit
from warcio.archiveiterator import ArchiveIterator

from archivekit.locations import RecordLocation, parse_location, record_path, source_file


def test_record_paths_round_trip():
    path = record_path("coll/dump.warc.gz", 1234)
    assert path == "coll/dump.warc.gz#1234"
    assert parse_location(path) == RecordLocation("coll/dump.warc.gz", 1234)
    assert str(parse_location(path)) == path
    assert parse_location("-#0") == RecordLocation("-", 0)  # a WARC on standard input
    assert parse_location("s3a://bucket/x.warc#5") == RecordLocation("s3a://bucket/x.warc", 5)


def test_a_hash_in_an_ordinary_file_name_is_not_a_location():
    for name in ("notes#2.txt", "page#top.html", "a.warc.gz#x", "dump.warc.gz", "#3"):
        assert parse_location(name) is None, name
        assert source_file(name) == name
    assert source_file("d/x.warc#77") == "d/x.warc"


def test_text_file_named_with_a_hash_is_text_plain_in_the_warc(tmp_path):
    coll = tmp_path / "coll"
    coll.mkdir()
    text = next(p for p in sorted((FIXTURES / "text").iterdir()) if p.suffix == ".txt")
    shutil.copy(text, coll / "notes#2.txt")
    out = tmp_path / "out"
    proc = run_archivekit("archive", coll, "-o", out, "--date", "2020-01-01T00:00:00Z", "-q",
                          "--no-jsonld")
    assert proc.returncode in (0, 1), proc.stderr
    (warc,) = (out / "warc").glob("*.warc.gz")
    with open(warc, "rb") as handle:
        types = {r.rec_headers.get_header("WARC-Target-URI"): r.rec_headers.get_header("Content-Type")
                 for r in ArchiveIterator(handle) if r.rec_type in ("resource", "response")}
    assert len(types) == 1
    (content_type,) = types.values()
    assert content_type.startswith("text/plain"), types
