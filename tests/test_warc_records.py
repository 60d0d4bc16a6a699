"""The WARC records archivekit serialises itself are the bytes warcio's writer gives for the
same fields (warcio's record building is the reference kept here), and warcio and FastWARC
read them back with their digests."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import uuid

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archivekit.export.warc import (
    RECORD_NAMESPACE,
    WARC_VERSION,
    RecordMaker,
    digest_label,
    parse_date_option,
    record_uuid,
)
from archivekit.export.warc.options import WarcOptions
from archivekit.export.warc.records import Written, record_bytes

DATE = "2024-05-01T12:00:00Z"
ID = "<urn:uuid:5f0c2c4e-7d0e-5b9a-9f7e-0c2b1a3d4e5f>"
OTHER = "<urn:uuid:0a1b2c3d-4e5f-5a6b-8c7d-8e9f0a1b2c3d>"


class _Writer(WARCWriter):
    # As archivekit configured warcio: a metadata record carries only a block digest.
    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")


def warcio_bytes(record_type: str, uri: str | None, headers: list[tuple[str, str]],
                 block: bytes, content_type: str | None) -> bytes:
    """The record as warcio builds and writes it (what archivekit did before)."""
    out = io.BytesIO()
    writer = _Writer(out, gzip=False, warc_version=WARC_VERSION)
    warc_headers = StatusAndHeaders("", list(headers), protocol=WARC_VERSION)
    if uri:
        warc_headers.headers.insert(3, ("WARC-Target-URI", uri))
    record = writer.create_warc_record(uri or "", record_type, payload=io.BytesIO(block),
                                       length=len(block), warc_content_type=content_type or "",
                                       warc_headers=warc_headers)
    if content_type is None:
        record.content_type = None
        record.rec_headers.remove_header("Content-Type")
    writer.write_record(record)
    return out.getvalue()


def ours(uri: str | None, headers: list[tuple[str, str]], block: bytes,
         content_type: str | None) -> bytes:
    """record_bytes, with the Target-URI where RecordMaker puts it (after WARC-Date)."""
    if uri:
        headers = [*headers[:3], ("WARC-Target-URI", uri), *headers[3:]]
    return record_bytes(headers, block, content_type)


def fields(record_type: str, block: bytes) -> list[tuple[str, str]]:
    """The fields RecordMaker gives each kind of record, in its order."""
    digest = digest_label("sha1", block)
    head = [("WARC-Type", record_type), ("WARC-Record-ID", ID), ("WARC-Date", DATE)]
    if record_type == "warcinfo":
        return [*head, ("WARC-Filename", "archivekit-20240501120000-00000.warc.gz"),
                ("WARC-Block-Digest", digest)]
    head.append(("WARC-Warcinfo-ID", OTHER))
    if record_type == "resource":
        return [*head, ("WARC-Block-Digest", digest), ("WARC-Payload-Digest", digest)]
    if record_type == "revisit":
        return [*head, ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"),
                ("WARC-Refers-To", OTHER), ("WARC-Refers-To-Target-URI", "https://example.org/a"),
                ("WARC-Refers-To-Date", DATE), ("WARC-Payload-Digest", digest_label("sha1", b"x")),
                ("WARC-Block-Digest", digest)]
    return [*head, ("WARC-Refers-To", OTHER), ("WARC-Concurrent-To", OTHER),
            ("WARC-Block-Digest", digest)]


CONTENT_TYPES = {"warcinfo": "application/warc-fields", "resource": "text/html; charset=utf-8",
                 "revisit": None, "metadata": "application/ld+json"}
URIS = ["https://example.org/2019/03/14/story.html?x=1&y=%C3%A9#top",
        "http://example.org/", "urn:archivekit:file:fixtures/html/caf%E9%20x.html",
        # an input record's own URI, copied into the metadata and revisit records
        "https://example.org/ünï cødé/<x>", "dns:example.org", "ftp://example.org/f"]
BLOCKS = [b"", b"<html><body>x</body></html>", b"HTTP/1.1 200 OK\r\n\r\nnot parsed",
          b"\r\n\r\n", bytes(range(256)) * 300]


def cases():
    for record_type, content_type in CONTENT_TYPES.items():
        for uri in [None] if record_type == "warcinfo" else URIS:
            for block in [b""] if record_type == "revisit" else BLOCKS:
                yield record_type, uri, fields(record_type, block), block, content_type


@pytest.mark.parametrize("case", list(cases()), ids=lambda c: f"{c[0]}-{c[1]}-{len(c[3])}")
def test_records_are_the_bytes_warcio_writes(case):
    record_type, uri, headers, block, content_type = case
    assert ours(uri, headers, block, content_type) == warcio_bytes(*case)


_values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                  max_size=40)


@settings(max_examples=300, deadline=None)
@given(record_type=st.sampled_from(sorted(CONTENT_TYPES)), uri=_values, extra=st.lists(
    st.tuples(st.from_regex(r"\AWARC-[A-Z][a-z]{1,12}\Z"), _values), max_size=4),
    block=st.binary(max_size=300), content_type=st.one_of(st.none(), _values.filter(bool)))
def test_any_fields_give_warcio_bytes(record_type, uri, extra, block, content_type):
    if record_type == "revisit":
        block = b""  # warcio would parse a revisit's block for HTTP headers; archivekit's has none
    headers = fields(record_type, block) + extra
    assert ours(uri, headers, block, content_type) == \
        warcio_bytes(record_type, uri, headers, block, content_type)


def test_a_value_that_is_not_utf8_fails_as_with_warcio():
    headers = [("WARC-Type", "metadata"), ("WARC-Record-ID", ID), ("WARC-Date", "\udce9")]
    with pytest.raises(UnicodeEncodeError):
        warcio_bytes("metadata", None, headers, b"", None)
    with pytest.raises(UnicodeEncodeError):
        ours(None, headers, b"", None)


def test_warcio_and_fastwarc_read_them_back_with_their_digests():
    from fastwarc.warc import ArchiveIterator as FastIterator

    built = list(cases())
    data = b"".join(gzip.compress(ours(uri, headers, block, ct), mtime=0)
                    for _, uri, headers, block, ct in built)
    with io.BytesIO(data) as handle:
        read = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(handle, check_digests="raise")]
    # (warcio reads a space in WARC-Target-URI as %20)
    assert read == [(t, uri and uri.replace(" ", "%20"), block) for t, uri, _, block, _ in built]
    with io.BytesIO(data) as handle:
        fast = [r.record_id for r in FastIterator(handle, verify_digests=True)]
    assert fast == [ID] * len(built)


# --- the field values computed directly --------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.text(st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=5))
def test_record_uuid_is_uuid5(parts):
    assert record_uuid(*parts) == f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, chr(10).join(parts))}>"


def test_record_uuid_of_a_lone_surrogate_fails_as_uuid5():
    with pytest.raises(UnicodeEncodeError):
        uuid.uuid5(RECORD_NAMESPACE, "\udce9")
    with pytest.raises(UnicodeEncodeError):
        record_uuid("\udce9")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2000))
def test_digest_labels(data):
    assert digest_label("sha1", data) == "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()
    assert digest_label("sha256", data) == "sha256:" + hashlib.sha256(data).hexdigest()


# --- RecordMaker's records, rebuilt by warcio from what warcio reads of them -------------
def _rebuilt_by_warcio(data: bytes) -> bytes:
    with io.BytesIO(data) as handle:
        record = next(iter(ArchiveIterator(handle, check_digests="raise")))
        block = record.raw_stream.read()
    headers = list(record.rec_headers.headers)
    uri = record.rec_headers.get_header("WARC-Target-URI")
    content_type = record.rec_headers.get_header("Content-Type")
    assert [name for name, _ in headers[-2 if content_type else -1:]] == \
        (["Content-Type"] if content_type else []) + ["Content-Length"]
    kept = [(n, v) for n, v in headers if n not in ("WARC-Target-URI", "Content-Type", "Content-Length")]
    return warcio_bytes(record.rec_type, uri, kept, block, content_type)


@pytest.mark.parametrize("digest", ["sha1", "sha256"])
def test_record_maker_writes_what_warcio_would(digest):
    from archivekit.checker import Checker
    from archivekit.sources import read_file

    options = WarcOptions(date=parse_date_option(DATE), digest=digest, operator="Ünï Öp")
    maker = RecordMaker(options, parse_date_option(DATE))
    warcinfo_id = maker.warcinfo_id(0)
    members = [maker.warcinfo(0)]
    checker = Checker()
    for path in sorted((FIXTURES / "html").glob("*.html"))[:8] + sorted((FIXTURES / "text").glob("*.txt"))[:4]:
        document = read_file(str(path))
        result = checker.check(document)
        prepared = maker.prepare(document, result, {"source": str(path)}, warcinfo_id)
        members.append(prepared.member)
        members.append(maker.metadata(prepared.uri, prepared.date, record_uuid("m", prepared.uri),
                                      prepared.record_id, warcinfo_id, prepared.metadata_block))
        members.append(maker.revisit(prepared.uri, prepared.date, record_uuid("r", prepared.uri),
                                     warcinfo_id, Written(prepared.uri, prepared.date,
                                                          prepared.record_id, prepared.payload_digest)))
    for member in members:
        data = gzip.decompress(member)
        assert data == _rebuilt_by_warcio(data)
