"""The pages of a WARC or ARC file, read in the same pass that checks the WARC.

:func:`read_archive` walks a WARC with :mod:`archivekit.warccheck`'s walker, so each
HTML or text ``response``/``resource`` record becomes a :class:`Document` carrying the
``warc.*`` findings of its record (``warc_findings``), and a broken record costs its own
findings, never the records after it. Content-encodings (gzip, deflate, br) are
decoded (:mod:`archivekit.content_encoding`), bounded by the page limit; one that
cannot be decoded makes that one page unreadable. ARC 1.0/1.1 files (``filedesc://``
first) are read record by record into documents the same way (ARC has no conformance
check of its own here).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from archivekit.content_encoding import DecodeError, decode_content, is_page_type, page_content
from archivekit.limits import DEFAULT_LIMITS, DEFAULT_MAX_PAGE_BYTES, Limits
from archivekit.locations import record_path
from archivekit.record import Document, Finding
from archivekit.safepath import open_regular
from archivekit.warccheck import WarcReport
from archivekit.warccheck.record import Checked, Header
from archivekit.warccheck.streams import BUFFERING, Member
from archivekit.warccheck.walk import walk

# Pages of one gzip member held back until its findings are complete (a whole-file
# gzip holds many; past this many they go out with what is known so far).
MAX_PENDING = 64
MAX_PENDING_BYTES = 64 << 20
# How a record that could not be read whole starts its read_error (a gzip limit's finding
# replaces it by the limit's own message).
TRUNCATED = "corrupt or truncated WARC"


def read_archive(path: str, *, stream: BinaryIO | None = None,
                 max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
                 limits: Limits = DEFAULT_LIMITS) -> Iterator[Document]:
    """Every HTML or text response/resource record of a WARC or ARC file, as a document."""
    try:
        # A FIFO or device is refused without blocking, never read (safepath.open_regular).
        handle = _seekable(stream) if stream is not None else \
            os.fdopen(open_regular(path, follow_symlinks=True), "rb", buffering=BUFFERING)
    except OSError as exc:
        yield Document(path=path, content=b"", read_error=f"cannot read: {exc.strerror or exc}",
                       io_error=True)
        return
    try:
        if _is_arc(handle):
            from archivekit.arcread import read_arc

            yield from read_arc(path, handle, max_page_bytes, limits)
        else:
            yield from _read_warc(path, handle, max_page_bytes, limits)
    except OSError as exc:
        yield Document(path=path, content=b"", read_error=f"cannot read: {exc.strerror or exc}",
                       io_error=True)
    finally:
        if handle is not stream:
            handle.close()


def _seekable(stream: BinaryIO) -> BinaryIO:
    """``stream`` itself when it can seek, else a spooled copy of it (standard input)."""
    try:
        if stream.seekable():
            return stream
    except (AttributeError, OSError, ValueError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=64 << 20)
    shutil.copyfileobj(stream, copy, 1 << 20)
    copy.seek(0)
    return copy


def _is_arc(handle: BinaryIO) -> bool:
    start = handle.tell()
    head = handle.read(2)
    handle.seek(start)
    if head == b"\x1f\x8b":
        member = Member(handle, start)
        first = member.peek(9)
        handle.seek(start)
    else:
        first = handle.read(9)
        handle.seek(start)
    return first.startswith(b"filedesc:")


# --- WARC --------------------------------------------------------------------------------

def _read_warc(path: str, handle: BinaryIO, max_page_bytes: int,
               limits: Limits) -> Iterator[Document]:
    report = WarcReport(path)
    pending: list[tuple[int, Document]] = []
    keep = _keeper(max_page_bytes + 1)
    held = 0
    for offset, checked in walk(handle, report, keep, limits):
        if pending and (pending[0][0] != offset or len(pending) >= MAX_PENDING
                        or held > MAX_PENDING_BYTES):
            yield from _flush(pending, report)
            held = 0
        doc = _document(path, offset, checked, max_page_bytes, report)
        if doc is not None:
            pending.append((offset, doc))
            held += len(doc.content)
    yield from _flush(pending, report)
    if any(f.rule in ("warc.not_warc", "warc.empty") for f in report.findings):
        why = "no WARC record in the file (empty)" if report.findings[0].rule == "warc.empty" \
            else "not a WARC record: the file is not a WARC"
        yield Document(path=path if "empty" in why else record_path(path, 0), content=b"", read_error=why)


def _flush(pending: list[tuple[int, Document]], report: WarcReport) -> Iterator[Document]:
    whole_file = report.file_findings
    for offset, doc in pending:
        if doc.read_error is not None and doc.read_error.startswith(TRUNCATED):
            # A record cut short because its gzip member hit a limit: say which limit.
            limit = next((f.message for f in report.at(offset) if f.rule == "warc.gzip.limit"), None)
            if limit is not None:
                doc.read_error = limit
        if doc.read_error is None:
            found = report.at(offset) + [f for f in whole_file if f.pointer != f"/{offset}"]
            doc.warc_findings = [_on_article(f) for f in found] or None
        yield doc
    pending.clear()


def _on_article(finding: Finding) -> Finding:
    return Finding(rule=finding.rule, severity=finding.severity, pointer="/source",
                   message=f"input WARC record at offset {finding.pointer.lstrip('/')}: "
                           f"{finding.message}")


def _keeper(size: int):
    def http_keep(head: bytes) -> int:
        return size if is_page_type(_http_field(head, b"content-type")) else 0

    def keep(header: Header):
        rec_type = header.rec_type
        content_type = header.get("Content-Type") or ""
        if rec_type == "resource":
            return size if is_page_type(content_type) else 0
        if rec_type == "response" and content_type.lower().startswith("application/http"):
            return http_keep
        return 0

    return keep


def _http_field(head: bytes, name: bytes) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None


def _document(path: str, offset: int, checked: Checked | None, max_page_bytes: int,
              report: WarcReport) -> Document | None:
    name = record_path(path, offset)
    if checked is None:
        why = "; ".join(f.message for f in report.errors_at(offset)) or "unreadable record header"
        return Document(path=name, content=b"", read_error=f"{TRUNCATED}: {why}")
    reader, header = checked.reader, checked.header
    if not reader.keep or callable(reader.keep):
        return None  # not a page (or an HTTP header that never ends)
    uri = header.get("WARC-Target-URI")
    if uri and header.version == "1.0" and uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    date, rec_type = header.get("WARC-Date"), header.rec_type
    if rec_type == "response":
        content_type = _http_field(reader.head or b"", b"content-type") or ""
        encoding = _http_field(reader.head or b"", b"content-encoding")
    else:
        content_type, encoding = header.get("Content-Type") or "", None
    doc = Document(path=name, content=b"", uri=uri, date=date, content_type=content_type,
                   warc_record_type=rec_type)
    if checked.missing:
        doc.read_error = (f"{TRUNCATED}: record ends {checked.missing:,} bytes "
                          "before its Content-Length")
        return doc
    entity = reader.entity()
    if len(entity) > max_page_bytes:  # kept up to the cap: the payload is larger still
        doc.read_error = f"record payload is over the limit of {max_page_bytes:,} bytes"
        return doc
    doc.content, doc.read_error = page_content(entity, encoding, max_page_bytes)
    return doc


__all__ = ["DecodeError", "decode_content", "is_page_type", "read_archive"]
