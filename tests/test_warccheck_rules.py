"""The rules of issue 11, each on a WARC built here with that one defect, asserting the
exact finding; and the reading path (one pass, no record lost, ARC, content-encodings)."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from test_properties import VALID_HTML
from test_warccheck import (
    DATE,
    PAGE,
    http_response,
    members,
    record,
    resource,
    rid,
    sha1_b32,
    warcinfo,
    write,
)

from archivekit.record import ERROR, WARNING
from archivekit.sources import read_warc
from archivekit.warccheck import RULES, check_warc
from archivekit.warccheck.rules import date_problem, uri_escape, uri_problem


def findings(path: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.pointer) for f in check_warc(path).findings]


def one(tmp_path: Path, *records: bytes, name: str = "t.warc.gz") -> list[tuple[str, str, str]]:
    """The findings of a WARC of a warcinfo and ``records``, as (rule, severity, pointer)."""
    return findings(write(tmp_path, name, members(warcinfo(), *records)))


def at(*records: bytes) -> str:
    """The pointer of the record after ``records`` (and the warcinfo) in a .warc.gz."""
    return f"/{len(members(warcinfo(), *records))}"


def http_record(rec_type: str, http: bytes, *, payload: bytes | None = None,
                extra: list[tuple[str, str]] = (), n: int = 3) -> bytes:
    msgtype = "request" if rec_type == "request" else "response"
    return record([("WARC-Type", rec_type), ("WARC-Record-ID", rid(n)), ("WARC-Date", DATE),
                   ("WARC-Target-URI", "https://example.org/r"), *extra,
                   ("Content-Type", f"application/http; msgtype={msgtype}")], http, payload=payload)


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_every_rule_has_severity_message_and_help():
    assert all(rule.id == key and rule.severity in (ERROR, WARNING) and rule.message and rule.help
               for key, rule in RULES.items())
    from archivekit import warccheck

    assert warccheck.RULES is RULES


# --- chunked bodies and payload digests (5.9, 6.3.2) --------------------------------------

def test_chunked_body_with_the_entity_body_digest_is_fine(tmp_path):
    assert one(tmp_path, http_record("response", CHUNKED_HEAD + chunked(PAGE), payload=PAGE)) == []


def test_chunked_body_without_payload_digest_is_fine(tmp_path):
    assert one(tmp_path, http_record("response", CHUNKED_HEAD + chunked(PAGE))) == []


def test_digest_over_the_chunked_message_body_says_so(tmp_path):
    wire = chunked(PAGE)
    bad = http_record("response", CHUNKED_HEAD + wire, payload=wire)
    report = check_warc(write(tmp_path, "c.warc.gz", members(warcinfo(), bad)))
    assert [(f.rule, f.severity, f.pointer) for f in report.findings] == [
        ("warc.http.chunked", ERROR, at())]
    assert "chunk-encoded message-body" in report.findings[0].message


def test_chunked_header_on_a_body_stored_de_chunked_is_a_warning(tmp_path):
    assert one(tmp_path, http_record("response", CHUNKED_HEAD + PAGE, payload=PAGE)) == [
        ("warc.http.transfer_encoding", WARNING, at())]


def test_header_only_revisit_with_chunked_header_is_fine(tmp_path):
    revisit = record([("WARC-Type", "revisit"), ("WARC-Record-ID", rid(4)), ("WARC-Date", DATE),
                      ("WARC-Target-URI", "https://example.org/r"),
                      ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
                      ("WARC-Payload-Digest", sha1_b32(PAGE)),
                      ("Content-Type", "application/http; msgtype=response")], CHUNKED_HEAD)
    assert one(tmp_path, revisit) == []


def test_chunks_that_break_off_are_a_warning(tmp_path):
    wire = chunked(PAGE)[:20] + b"zz not a chunk\r\n"
    assert one(tmp_path, http_record("response", CHUNKED_HEAD + wire, payload=wire)) == [
        ("warc.http.chunks_malformed", WARNING, at())]


def test_wrong_payload_digest_on_a_chunked_body_is_a_mismatch(tmp_path):
    bad = http_record("response", CHUNKED_HEAD + chunked(PAGE), payload=b"something else")
    assert one(tmp_path, bad) == [("warc.digest.mismatch", ERROR, at())]


# --- dates (5.4) ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2019", "2019-08", "2019-08-15", "2019-08-15T01:02Z",
                                   "2019-08-15T01:02:03Z", "2019-08-15T01:02:03.1Z",
                                   "2019-08-15T01:02:03.123456789Z"])
def test_w3cdtf_dates_of_any_precision_are_accepted(tmp_path, value):
    assert date_problem(value) is None
    assert one(tmp_path, resource(date=value)) == []


@pytest.mark.parametrize(("value", "why"), [
    ("2019-08-15T01:02:03", "no zone"), ("2019-08-15T01:02", "no zone"),
    ("2019-08-15T01:02:03+02:00", "not in UTC"), ("2019-08-15T01:02:03.1234567890Z", "W3CDTF"),
    ("2019-02-30", "not a real date"), ("2019-08-15 01:02:03Z", "W3CDTF")])
def test_dates_without_zone_or_not_utc_are_rejected(tmp_path, value, why):
    assert why in date_problem(value)
    assert one(tmp_path, resource(date=value)) == [("warc.date.malformed", ERROR, at())]


# --- fields on the wrong record type, revisits, URIs ---------------------------------------

def test_ip_address_on_warcinfo_is_forbidden(tmp_path):
    info = warcinfo(extra=[("WARC-IP-Address", "192.0.2.1")])
    report = check_warc(write(tmp_path, "ip.warc.gz", members(info, resource())))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.field.forbidden", "/0")]
    assert "WARC-IP-Address" in report.findings[0].message


def test_ip_address_on_a_response_is_fine(tmp_path):
    response = http_response().replace(b"WARC-Type: response\r\n",
                                       b"WARC-Type: response\r\nWARC-IP-Address: 192.0.2.1\r\n")
    assert one(tmp_path, response) == []


def test_payload_digest_on_metadata_is_forbidden(tmp_path):
    block = b"via: https://example.org/\r\n"
    meta = record([("WARC-Type", "metadata"), ("WARC-Record-ID", rid(5)), ("WARC-Date", DATE),
                   ("WARC-Target-URI", "https://example.org/a"),
                   ("Content-Type", "application/warc-fields")], block, payload=block)
    assert one(tmp_path, meta) == [("warc.field.forbidden", ERROR, at())]


def test_identical_payload_digest_revisit_needs_its_digest(tmp_path):
    revisit = record([("WARC-Type", "revisit"), ("WARC-Record-ID", rid(4)), ("WARC-Date", DATE),
                      ("WARC-Target-URI", "https://example.org/a"),
                      ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
                      ("WARC-Refers-To", rid(2))], b"")
    assert one(tmp_path, resource(), revisit) == [("warc.revisit.payload_digest", ERROR, at(resource()))]


def test_server_not_modified_revisit_needs_no_digest(tmp_path):
    revisit = record([("WARC-Type", "revisit"), ("WARC-Record-ID", rid(4)), ("WARC-Date", DATE),
                      ("WARC-Target-URI", "https://example.org/a"),
                      ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified")],
                     b"")
    assert one(tmp_path, revisit) == []


def test_target_uri_with_a_space_is_not_a_uri(tmp_path):
    report = check_warc(write(tmp_path, "u.warc.gz", members(warcinfo(), resource(
        uri="file:///example with spaces.png"))))
    assert [(f.rule, f.pointer) for f in report.findings] == [("warc.target_uri.malformed", at())]
    assert "space" in report.findings[0].message


def test_bracketed_target_uri_of_warc_1_0_is_accepted(tmp_path):
    old = resource(uri="<https://example.org/a>").replace(b"WARC/1.1", b"WARC/1.0")
    assert one(tmp_path, old) == []
    assert one(tmp_path, resource(uri="<https://example.org/a>")) == [
        ("warc.target_uri.malformed", ERROR, at())]


def test_uri_escape_makes_a_uri():
    assert uri_problem("https://example.org/a b|c") == "holds a space"
    assert uri_escape("https://example.org/a b|c%zz%20é") == \
        "https://example.org/a%20b%7Cc%25zz%20%C3%A9"
    assert uri_problem(uri_escape("https://example.org/a b|c%zz%20é")) is None


# --- HTTP inside the record ------------------------------------------------------------------

def http_200(body: bytes, declared: int) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
            + str(declared).encode() + b"\r\n\r\n" + body)


def test_http_content_length_longer_than_the_body_without_warc_truncated(tmp_path):
    short = http_record("response", http_200(PAGE, len(PAGE) + 10), payload=PAGE)
    assert one(tmp_path, short) == [("warc.http.length", ERROR, at())]


def test_http_content_length_with_warc_truncated_is_fine(tmp_path):
    short = http_record("response", http_200(PAGE, len(PAGE) + 10), payload=PAGE,
                        extra=[("WARC-Truncated", "length")])
    assert one(tmp_path, short) == []


def test_http_body_longer_than_its_content_length_is_a_warning(tmp_path):
    long = http_record("response", http_200(PAGE, len(PAGE) - 10), payload=PAGE)
    assert one(tmp_path, long) == [("warc.http.length", WARNING, at())]


def test_not_modified_response_declares_a_length_it_does_not_hold(tmp_path):
    head = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n"
    assert one(tmp_path, http_record("response", head + b"x", payload=b"x")) == []


def test_request_record_holding_a_status_line(tmp_path):
    request = http_record("request", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert one(tmp_path, request) == [("warc.http.request_status_line", ERROR, at())]
    good = http_record("request", b"GET /r HTTP/1.1\r\nHost: example.org\r\n\r\n")
    assert one(tmp_path, good) == []


# --- the walk goes on after a broken record ---------------------------------------------------

def test_plain_warc_goes_on_after_a_record_with_a_wrong_content_length(tmp_path):
    broken = resource(n=2, length=len(PAGE) + 7, digests=False)
    tampered = resource(n=4, uri="https://example.org/c").replace(b"Body", b"Fake")
    data = warcinfo() + broken + resource(n=3, uri="https://example.org/b") + tampered
    report = check_warc(write(tmp_path, "p.warc", data))
    after = len(warcinfo() + broken + resource(n=3, uri="https://example.org/b"))
    assert [(f.rule, f.pointer) for f in report.findings] == [
        ("warc.length.mismatch", f"/{len(warcinfo())}"), ("warc.digest.mismatch", f"/{after}"),
        ("warc.digest.mismatch", f"/{after}")]
    assert report.records == 4


def test_plain_warc_goes_on_after_garbage_between_records(tmp_path):
    data = warcinfo() + b"junk\r\n" + resource()
    assert findings(write(tmp_path, "g.warc", data)) == [
        ("warc.trailing_garbage", ERROR, f"/{len(warcinfo())}")]
    assert check_warc(str(tmp_path / "g.warc")).records == 2


def test_gzip_walk_goes_on_after_a_corrupt_member(tmp_path):
    good = members(warcinfo())
    corrupt = bytearray(gzip.compress(resource(), mtime=0))
    corrupt[20:30] = b"\xff" * 10
    later = resource(n=5, uri="https://example.org/z").replace(b"Body", b"Fake")
    data = good + bytes(corrupt) + members(later)
    rules = findings(write(tmp_path, "z.warc.gz", data))
    assert ("warc.gzip.corrupt", ERROR, f"/{len(good)}") in rules
    assert ("warc.digest.mismatch", ERROR, f"/{len(good) + len(corrupt)}") in rules


# --- ARC ------------------------------------------------------------------------------------

def arc_file(url: str = "http://example.com/page", body: bytes = VALID_HTML) -> bytes:
    desc = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    head = (b"filedesc://test.arc 127.0.0.1 20140216050221 text/plain "
            + str(len(desc)).encode() + b"\n" + desc + b"\n")
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)
    rec = (f"{url} 192.0.2.1 20140216050221 text/html {len(http)}\n".encode() + http + b"\n")
    return head + rec


def test_arc_is_not_a_warc_for_warc_check(tmp_path):
    assert findings(write(tmp_path, "a.arc", arc_file())) == [("warc.arc", ERROR, "/0")]
    assert findings(write(tmp_path, "a.arc.gz", gzip.compress(arc_file()))) == [
        ("warc.arc", ERROR, "/0")]


def test_arc_records_are_pages_with_their_url_and_date(tmp_path):
    path = write(tmp_path, "a.arc", arc_file("http://example.com/a page"))
    docs = list(read_warc(path))
    assert [(d.uri, d.date, d.content) for d in docs] == [
        ("http://example.com/a page", "2014-02-16T05:02:21Z", VALID_HTML)]


def test_check_fingerprint_and_verify_read_arc(tmp_path, run_cli):
    arc = write(tmp_path, "a.arc.gz", gzip.compress(arc_file()))
    proc = run_cli("check", arc, "-f", "json", "-j", "1")
    assert "Traceback" not in proc.stderr
    assert [json.loads(line)["path"] for line in proc.stdout.splitlines()] == [f"{arc}#0"]
    ledger = str(tmp_path / "l.db")
    proc = run_cli("fingerprint", arc, "--ledger", ledger, "-f", "json", "-j", "1")
    assert "Traceback" not in proc.stderr and len(proc.stdout.splitlines()) == 1, proc.stderr
    proc = run_cli("verify", arc, "--ledger", ledger, "-f", "json", "-j", "1")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr


# --- content-encodings: one bad record costs one finding ------------------------------------

def encoded_response(n: int, body: bytes, coding: str, uri: str) -> bytes:
    http = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: "
            f"{coding}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    return record([("WARC-Type", "response"), ("WARC-Record-ID", rid(n)), ("WARC-Date", DATE),
                   ("WARC-Target-URI", uri), ("Content-Type", "application/http; msgtype=response")],
                  http, payload=body)


def test_br_gzip_and_deflate_pages_are_decoded_and_a_broken_one_costs_one_page(tmp_path):
    brotli = pytest.importorskip("brotli")
    records = [encoded_response(3, brotli.compress(PAGE), "br", "https://example.org/br"),
               encoded_response(4, b"\x8b\x00 not brotli", "br", "https://example.org/bad"),
               encoded_response(5, gzip.compress(PAGE), "gzip", "https://example.org/gz"),
               encoded_response(6, zlib.compress(PAGE), "deflate", "https://example.org/df"),
               encoded_response(7, zlib.compress(PAGE)[2:-4], "deflate", "https://example.org/raw")]
    path = write(tmp_path, "enc.warc.gz", members(warcinfo(), *records))
    assert findings(path) == []  # the WARC itself is fine
    docs = list(read_warc(path))
    assert [d.uri.rsplit("/", 1)[1] for d in docs] == ["br", "bad", "gz", "df", "raw"]
    assert [d.content == PAGE for d in docs] == [True, False, True, True, True]
    assert "br" in docs[1].read_error and docs[1].content == b""


def test_a_page_is_bounded_by_the_page_limit_after_decoding(tmp_path):
    big = gzip.compress(b"<p>" + b"a" * 100_000)
    path = write(tmp_path, "big.warc.gz", members(warcinfo(), encoded_response(
        3, big, "gzip", "https://example.org/big")))
    [doc] = read_warc(path, max_page_bytes=50_000)
    assert "over the limit" in doc.read_error


# --- one pass: check and archive put the record's findings on its article -------------------

def test_check_puts_the_warc_finding_on_the_article_of_the_defective_record(tmp_path, run_cli):
    tampered = resource(n=2).replace(b"Body", b"Fake")
    path = write(tmp_path, "d.warc.gz", members(warcinfo(), tampered,
                                                resource(n=3, uri="https://example.org/b")))
    proc = run_cli("check", path, "-f", "json", "-j", "1")
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"].rsplit("#", 1)[1] for r in results] == [at()[1:], at(tampered)[1:]]
    warc_rules = [[f["rule"] for f in r["findings"] if f["rule"].startswith("warc.")] for r in results]
    assert warc_rules == [["warc.digest.mismatch", "warc.digest.mismatch"], []]


def test_archive_of_two_warcs_holding_the_same_capture_writes_each_id_once(tmp_path, run_cli):
    capture = members(warcinfo(), http_response(body=VALID_HTML))
    for name in ("a.warc.gz", "b.warc.gz"):
        write(tmp_path, name, capture)
    out = tmp_path / "out"
    proc = run_cli("archive", tmp_path / "a.warc.gz", tmp_path / "b.warc.gz", "-o", out, "-q",
                   "-j", "1", "--date", "2024-01-02T03:04:05Z")
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    [warc] = sorted((out / "warc").glob("*.warc.gz"))
    assert check_warc(str(warc)).findings == []
    kinds = [line.split(b": ")[1].strip() for line in gzip.decompress(warc.read_bytes()).split(b"\r\n")
             if line.startswith(b"WARC-Type: ")]
    assert kinds == [b"warcinfo", b"response", b"metadata", b"revisit", b"metadata"]


# --- the CLI -----------------------------------------------------------------------------------

def test_warc_check_strict_fails_on_warnings_and_the_summary_counts_records(tmp_path, run_cli):
    path = write(tmp_path, "w.warc.gz", members(warcinfo(), http_record(
        "response", CHUNKED_HEAD + PAGE, payload=PAGE)))
    proc = run_cli("warc-check", path)
    assert proc.returncode == 0 and "1 file (2 records): 1 valid" in proc.stdout, proc.stdout
    assert run_cli("warc-check", "--strict", path).returncode == 1


def test_a_member_of_garbage_is_garbage_not_an_empty_member(tmp_path):
    data = members(warcinfo()) + gzip.compress(b"<html>not a record</html>", mtime=0)
    assert findings(write(tmp_path, "m.warc.gz", data)) == [
        ("warc.trailing_garbage", ERROR, f"/{len(members(warcinfo()))}")]
