"""warc-check against WARCs built here with one defect each, asserting the exact finding."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from archivekit.warccheck import check_warc

DATE = "2019-05-06T07:08:09Z"
PAGE = b"<html><body><h1>A test page</h1><p>Body text.</p></body></html>"


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def rid(n: int) -> str:
    return f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"


def record(headers: list[tuple[str, str]], block: bytes, *, length: int | None = None,
           digests: bool = True, payload: bytes | None = None) -> bytes:
    """One uncompressed WARC record; Content-Length and digests filled in unless given."""
    fields = list(headers)
    if digests:
        fields.append(("WARC-Block-Digest", sha1_b32(block)))
        if payload is not None:
            fields.append(("WARC-Payload-Digest", sha1_b32(payload)))
    fields.append(("Content-Length", str(len(block) if length is None else length)))
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    return head.encode("utf-8") + block + b"\r\n\r\n"


def warcinfo(n: int = 1, extra: list[tuple[str, str]] = ()) -> bytes:
    return record([("WARC-Type", "warcinfo"), ("WARC-Record-ID", rid(n)), ("WARC-Date", DATE),
                   *extra, ("Content-Type", "application/warc-fields")],
                  b"software: test-builder\r\n")


def resource(n: int = 2, uri: str = "https://example.org/a", block: bytes = PAGE,
             extra: list[tuple[str, str]] = (), date: str = DATE, **kw) -> bytes:
    return record([("WARC-Type", "resource"), ("WARC-Record-ID", rid(n)), ("WARC-Date", date),
                   ("WARC-Target-URI", uri), *extra, ("Content-Type", "text/html; charset=utf-8")],
                  block, payload=block, **kw)


def http_response(n: int = 3, uri: str = "https://example.org/r", body: bytes = PAGE,
                  chunked: bool = False, payload_digest_of: bytes | None = None) -> bytes:
    if chunked:
        wire = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    else:
        wire = body
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    block = head + wire
    return record([("WARC-Type", "response"), ("WARC-Record-ID", rid(n)), ("WARC-Date", DATE),
                   ("WARC-Target-URI", uri), ("Content-Type", "application/http; msgtype=response")],
                  block, payload=payload_digest_of if payload_digest_of is not None else wire)


def members(*records: bytes) -> bytes:
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def good_records() -> list[bytes]:
    return [warcinfo(), resource(), http_response()]


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def rules(path: str) -> set[str]:
    return {f.rule for f in check_warc(path).findings}


def test_valid_gzip_and_plain_warcs_have_no_findings(tmp_path):
    assert check_warc(write(tmp_path, "ok.warc.gz", members(*good_records()))).findings == []
    report = check_warc(write(tmp_path, "ok.warc", b"".join(good_records())))
    assert report.findings == [] and report.records == 3


def test_sha256_digests_in_hex_and_base32_are_checked(tmp_path):
    def with_digest(label):
        return record([("WARC-Type", "resource"), ("WARC-Record-ID", rid(2)), ("WARC-Date", DATE),
                       ("WARC-Target-URI", "https://example.org/a"), ("WARC-Block-Digest", label),
                       ("Content-Type", "text/plain")], PAGE, digests=False)
    raw = hashlib.sha256(PAGE).digest()
    hex_ok = with_digest("sha256:" + raw.hex())
    b32_ok = with_digest("sha256:" + base64.b32encode(raw).decode())
    bad = with_digest("sha256:" + hashlib.sha256(b"other").hexdigest())
    assert rules(write(tmp_path, "hex.warc.gz", members(warcinfo(), hex_ok))) == set()
    assert rules(write(tmp_path, "b32.warc.gz", members(warcinfo(), b32_ok))) == set()
    assert rules(write(tmp_path, "bad.warc.gz", members(warcinfo(), bad))) == {"warc.digest.mismatch"}


@pytest.mark.parametrize("missing", ["WARC-Record-ID", "WARC-Date", "WARC-Type"])
def test_missing_mandatory_field(tmp_path, missing):
    headers = [("WARC-Type", "resource"), ("WARC-Record-ID", rid(2)), ("WARC-Date", DATE),
               ("WARC-Target-URI", "https://example.org/a"), ("Content-Type", "text/html")]
    broken = record([h for h in headers if h[0] != missing], PAGE, payload=PAGE)
    report = check_warc(write(tmp_path, "m.warc.gz", members(warcinfo(), broken)))
    offset = len(members(warcinfo()))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.field.missing", f"/{offset}")]
    assert missing in report.findings[0].message


def test_missing_content_length(tmp_path):
    head = (f"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: {rid(2)}\r\nWARC-Date: {DATE}\r\n"
            "WARC-Target-URI: https://example.org/a\r\n\r\n").encode()
    assert rules(write(tmp_path, "cl.warc.gz", members(warcinfo(), head + b"\r\n\r\n"))) == {
        "warc.field.missing"}


def test_target_uri_mandatory_on_resource(tmp_path):
    broken = record([("WARC-Type", "resource"), ("WARC-Record-ID", rid(2)), ("WARC-Date", DATE),
                     ("Content-Type", "text/html")], PAGE, payload=PAGE)
    assert rules(write(tmp_path, "t.warc.gz", members(warcinfo(), broken))) == {"warc.field.missing"}


def test_target_uri_forbidden_on_warcinfo(tmp_path):
    bad_info = warcinfo(extra=[("WARC-Target-URI", "https://example.org/")])
    report = check_warc(write(tmp_path, "f.warc.gz", members(bad_info, resource())))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.field.forbidden", "/0")]


def test_refers_to_forbidden_on_resource(tmp_path):
    bad = resource(extra=[("WARC-Refers-To", rid(9))])
    assert rules(write(tmp_path, "r.warc.gz", members(warcinfo(), bad))) == {"warc.field.forbidden"}


def test_malformed_date(tmp_path):
    bad = resource(date="2019-05-06 07:08:09")
    assert rules(write(tmp_path, "d.warc.gz", members(warcinfo(), bad))) == {"warc.date.malformed"}


def test_content_length_shorter_than_block(tmp_path):
    bad = resource(length=len(PAGE) - 5, digests=False)
    assert rules(write(tmp_path, "l.warc", warcinfo() + bad)) == {"warc.length.mismatch"}


def test_block_digest_mismatch(tmp_path):
    body = PAGE.replace(b"Body", b"Fake")
    tampered = resource().replace(PAGE, body)  # same length, digests of the original
    report = check_warc(write(tmp_path, "b.warc.gz", members(warcinfo(), tampered)))
    assert {f.rule for f in report.findings} == {"warc.digest.mismatch"}
    assert any("Block" in f.message for f in report.findings)


def test_payload_digest_mismatch_on_http_response(tmp_path):
    bad = http_response(payload_digest_of=b"not the payload")
    report = check_warc(write(tmp_path, "p.warc.gz", members(warcinfo(), bad)))
    assert [f.rule for f in report.findings] == ["warc.digest.mismatch"]
    assert "Payload" in report.findings[0].message


def test_truncated_gzip_file(tmp_path):
    data = members(*good_records())
    report = check_warc(write(tmp_path, "t.warc.gz", data[:-40]))
    last = len(members(*good_records()[:2]))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.truncated", f"/{last}")]


def test_truncated_plain_file(tmp_path):
    data = b"".join(good_records())
    assert rules(write(tmp_path, "t.warc", data[:-30])) == {"warc.truncated"}


def test_whole_file_gzip_is_one_member_for_many_records(tmp_path):
    data = gzip.compress(b"".join(good_records()), mtime=0)
    report = check_warc(write(tmp_path, "w.warc.gz", data))
    assert [(f.rule, f.pointer) for f in report.findings] == [
        ("warc.gzip.multi_record_member", "/0")]


def test_trailing_garbage(tmp_path):
    data = members(*good_records())
    report = check_warc(write(tmp_path, "g.warc.gz", data + b"leftover bytes\n"))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.trailing_garbage", f"/{len(data)}")]
    assert rules(write(tmp_path, "g.warc", b"".join(good_records()) + b"xx")) == {
        "warc.trailing_garbage"}


def test_chunk_encoded_http_payload(tmp_path):
    assert rules(write(tmp_path, "c.warc.gz", members(warcinfo(), http_response(chunked=True)))) == {
        "warc.http.chunked"}


def test_cr_lf_inside_a_header_value(tmp_path):
    bad = resource(uri="https://example.org/a\nX")
    assert rules(write(tmp_path, "h.warc.gz", members(warcinfo(), bad))) == {"warc.header.newline"}


def test_duplicate_record_id(tmp_path):
    data = members(warcinfo(), resource(n=2), resource(n=2, uri="https://example.org/b"))
    assert rules(write(tmp_path, "dup.warc.gz", data)) == {"warc.record_id.duplicate"}


def test_not_a_warc(tmp_path):
    assert rules(write(tmp_path, "n.warc.gz", gzip.compress(b"<html></html>"))) == {"warc.not_warc"}
    assert rules(write(tmp_path, "n.warc", b"hello")) == {"warc.not_warc"}


def test_warcio_check_misses_truncation_and_missing_fields_warc_check_does_not(tmp_path):
    warcio = shutil.which("warcio") or str(Path(__import__("sys").executable).parent / "warcio")
    headers = [("WARC-Type", "resource"), ("WARC-Record-ID", rid(2)),
               ("WARC-Target-URI", "https://example.org/a"), ("Content-Type", "text/html")]
    no_date = write(tmp_path, "nodate.warc.gz", members(warcinfo(), record(headers, PAGE,
                                                                          payload=PAGE)))
    assert subprocess.run([warcio, "check", no_date], capture_output=True).returncode == 0
    assert rules(no_date) == {"warc.field.missing"}


def test_cli_reports_offsets_and_exit_codes(tmp_path, run_cli):
    ok = write(tmp_path, "ok.warc.gz", members(*good_records()))
    bad = write(tmp_path, "bad.warc.gz", members(*good_records()) + b"junk")
    proc = run_cli("warc-check", ok, "-f", "json")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("warc-check", ok, bad, "-f", "json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["valid"] for line in lines] == [True, False]
    assert lines[1]["findings"][0]["rule"] == "warc.trailing_garbage"
    assert lines[1]["findings"][0]["pointer"] == f"/{len(members(*good_records()))}"
    proc = run_cli("warc-check", str(tmp_path / "missing.warc.gz"))
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
