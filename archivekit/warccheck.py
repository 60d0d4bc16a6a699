"""WARC 1.1 conformance and digest check of any WARC file.

The checker reads the file itself, record by record (and gzip member by gzip member),
instead of trusting a WARC library, because the defects it is for are the ones
libraries skip over silently: a truncated last record, a record without a mandatory
field, a whole file compressed as one gzip member, bytes after the last record.

:func:`check_warc` returns a :class:`WarcReport` (findings with the record offset as
pointer, plus the offsets of the records that carry an error) and
:func:`check_warc_result` wraps it as a :class:`~archivekit.record.Result` for the
reporters shared with ``check``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from archivekit.record import ERROR, WARNING, Finding, Result
from archivekit.rules import Rule

# Every rule id this module emits (the rule catalogue, archivekit.catalogue, gathers them).
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("warc.unreadable", ERROR, "the WARC file cannot be opened or read",
         "The file could not be opened (missing, no permission, an I/O error). Check the path "
         "and its permissions."),
    Rule("warc.empty", ERROR, "an empty file, no WARC record",
         "The file has no bytes. Re-export it, or drop it from the collection."),
    Rule("warc.not_warc", ERROR, "the file does not start with a WARC record",
         "The first bytes are not 'WARC/' (or a gzip member holding one): the file is not a "
         "WARC, or it is compressed as a whole. Every record in it is suspect."),
    Rule("warc.trailing_garbage", ERROR, "bytes after the last record that are not a WARC record",
         "Something was appended to the file, or a record was cut off in the middle. Truncate "
         "the file at the last good record or re-export it."),
    Rule("warc.truncated", ERROR, "the file ends inside a record or gzip member",
         "The file was cut short (an interrupted download or copy). Fetch or write it again; "
         "the records before the cut are still readable."),
    Rule("warc.gzip.corrupt", ERROR, "a gzip member cannot be inflated",
         "The compressed bytes are damaged. Restore the file from a good copy."),
    Rule("warc.gzip.empty_member", WARNING, "a gzip member holds no record",
         "A writer emitted an empty gzip member. Readers skip it; rewrite the file to drop it."),
    Rule("warc.gzip.multi_record_member", ERROR, "several records share one gzip member",
         "Each record of a .warc.gz must be its own gzip member (WARC 1.1, annex D); a file "
         "compressed as a whole cannot be read at an offset. Recompress it record by record."),
    Rule("warc.version", ERROR, "a bad or unknown WARC version line",
         "The record does not start with 'WARC/1.0' or 'WARC/1.1' (another version is a "
         "warning, an unreadable line an error). Check the writer."),
    Rule("warc.header.newline", ERROR, "a header line not ended by CRLF, or a bare CR/LF inside a value",
         "WARC headers end their lines with CRLF (WARC 1.1, section 4). Fix the writer that "
         "emits bare LF or CR."),
    Rule("warc.header.malformed", ERROR, "a header line that is not 'Name: value', or a header over 64 KiB",
         "The record header cannot be parsed. Check the writer."),
    Rule("warc.field.missing", ERROR, "a mandatory field is missing",
         "Every record needs WARC-Record-ID, Content-Length, WARC-Date and WARC-Type, and some "
         "types more (WARC 1.1, section 5). Add the field."),
    Rule("warc.field.forbidden", ERROR, "a field that the record type must not carry",
         "WARC 1.1 section 5 names fields that shall not be used on some record types (e.g. "
         "WARC-Target-URI on warcinfo). Drop the field."),
    Rule("warc.field.repeated", ERROR, "a field that may appear once appears more than once",
         "Fields such as WARC-Record-ID or Content-Length name one thing. Keep one."),
    Rule("warc.field.malformed", ERROR, "a field value of the wrong form (a <uri>, a number)",
         "Record ids and references are '<uri>' in angle brackets; Content-Length is a decimal "
         "number. Fix the value."),
    Rule("warc.record_id.duplicate", ERROR, "a WARC-Record-ID already used by an earlier record",
         "Record ids must be unique. Give the record a fresh id (urn:uuid:...)."),
    Rule("warc.date.malformed", ERROR, "a date that is not a UTC W3C-ISO8601 date",
         "WARC-Date is written like 2020-01-01T00:00:00Z (UTC, 'Z'). Fix the writer."),
    Rule("warc.type.unknown", WARNING, "an unknown record type",
         "WARC-Type is none of the eight WARC 1.1 types; readers will skip the record."),
    Rule("warc.content_type.missing", WARNING, "a record with a block but no Content-Type",
         "A reader cannot tell what the block holds. Add a Content-Type."),
    Rule("warc.length.mismatch", ERROR, "the block is not followed by CRLF CRLF where Content-Length says",
         "Content-Length disagrees with the block: the rest of the file is read off by that "
         "much. Rewrite the record with the right length."),
    Rule("warc.digest.mismatch", ERROR, "a block or payload digest that does not match the bytes",
         "The bytes changed since the digest was written, or the writer computed it wrongly. "
         "Restore the record, or rewrite its digest if the bytes are known good."),
    Rule("warc.digest.unsupported", WARNING, "a digest of an unknown algorithm, not checked",
         "The digest names an algorithm outside sha1, sha256, sha512, md5, sha224, sha384; "
         "its bytes are not checked."),
    Rule("warc.digest.malformed", ERROR, "a digest value that is neither base32, hex nor base64",
         "The value after 'algorithm:' cannot be decoded to a digest of that algorithm's size. "
         "Fix the writer."),
    Rule("warc.http.chunked", ERROR, "an HTTP payload stored chunk-encoded",
         "With Transfer-Encoding: chunked, readers disagree on the payload digest. Store the "
         "de-chunked payload (and drop the header) when writing the WARC."),
)}

READ_SIZE = 1 << 16
MAX_HEADER_BYTES = 1 << 16
# Decompressed bytes produced per step, so a gzip bomb cannot fill memory.
INFLATE_STEP = 1 << 20

RECORD_TYPES = ("warcinfo", "response", "resource", "request", "metadata", "revisit",
                "conversion", "continuation")
MANDATORY = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type")
# WARC 1.1, section 5: fields a record type must carry besides the four above.
MANDATORY_BY_TYPE = {
    "response": ("WARC-Target-URI",),
    "resource": ("WARC-Target-URI",),
    "request": ("WARC-Target-URI",),
    "revisit": ("WARC-Target-URI", "WARC-Profile"),
    "conversion": ("WARC-Target-URI",),
    "continuation": ("WARC-Target-URI", "WARC-Segment-Origin-ID", "WARC-Segment-Number"),
}
# Field -> record types that may carry it (WARC 1.1, sections 5.x "shall not be used").
ALLOWED_ONLY_ON = {
    "WARC-Refers-To": ("metadata", "revisit", "conversion"),
    "WARC-Refers-To-Target-URI": ("revisit",),
    "WARC-Refers-To-Date": ("revisit",),
    "WARC-Filename": ("warcinfo",),
    "WARC-Segment-Origin-ID": ("continuation",),
    "WARC-Segment-Total-Length": ("continuation",),
}
FORBIDDEN_ON = {
    "WARC-Target-URI": ("warcinfo",),
    "WARC-Concurrent-To": ("warcinfo", "conversion", "continuation"),
    "WARC-Warcinfo-ID": ("warcinfo",),
}
# Fields that name one thing and so may appear once only.
SINGLE = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type", "Content-Type",
          "WARC-Block-Digest", "WARC-Payload-Digest", "WARC-Target-URI", "WARC-Refers-To",
          "WARC-Warcinfo-ID", "WARC-Filename", "WARC-Profile")
URI_IN_BRACKETS = ("WARC-Record-ID", "WARC-Refers-To", "WARC-Concurrent-To", "WARC-Warcinfo-ID",
                   "WARC-Segment-Origin-ID")
_BRACKETED = re.compile(r"^<[A-Za-z][A-Za-z0-9+.-]*:[^<>\s]+>$")
_WARC_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$")
_VERSION = re.compile(rb"^WARC/(\d+\.\d+)$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
DIGEST_ALGORITHMS = ("sha1", "sha256", "sha512", "md5", "sha224", "sha384")


@dataclass
class WarcReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    # Offsets of records (or gzip members) that carry an error finding.
    bad_offsets: set[int] = field(default_factory=set)
    # An error that concerns the whole file (every record in it is suspect).
    file_error: bool = False
    io_error: bool = False

    def add(self, rule: str, message: str, offset: int, severity: str = ERROR) -> None:
        self.findings.append(Finding(rule=rule, severity=severity, message=message,
                                     pointer=f"/{offset}"))
        if severity == ERROR:
            self.bad_offsets.add(offset)

    def errors_at(self, offset: int) -> list[Finding]:
        pointer = f"/{offset}"
        return [f for f in self.findings if f.pointer == pointer and f.severity == ERROR]

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


def check_warc(path: str) -> WarcReport:
    report = WarcReport(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        report.add("warc.unreadable", f"cannot read: {exc.strerror or exc}", 0)
        report.io_error = True
        return report
    with handle:
        head = handle.read(2)
        handle.seek(0)
        if not head:
            report.add("warc.empty", "empty file, no WARC record", 0)
        elif head == b"\x1f\x8b":
            _check_gzip(handle, report)
        else:
            _check_plain(handle, report)
    return report


def check_warc_result(path: str) -> Result:
    report = check_warc(path)
    return Result(path=path, uri=None, profile=None, findings=report.findings,
                  fingerprint={"records": report.records}, io_error=report.io_error)


def check_warcs(paths) -> Iterator[Result]:
    for path in paths:
        yield check_warc_result(path)


# --- readers -----------------------------------------------------------------------------

class _Plain:
    """The uncompressed file as a stream of bytes with one byte of look-ahead state."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.buffer = b""

    def _more(self, wanted: int = READ_SIZE) -> bytes:
        """The next bytes of the stream (b"" at its end)."""
        return self.handle.read(max(READ_SIZE, wanted))

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self._more(size - len(self.buffer))
            if not chunk:
                break
            self.buffer += chunk
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self.buffer[:limit] and len(self.buffer) < limit:
            chunk = self._more()
            if not chunk:
                break
            self.buffer += chunk
        end = self.buffer.find(b"\n", 0, limit)
        end = limit if end < 0 else end + 1
        out, self.buffer = self.buffer[:end], self.buffer[end:]
        return out

    def position(self) -> int:
        return self.handle.tell() - len(self.buffer)


class _Member(_Plain):
    """The decompressed bytes of one gzip member starting at ``offset``."""

    def __init__(self, handle: BinaryIO, offset: int):
        super().__init__(handle)
        handle.seek(offset)
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.pending = b""
        self.ended = False       # the member's gzip trailer was read
        self.truncated = False   # the file ended inside the member
        self.corrupt: str | None = None
        self.end_offset: int | None = None

    def _more(self, wanted: int = READ_SIZE) -> bytes:
        if self.ended or self.truncated or self.corrupt:
            return b""
        while True:
            if not self.pending:
                self.pending = self.handle.read(READ_SIZE)
                if not self.pending:
                    self.truncated = True
                    return b""
            try:
                out = self.inflater.decompress(self.pending, INFLATE_STEP)
            except zlib.error as exc:
                self.corrupt = str(exc)
                return b""
            self.pending = self.inflater.unconsumed_tail
            if self.inflater.eof:
                self.ended = True
                self.end_offset = self.handle.tell() - len(self.pending) - len(
                    self.inflater.unused_data)
            if out or self.ended:
                return out

    def at_end(self) -> bool:
        """True when nothing is left of the member's decompressed bytes."""
        if self.buffer:
            return False
        chunk = self._more()
        if chunk:
            self.buffer = chunk
            return False
        return True


# --- file walkers ------------------------------------------------------------------------

def _check_plain(handle: BinaryIO, report: WarcReport) -> None:
    stream = _Plain(handle)
    seen_ids: dict[str, int] = {}
    while True:
        offset = stream.position()
        peek = stream.read(1)
        if not peek:
            break
        stream.buffer = peek + stream.buffer
        if not _starts_like_warc(stream):
            _garbage(report, offset, first=report.records == 0)
            return
        outcome = _check_record(stream, offset, report, seen_ids)
        if outcome != "ok":
            return


def _check_gzip(handle: BinaryIO, report: WarcReport) -> None:
    seen_ids: dict[str, int] = {}
    offset = 0
    while True:
        handle.seek(offset)
        magic = handle.read(2)
        if not magic:
            return
        if magic != b"\x1f\x8b":
            _garbage(report, offset, first=report.records == 0)
            return
        member = _Member(handle, offset)
        records_in_member = 0
        while True:
            record_offset = offset  # a record is addressed by its member's offset
            if records_in_member and member.at_end():
                break
            if records_in_member == 0 and member.at_end():
                if member.truncated:
                    report.add("warc.truncated", "file ends inside a gzip member", offset)
                elif member.corrupt:
                    report.add("warc.gzip.corrupt", f"gzip member cannot be inflated: "
                               f"{member.corrupt}", offset)
                else:
                    report.add("warc.gzip.empty_member", "gzip member holds no record", offset,
                               WARNING)
                break
            if not _starts_like_warc(member):
                _garbage(report, offset, first=report.records == 0, inside_member=True)
                return
            outcome = _check_record(member, record_offset, report, seen_ids)
            records_in_member += 1
            if records_in_member == 2:
                report.add("warc.gzip.multi_record_member",
                           "several records share one gzip member (each record must be its "
                           "own member; a whole-file gzip is not a WARC.gz)", offset)
            if outcome != "ok":
                break
        if member.corrupt:
            report.add("warc.gzip.corrupt", f"gzip member cannot be inflated: {member.corrupt}",
                       offset)
            return
        if member.truncated or member.end_offset is None:
            if not any(f.rule == "warc.truncated" and f.pointer == f"/{offset}"
                       for f in report.findings):
                report.add("warc.truncated", "file ends inside a gzip member", offset)
            return
        offset = member.end_offset


def _starts_like_warc(stream) -> bool:
    head = stream.read(5)
    stream.buffer = head + stream.buffer
    return head == b"WARC/"


def _garbage(report: WarcReport, offset: int, *, first: bool, inside_member: bool = False) -> None:
    if first:
        report.add("warc.not_warc", "does not start with a WARC record", offset)
        report.file_error = True
    else:
        where = "inside a gzip member" if inside_member else "after the last record"
        report.add("warc.trailing_garbage", f"bytes {where} that are not a WARC record", offset)


# --- one record --------------------------------------------------------------------------

def _check_record(stream, offset: int, report: WarcReport, seen_ids: dict[str, int]) -> str:
    """Check one record; returns "ok" to go on, or "stop" when the stream is lost."""
    report.records += 1
    version_line = stream.readline(MAX_HEADER_BYTES)
    version = version_line.rstrip(b"\r\n")
    if not version_line.endswith(b"\r\n"):
        report.add("warc.header.newline", "the version line does not end with CRLF", offset)
    match = _VERSION.match(version)
    if not match:
        report.add("warc.version", f"bad version line {version[:40]!r}", offset)
        return "stop"
    if match.group(1) not in (b"1.0", b"1.1"):
        report.add("warc.version", f"WARC version {match.group(1).decode()} is not 1.0 or 1.1",
                   offset, WARNING)

    fields: list[tuple[str, str]] = []
    header_bytes = len(version_line)
    while True:
        line = stream.readline(MAX_HEADER_BYTES)
        header_bytes += len(line)
        if not line:
            report.add("warc.truncated", "file ends inside the record header", offset)
            return "stop"
        if header_bytes > MAX_HEADER_BYTES:
            report.add("warc.header.malformed", "record header over 64 KiB", offset)
            return "stop"
        if line == b"\r\n":
            break
        if not line.endswith(b"\n"):
            report.add("warc.truncated", "file ends inside the record header", offset)
            return "stop"
        if not line.endswith(b"\r\n"):
            report.add("warc.header.newline", "a bare LF inside a header value "
                       f"({line[:60]!r})", offset)
            if not line[:-1].strip():
                break
            # The value goes on after the stray LF: read the rest of the line with it.
            while not line.endswith(b"\r\n"):
                more = stream.readline(MAX_HEADER_BYTES)
                header_bytes += len(more)
                if not more.endswith(b"\n") or header_bytes > MAX_HEADER_BYTES:
                    report.add("warc.truncated", "file ends inside the record header", offset)
                    return "stop"
                line = line[:-1] + b" " + more
        line = line[:-2]
        if b"\r" in line:
            report.add("warc.header.newline", f"a bare CR inside a header value ({line[:60]!r})",
                       offset)
        text = line.decode("utf-8", "replace")
        if text[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + " " + text.strip())
            continue
        name, sep, value = text.partition(":")
        if not sep or not _TOKEN.match(name):
            report.add("warc.header.malformed", f"header line is not 'Name: value' ({text[:60]!r})",
                       offset)
            continue
        fields.append((name, value.strip()))

    headers: dict[str, list[str]] = {}
    for name, value in fields:
        headers.setdefault(name.lower(), []).append(value)

    def get(name: str) -> str | None:
        values = headers.get(name.lower())
        return values[0] if values else None

    for name in MANDATORY:
        if get(name) is None:
            report.add("warc.field.missing", f"mandatory field {name} is missing", offset)
    rec_type = get("WARC-Type")
    if rec_type is not None and rec_type not in RECORD_TYPES:
        report.add("warc.type.unknown", f"unknown record type {rec_type!r}", offset, WARNING)
    for name in MANDATORY_BY_TYPE.get(rec_type or "", ()):
        if get(name) is None:
            report.add("warc.field.missing", f"{name} is mandatory on {rec_type} records", offset)
    for name, allowed in ALLOWED_ONLY_ON.items():
        if get(name) is not None and rec_type and rec_type not in allowed:
            report.add("warc.field.forbidden", f"{name} is not allowed on {rec_type} records "
                       f"(only on {', '.join(allowed)})", offset)
    for name, forbidden in FORBIDDEN_ON.items():
        if get(name) is not None and rec_type in forbidden:
            report.add("warc.field.forbidden", f"{name} is not allowed on {rec_type} records",
                       offset)
    for name in SINGLE:
        if len(headers.get(name.lower(), ())) > 1:
            report.add("warc.field.repeated", f"{name} appears more than once", offset)
    for name in URI_IN_BRACKETS:
        for value in headers.get(name.lower(), ()):
            if not _BRACKETED.match(value):
                report.add("warc.field.malformed", f"{name} is not a <uri>: {value[:80]!r}", offset)
    record_id = get("WARC-Record-ID")
    if record_id:
        if record_id in seen_ids:
            report.add("warc.record_id.duplicate", f"WARC-Record-ID {record_id} already used by "
                       f"the record at offset {seen_ids[record_id]}", offset)
        else:
            seen_ids[record_id] = offset
    for name in ("WARC-Date", "WARC-Refers-To-Date"):
        value = get(name)
        if value is not None and not _valid_date(value):
            report.add("warc.date.malformed", f"{name} {value!r} is not a UTC W3C-ISO8601 date "
                       "(YYYY-MM-DDThh:mm:ssZ)", offset)

    length_text = get("Content-Length")
    if length_text is None:
        return "stop"
    if not length_text.isdigit():
        report.add("warc.field.malformed", f"Content-Length {length_text!r} is not a number", offset)
        return "stop"
    length = int(length_text)
    block_digest = _parse_digest(get("WARC-Block-Digest"), "WARC-Block-Digest", offset, report)
    payload_digest = _parse_digest(get("WARC-Payload-Digest"), "WARC-Payload-Digest", offset,
                                   report)
    content_type = (get("Content-Type") or "").lower()
    http = content_type.startswith("application/http")
    if length and not content_type and rec_type not in ("revisit", "continuation"):
        report.add("warc.content_type.missing", "a record with a block should have a Content-Type",
                   offset, WARNING)

    block_hash = hashlib.new(block_digest[0]) if block_digest else None
    payload_check = payload_digest if rec_type not in ("revisit", "continuation") else None
    payload_hash = hashlib.new(payload_check[0]) if payload_check else None
    http_head = b""
    in_payload = not http
    remaining = length
    while remaining:
        chunk = stream.read(min(READ_SIZE, remaining))
        if not chunk:
            report.add("warc.truncated", f"file ends inside the record block ({length - remaining} "
                       f"of {length} bytes)", offset)
            return "stop"
        remaining -= len(chunk)
        if block_hash:
            block_hash.update(chunk)
        if in_payload:
            if payload_hash:
                payload_hash.update(chunk)
        else:
            http_head += chunk
            end = http_head.find(b"\r\n\r\n")
            if end >= 0:
                in_payload = True
                _check_http_head(http_head[:end], offset, report)
                if payload_hash:
                    payload_hash.update(http_head[end + 4:])
                http_head = b""
            elif len(http_head) > MAX_HEADER_BYTES:
                in_payload = True
                payload_hash = None
    if http and not in_payload and http_head:
        _check_http_head(http_head, offset, report)
        payload_hash = None  # no HTTP header end: the payload is not delimited
    if block_hash and not _digest_equal(block_hash, block_digest[1]):
        report.add("warc.digest.mismatch", f"WARC-Block-Digest {get('WARC-Block-Digest')} does not "
                   "match the block", offset)
    if payload_hash and not _digest_equal(payload_hash, payload_check[1]):
        if not any(f.rule == "warc.http.chunked" and f.pointer == f"/{offset}"
                   for f in report.findings):
            report.add("warc.digest.mismatch", f"WARC-Payload-Digest {get('WARC-Payload-Digest')} "
                       "does not match the payload", offset)

    tail = stream.read(4)
    if tail != b"\r\n\r\n":
        if len(tail) < 4 and b"\r\n\r\n".startswith(tail):
            report.add("warc.truncated", "file ends before the record's closing CRLF CRLF", offset)
            return "stop"
        report.add("warc.length.mismatch", "the block is not followed by CRLF CRLF: "
                   "Content-Length does not match the block", offset)
        return "stop"
    return "ok"


def _check_http_head(head: bytes, offset: int, report: WarcReport) -> None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            report.add("warc.http.chunked", "the HTTP payload is stored chunk-encoded "
                       "(Transfer-Encoding: chunked): readers disagree on its payload digest",
                       offset)


def _valid_date(value: str) -> bool:
    if not _WARC_DATE.match(value):
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _parse_digest(value: str | None, name: str, offset: int,
                  report: WarcReport) -> tuple[str, bytes] | None:
    if value is None:
        return None
    algo, sep, encoded = value.partition(":")
    algo = algo.strip().lower().replace("-", "")
    if not sep or algo not in DIGEST_ALGORITHMS:
        report.add("warc.digest.unsupported", f"{name} {value[:60]!r}: unknown algorithm, "
                   "not checked", offset, WARNING)
        return None
    size = hashlib.new(algo).digest_size
    raw = _decode_digest(encoded.strip(), size)
    if raw is None:
        report.add("warc.digest.malformed", f"{name} {value[:80]!r} is neither base32, hex nor "
                   f"base64 of a {algo} digest", offset)
        return None
    return algo, raw


def _decode_digest(text: str, size: int) -> bytes | None:
    for decode in (lambda t: base64.b32decode(t.upper()), lambda t: base64.b16decode(t.upper()),
                   lambda t: base64.b64decode(t, validate=True),
                   lambda t: base64.urlsafe_b64decode(t)):
        try:
            raw = decode(text)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == size:
            return raw
    return None


def _digest_equal(hasher, expected: bytes) -> bool:
    return hasher.digest() == expected
