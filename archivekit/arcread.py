"""The pages of an ARC file (the Internet Archive's format before WARC), as documents.

An ARC file is a ``filedesc://`` record, whose block names the header fields of every
record after it (ARC 1.0: ``URL IP-address Archive-date Content-type Archive-length``;
ARC 1.1 adds result code, checksum, location, offset and file name), then records: a
header line, ``Archive-length`` bytes (for HTTP the response as received), a newline.
A .arc.gz holds one gzip member per record (or one for the whole file). A URL may hold
spaces, so the fields are taken from the right. Each HTML or text record becomes a
document with its original URL and capture date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from archivekit.content_encoding import is_page_type, page_content
from archivekit.limits import Limits
from archivekit.locations import record_path
from archivekit.record import Document
from archivekit.warccheck.digest_reader import Dechunker
from archivekit.warccheck.streams import Member, Plain
from archivekit.warccheck.walk import resync

MAX_LINE = 1 << 16
_DATE = re.compile(rb"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})")


class _Layout:
    """How many fields a record's header line has (from the filedesc record)."""

    def __init__(self) -> None:
        self.fields = 5


def read_arc(path: str, handle: BinaryIO, max_page_bytes: int,
             limits: Limits) -> Iterator[Document]:
    handle.seek(0)
    layout = _Layout()
    if handle.read(2) != b"\x1f\x8b":
        stream = Plain(handle, 0)
        yield from _records(stream, path, lambda: None, layout, max_page_bytes)
        return
    offset: int | None = 0
    while offset is not None:
        handle.seek(offset)
        if handle.read(2) != b"\x1f\x8b":
            return  # bytes after the last member: nothing more to read
        member = Member(handle, offset, limits)
        yield from _records(member, path, lambda o=offset: o, layout, max_page_bytes)
        while not (member.ended or member.truncated or member.corrupt or member.limit):
            member._more()
        problem = member.corrupt or member.limit or ("the file ends inside a gzip member"
                                                     if member.truncated else None)
        if problem:
            yield Document(path=record_path(path, offset), content=b"",
                           read_error=f"corrupt or truncated ARC: {problem}")
            offset = resync(handle, offset + 1, b"\x1f\x8b\x08", 0) if not member.truncated else None
        else:
            offset = member.end_offset


def _records(stream, path: str, member_offset, layout: _Layout,
             max_page_bytes: int) -> Iterator[Document]:
    while True:
        start = member_offset()
        if start is None:
            start = stream.position()
        line = stream.readline(MAX_LINE)
        if not line:
            return
        if not line.strip():
            continue
        parts = line.strip().split(b" ")
        length = int(parts[-1]) if parts[-1].isdigit() else 0
        if len(parts) < layout.fields or not parts[-1].isdigit():
            continue  # not a record header line (or no usable length): nothing to read
        url = b" ".join(parts[:len(parts) - layout.fields + 1]).decode("utf-8", "replace")
        fields = parts[len(parts) - layout.fields + 1:]
        if length > max_page_bytes + MAX_LINE:
            got = stream.feed(length, lambda _view: None)
            if _is_page_guess(url, fields):
                yield Document(path=record_path(path, start), content=b"", uri=url, date=_date(fields[1]),
                               read_error=f"record payload is over the limit of {max_page_bytes:,} bytes")
            if got < length:
                return
            continue
        block = stream.read(length)
        if url.startswith("filedesc:"):
            _learn_layout(block, layout)
            continue
        doc = _document(record_path(path, start), url, fields, block, length, max_page_bytes)
        if doc is not None:
            yield doc
        if len(block) < length:
            return


def _learn_layout(block: bytes, layout: _Layout) -> None:
    lines = block.split(b"\n")
    if len(lines) >= 2 and lines[1].strip().startswith(b"URL "):
        layout.fields = len(lines[1].split())


def _is_page_guess(url: str, fields: list[bytes]) -> bool:
    return is_page_type(fields[2].decode("latin-1")) and not url.startswith(("dns:", "filedesc:"))


def _date(text: bytes) -> str | None:
    match = _DATE.match(text)
    if not match:
        return None
    y, mo, d, h, mi, s = (g.decode() for g in match.groups())
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"


def _split_http(block: bytes) -> tuple[bytes, bytes] | None:
    if not block.startswith(b"HTTP/"):
        return None
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := block.find(sep)) >= 0]
    if not ends:
        return block, b""
    end, size = min(ends)
    return block[:end], block[end + size:]


def _http_fields(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.replace(b"\r\n", b"\n").split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        out.setdefault(name.strip().lower().decode("latin-1"), value.strip().decode("latin-1"))
    return out


def _document(name: str, url: str, fields: list[bytes], block: bytes, length: int,
              max_page_bytes: int) -> Document | None:
    content_type = fields[2].decode("latin-1")
    body, encoding, complete = block, None, len(block) >= length
    http = _split_http(block) if url.startswith(("http:", "https:")) else None
    if url.startswith(("http:", "https:")) and http is None:
        return None  # an HTTP capture without its response header: no page type known
    if http is not None:
        head, body = http
        headers = _http_fields(head)
        content_type = headers.get("content-type", "")
        encoding = headers.get("content-encoding")
        declared = headers.get("content-length", "")
        # An Archive-length too long for the last record, whose HTTP body is all there.
        if not complete and declared.isdigit() and len(body) >= int(declared):
            complete, body = True, body[:int(declared)]
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunked(body)
    if not is_page_type(content_type) or url.startswith(("dns:", "filedesc:")):
        return None
    doc = Document(path=name, content=b"", uri=url, date=_date(fields[1]),
                   content_type=content_type)
    if not complete:
        doc.read_error = (f"corrupt or truncated ARC: record ends {length - len(block):,} bytes "
                          "before its Archive-length")
        return doc
    doc.content, doc.read_error = page_content(body, encoding, max_page_bytes)
    return doc


def _dechunked(body: bytes) -> bytes:
    out = bytearray()
    dechunker = Dechunker(out.extend)
    dechunker.update(body)
    return body if dechunker.state in ("not_chunked", "broken") else bytes(out)
