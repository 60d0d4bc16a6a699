"""WARC export read back by warcio, `warcio check`, FastWARC and cdxj-indexer."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import FIXTURES, run_archivekit
from test_warccheck import good_records, http_response, members
from warcio.archiveiterator import ArchiveIterator

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.export.warc import WarcOptions, parse_date_option, read_input_record

DATE = "2024-05-01T12:00:00Z"
SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
VOCAB = "https://archivekit.invalid/vocab#"


def make_collection(root: Path) -> Path:
    coll = root / "coll"
    for sub in ("html", "text"):
        shutil.copytree(FIXTURES / sub, coll / sub)
    shutil.copy(FIXTURES / "warc" / "sample.warc.gz", coll / "sample.warc.gz")
    # The same page twice: the second becomes a revisit record.
    shutil.copy(FIXTURES / "html" / "au-2018-valid.html", coll / "html" / "zz-copy-of-au.html")
    return coll


def export(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = run_archivekit("export", "coll", "-o", "out", "--warc", "--date", DATE, "-f", "json",
                          *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def warc_files(out: Path) -> list[Path]:
    return sorted((out / "warc").glob("*.warc.gz"))


def read_records(path: Path) -> list[dict]:
    out = []
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle, check_digests="raise")
        for rec in iterator:
            content = rec.content_stream().read()
            out.append({"type": rec.rec_type, "headers": dict(rec.rec_headers.headers),
                        "offset": iterator.get_record_offset(), "content": content,
                        "http": rec.http_headers})
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    make_collection(root)
    proc = export(root)
    assert proc.returncode in (0, 1), proc.stderr
    return root


def test_one_file_with_warcinfo_first(exported):
    files = warc_files(exported / "out")
    assert [f.name for f in files] == ["archivekit-20240501120000-00000.warc.gz"]
    assert not list((exported / "out").rglob("*.open"))
    records = read_records(files[0])
    info = records[0]
    assert info["type"] == "warcinfo"
    assert info["headers"]["WARC-Filename"] == files[0].name
    assert "WARC-Payload-Digest" not in info["headers"]
    assert "WARC-Target-URI" not in info["headers"]
    fields = dict(line.split(": ", 1) for line in info["content"].decode().splitlines())
    assert fields["software"].startswith("archivekit/")
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["conformsTo"] == \
        "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
    assert "export coll -o out --warc" in fields["command-line"]
    assert all(r["type"] != "warcinfo" for r in records[1:])


def test_articles_and_their_metadata_records(exported):
    records = read_records(warc_files(exported / "out")[0])
    captures = [r for r in records if r["type"] in ("resource", "response", "revisit")]
    metadata = [r for r in records if r["type"] == "metadata"]
    # 41 files (html + text + one copy) and 5 pages in the sample WARC.
    sources = len(list((FIXTURES / "html").glob("*.html"))) + len(list((FIXTURES / "text").glob("*.txt")))
    assert len(captures) == len(metadata) == sources + 1 + 5
    for capture, meta in zip(records[1::2], records[2::2], strict=True):
        assert capture["type"] in ("resource", "response", "revisit")
        assert meta["type"] == "metadata"
        ref = capture["headers"]["WARC-Record-ID"]
        assert meta["headers"]["WARC-Refers-To"] == ref
        assert meta["headers"]["WARC-Concurrent-To"] == ref
        assert "WARC-Payload-Digest" not in meta["headers"]
        assert meta["headers"]["Content-Type"] == "application/ld+json"
        body = json.loads(meta["content"])
        assert body["@context"]["@vocab"] == VOCAB
        assert "valid" in body["result"] and "content_sha256" in body["result"]["fingerprint"] \
            or body["result"]["findings"]
    for rec in records:
        if rec["type"] == "resource":
            assert SECOND.match(rec["headers"]["WARC-Date"])
            # local files carry the --date; the sample WARC's resource keeps its capture date
            assert rec["headers"]["WARC-Date"] == DATE or "/qc/" in rec["headers"]["WARC-Target-URI"]
            assert re.match(r"text/(html|plain); charset=[\w-]+$", rec["headers"]["Content-Type"])
            assert "charset=cp" not in rec["headers"]["Content-Type"]  # IANA names only
            assert rec["headers"]["WARC-Target-URI"]


def test_target_uri_is_the_canonical_url_of_a_local_file(exported):
    records = read_records(warc_files(exported / "out")[0])
    au = (FIXTURES / "html" / "au-2016-valid.html").read_bytes()
    first = next(r for r in records if r["type"] == "resource" and r["content"] == au)
    canonical = re.search(rb'rel="canonical" href="([^"]+)"', au)
    if canonical:
        assert first["headers"]["WARC-Target-URI"] == canonical.group(1).decode()


def test_http_response_from_an_input_warc_is_copied_verbatim(exported):
    sample = FIXTURES / "warc" / "sample.warc.gz"
    inputs = {}
    with open(sample, "rb") as handle:
        iterator = ArchiveIterator(handle)
        for rec in iterator:
            if rec.rec_type == "response":
                inputs[rec.rec_headers.get_header("WARC-Record-ID")] = iterator.get_record_offset()
    out = warc_files(exported / "out")[0]
    raw = out.read_bytes()
    copied = 0
    for rec in read_records(out):
        if rec["type"] == "response":
            original = read_input_record(f"{sample}#{inputs[rec['headers']['WARC-Record-ID']]}")
            member = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw[rec["offset"]:])
            assert member == original
            copied += 1
    assert copied == 4  # the HTML responses; the JPEG and CSS are not articles


def test_identical_payload_becomes_a_revisit(exported):
    records = read_records(warc_files(exported / "out")[0])
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in records}
    revisits = [r for r in records if r["type"] == "revisit"]
    # The copy zz-copy-of-au.html, and the fixtures the sample WARC holds too (it is read
    # first, so their files become revisits of its records).
    assert len(revisits) >= 2
    for revisit in revisits:
        headers = revisit["headers"]
        assert headers["WARC-Profile"] == \
            "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
        original = by_id[headers["WARC-Refers-To"]]
        assert original["type"] in ("response", "resource")
        assert headers["WARC-Refers-To-Target-URI"] == original["headers"]["WARC-Target-URI"]
        assert headers["WARC-Refers-To-Date"] == original["headers"]["WARC-Date"]
        assert headers["WARC-Payload-Digest"] == original["headers"]["WARC-Payload-Digest"]
        assert revisit["content"] == b""
    copy = (FIXTURES / "html" / "au-2016-valid.html").read_bytes()
    assert sum(1 for r in records if r["content"] == copy) == 1


def test_one_gzip_member_per_record(exported):
    path = warc_files(exported / "out")[0]
    data = path.read_bytes()
    count, offset = 0, 0
    while offset < len(data):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        body = inflater.decompress(data[offset:])
        assert body.startswith(b"WARC/") and body.count(b"\r\nWARC-Type: ") == 1
        offset = len(data) - len(inflater.unused_data)
        count += 1
    assert count == len(read_records(path))
    assert run_archivekit("warc-check", path).returncode == 0


def test_warcio_check_and_fastwarc_and_cdxj_indexer_read_it(exported):
    from cdxj_indexer.main import write_cdx_index
    from fastwarc.warc import ArchiveIterator as FastIterator

    path = warc_files(exported / "out")[0]
    warcio = shutil.which("warcio") or str(Path(sys.executable).parent / "warcio")
    proc = subprocess.run([warcio, "check", "-v", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "digest pass" in proc.stdout and "fail" not in proc.stdout
    records = read_records(path)
    with open(path, "rb") as handle:
        # verify_digests=True skips every record whose block digest fails.
        fast = [r.record_id for r in FastIterator(handle, verify_digests=True)]
    assert fast == [r["headers"]["WARC-Record-ID"] for r in records]
    with open(path, "rb") as handle:
        payloads = [r.verify_payload_digest() for r in FastIterator(handle)
                    if r.headers["WARC-Type"] == "response"]
    assert payloads and all(payloads)
    out = io.StringIO()
    write_cdx_index(out, [str(path)], {"sort": True})
    lines = out.getvalue().splitlines()
    indexed = {json.loads(line.split(" ", 2)[2])["url"] for line in lines}
    captured = {r["headers"]["WARC-Target-URI"] for r in records if r["type"] != "warcinfo"}
    assert indexed == captured


def test_round_trip_content_digests_match_the_sources(exported):
    source = run_archivekit("check", "coll", "-f", "json", cwd=exported)
    path = warc_files(exported / "out")[0]
    again = run_archivekit("check", path, "-f", "json", cwd=exported)
    def digests(text):
        return sorted(json.loads(line)["fingerprint"].get("content_sha256", "") for line in
                      text.splitlines())
    src = digests(source.stdout)
    # The revisit carries no payload: the copy's digest is the original's.
    out = digests(again.stdout)
    revisits = sum(1 for r in read_records(path) if r["type"] == "revisit")
    assert len(src) == len(out) + revisits
    assert set(src) == set(out)
    assert "Traceback" not in again.stderr


def test_same_input_and_date_give_identical_bytes(tmp_path):
    for name in ("a", "b"):
        make_collection(tmp_path / name)
        assert export(tmp_path / name).returncode in (0, 1)
    a, b = warc_files(tmp_path / "a" / "out"), warc_files(tmp_path / "b" / "out")
    assert [f.name for f in a] == [f.name for f in b]
    for fa, fb in zip(a, b, strict=True):
        assert fa.read_bytes() == fb.read_bytes()


def test_sha256_digests_roll_and_gzip_level(tmp_path):
    make_collection(tmp_path)
    proc = export(tmp_path, "--digest", "sha256", "--max-size", "20000", "--gzip-level", "1",
                  "--prefix", "coll")
    assert proc.returncode in (0, 1), proc.stderr
    files = warc_files(tmp_path / "out")
    assert len(files) > 2
    assert [f.name for f in files] == [f"coll-20240501120000-{n:05d}.warc.gz" for n in range(len(files))]
    for path in files:
        records = read_records(path)  # check_digests="raise": hex sha256 accepted by warcio
        assert records[0]["type"] == "warcinfo"
        assert records[-1]["type"] == "metadata"
        for rec in records:
            digest = rec["headers"].get("WARC-Block-Digest", "")
            if rec["type"] != "response":
                assert re.match(r"^sha256:[0-9a-f]{64}$", digest), digest
    assert run_archivekit("warc-check", *files).returncode == 0
    from fastwarc.warc import ArchiveIterator as FastIterator

    for path in files:  # FastWARC skips records whose (hex sha256) block digest fails
        with open(path, "rb") as handle:
            fast = [r.record_id for r in FastIterator(handle, verify_digests=True)]
        assert fast == [r["headers"]["WARC-Record-ID"] for r in read_records(path)]


def test_interrupted_export_leaves_no_complete_file_and_a_rerun_finishes(tmp_path):
    coll = make_collection(tmp_path)
    settings = ArchiveSettings(out_dir=tmp_path / "out", jsonld=True, report=True,
                               warc_options=WarcOptions(date=parse_date_option(DATE)))
    results = archive_paths([str(coll)], Checker(), settings)
    for _ in range(3):
        next(results)
    results.close()  # the run stops here, as on Ctrl-C
    out = tmp_path / "out"
    assert not list(out.rglob("*.warc.gz")) and not (out / "report.jsonl").exists()
    assert list(out.rglob("*.open"))
    settings.out_dir = out
    list(archive_paths([str(coll)], Checker(), settings))
    assert len(list(out.rglob("*.warc.gz"))) == 1 and (out / "report.jsonl").exists()
    assert not list(out.rglob("*.open"))


def test_export_never_modifies_inputs(tmp_path):
    coll = make_collection(tmp_path)
    def snapshot():
        return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in coll.rglob("*") if p.is_file()}
    before = snapshot()
    export(tmp_path, "--jsonld", "--wacz")
    assert snapshot() == before


BAD_WARCS = {
    "truncated.warc.gz": ("warc.truncated", lambda: members(*good_records())[:-40]),
    "chunked.warc.gz": ("warc.http.chunked", lambda: members(good_records()[0], http_response(chunked=True))),
    "whole.warc.gz": ("warc.gzip.multi_record_member",
                      lambda: gzip.compress(b"".join(good_records()), mtime=0)),
    "crlf.warc.gz": ("warc.header.newline", lambda: members(good_records()[0], http_response(
        uri="https://example.org/r\nX"))),
}


def test_bad_input_warc_records_are_skipped_with_a_finding(tmp_path):
    coll = tmp_path / "coll"
    coll.mkdir()
    for name, (_, build) in BAD_WARCS.items():
        (coll / name).write_bytes(build())
    proc = export(tmp_path)
    assert proc.returncode in (1, 3), proc.stdout + proc.stderr
    found: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        found.setdefault(Path(result["path"].split("#")[0]).name, []).extend(
            f["rule"] for f in result["findings"])
    for name, (rule, _) in BAD_WARCS.items():
        if rule == "warc.truncated":  # the truncated record is already unreadable to warcio
            assert "parse.unreadable" in found[name] or rule in found[name], found
        else:
            assert rule in found[name], found
    for path in warc_files(tmp_path / "out"):
        assert "response" not in [r["type"] for r in read_records(path)]
    check = run_archivekit("warc-check", *sorted(coll.iterdir()), "-f", "json")
    assert check.returncode == 1
    reported = {Path(json.loads(line)["path"]).name: {f["rule"] for f in json.loads(line)["findings"]}
                for line in check.stdout.splitlines()}
    assert reported == {name: {rule} for name, (rule, _) in BAD_WARCS.items()}
