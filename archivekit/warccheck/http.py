"""HTTP-level consistency inside an ``application/http`` record (WARC 1.1, 6.3.2).

The request record must hold a request; a chunked header must go with a chunked body;
a response's body must be as long as its Content-Length says unless WARC-Truncated
says it was cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archivekit.record import WARNING
from archivekit.warccheck.digest_reader import BlockReader

if TYPE_CHECKING:
    from archivekit.warccheck.record import Header


def _http_fields(head: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    lines = head.split(b"\r\n")
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().lower(), value.strip())
    return lines[0], fields


def check_http(header: Header, reader: BlockReader, offset: int, report) -> None:
    """HTTP-level consistency of a complete application/http block."""
    if reader.head is None:
        return
    first, fields = _http_fields(reader.head)
    rec_type = header.rec_type
    if rec_type == "request" and first.startswith(b"HTTP/"):
        report.add("warc.http.request_status_line", "the request record's HTTP message starts "
                   f"with a status line ({first[:40].decode('latin-1')!r})", offset)
    state = reader.chunk_state()
    if state == "not_chunked" and reader.body_length:
        report.add("warc.http.transfer_encoding", "the HTTP header says Transfer-Encoding: "
                   "chunked but the body is stored de-chunked (the header was kept)", offset,
                   WARNING)
    elif state == "broken":
        report.add("warc.http.chunks_malformed", "the chunk-encoded HTTP body breaks off "
                   "after a good start; its payload is taken as stored", offset, WARNING)
    if rec_type == "response" and state is None:
        _check_http_length(header, first, fields, reader, offset, report)


def _check_http_length(header: Header, first: bytes, fields: dict[bytes, bytes],
                       reader: BlockReader, offset: int, report) -> None:
    declared = fields.get(b"content-length")
    if declared is None or not declared.isdigit() or header.get("WARC-Truncated"):
        return
    status = first.split(b" ", 2)[1:2]
    if not reader.body_length or (status and status[0][:1] == b"1") or \
            (status and status[0] in (b"204", b"304")):
        return  # a HEAD, 1xx, 204 or 304 response has no body whatever it declares
    declared_length = int(declared)
    if reader.body_length < declared_length:
        report.add("warc.http.length", f"the HTTP body holds {reader.body_length} bytes, its "
                   f"Content-Length says {declared_length}, and no WARC-Truncated says it was "
                   "cut", offset)
    elif reader.body_length > declared_length:
        report.add("warc.http.length", f"the HTTP body holds {reader.body_length} bytes, more "
                   f"than its Content-Length of {declared_length}", offset, WARNING)
