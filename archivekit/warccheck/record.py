"""One record: its header read, its fields checked, its block read and digested.

:func:`read_header` returns the header, or None when the stream is lost inside it;
:func:`check_fields` returns False when the record has no usable Content-Length;
:func:`check_block` returns a :class:`Checked` whose ``lost`` says the walker must look
for the next record. The HTTP checks inside the block are in :mod:`.http`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archivekit.record import WARNING
from archivekit.warccheck.digest_reader import BlockReader, parse_digest
from archivekit.warccheck.http import check_http
from archivekit.warccheck.rules import (
    ALLOWED_ONLY_ON,
    BRACKETED,
    FORBIDDEN_ON,
    IDENTICAL_PAYLOAD_PROFILES,
    MANDATORY,
    MANDATORY_BY_TYPE,
    RECORD_TYPES,
    SINGLE,
    TOKEN,
    URI_IN_BRACKETS,
    VERSION,
    date_problem,
    uri_problem,
)

MAX_HEADER_BYTES = 1 << 16
_LOWER = {name: name.lower() for name in (
    "WARC-Type", "WARC-Record-ID", "WARC-Date", "WARC-Refers-To-Date", "WARC-Target-URI",
    "WARC-Payload-Digest", "WARC-Block-Digest", "WARC-Profile", "Content-Length", "Content-Type",
    "WARC-Truncated")}


@dataclass(slots=True)
class Header:
    """A record's named fields, in order and by lower-cased name."""

    version: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    index: dict[str, list[str]] = field(default_factory=dict)
    size: int = 0  # bytes of the header
    rec_type: str | None = None  # WARC-Type, once the header is read

    def get(self, name: str) -> str | None:
        values = self.index.get(_LOWER.get(name) or name.lower())
        return values[0] if values else None

    def add(self, name: str, value: str) -> None:
        self.fields.append((name, value))
        self.index.setdefault(name.lower(), []).append(value)


class Checked:
    """What the block check learnt about a record, for the page reader: ``lost`` when
    the stream is lost after it (truncated, or a wrong Content-Length), ``missing`` the
    bytes of the block the file does not hold."""

    __slots__ = ("header", "reader", "lost", "missing")

    def __init__(self, header: Header, reader: BlockReader, lost: bool = False, missing: int = 0):
        self.header = header
        self.reader = reader
        self.lost = lost
        self.missing = missing


# --- the header --------------------------------------------------------------------------

def read_version(stream, offset: int, report) -> str | None:
    line = stream.readline(MAX_HEADER_BYTES)
    version = line.rstrip(b"\r\n")
    if not line.endswith(b"\r\n"):
        report.add("warc.header.newline", "the version line does not end with CRLF", offset)
    match = VERSION.match(version)
    if not match:
        report.add("warc.version", f"bad version line {version[:40]!r}", offset)
        return None
    if match.group(1) not in (b"1.0", b"1.1"):
        report.add("warc.version", f"WARC version {match.group(1).decode()} is not 1.0 or 1.1",
                   offset, WARNING)
    return match.group(1).decode()


def _header_line(stream, offset: int, report, header: Header) -> bytes | None:
    """The next header line without its CRLF (b"" at the blank line); None: stream lost."""
    line = stream.readline(MAX_HEADER_BYTES)
    header.size += len(line)
    if header.size > MAX_HEADER_BYTES:
        report.add("warc.header.malformed", "record header over 64 KiB", offset)
        return None
    if line == b"\r\n":
        return b""
    if not line.endswith(b"\n"):
        report.add("warc.truncated", "file ends inside the record header", offset)
        return None
    if not line.endswith(b"\r\n"):
        report.add("warc.header.newline", f"a bare LF inside a header value ({line[:60]!r})",
                   offset)
        if not line[:-1].strip():
            return b""
        # The value goes on after the stray LF: read the rest of the line with it.
        while not line.endswith(b"\r\n"):
            more = stream.readline(MAX_HEADER_BYTES)
            header.size += len(more)
            if not more.endswith(b"\n") or header.size > MAX_HEADER_BYTES:
                report.add("warc.truncated", "file ends inside the record header", offset)
                return None
            line = line[:-1] + b" " + more
    line = line[:-2]
    if b"\r" in line:
        report.add("warc.header.newline", f"a bare CR inside a header value ({line[:60]!r})",
                   offset)
        if not line.strip(b"\r"):
            return b""  # CR CR LF: the blank line, badly ended
    return line


_VERSION_TEXT = {"WARC/1.0": "1.0", "WARC/1.1": "1.1"}
_GOOD_NAMES: dict[str, str] = {}  # field names seen to be tokens -> lower-cased


def _read_header_fast(stream) -> Header | None:
    """The header of a well-formed record in one go (split, not read line by line);
    None, with nothing consumed, for anything out of the ordinary."""
    end = stream.buf.find(b"\r\n\r\n", stream.pos, stream.pos + MAX_HEADER_BYTES)
    if end < 0:
        stream.peek(MAX_HEADER_BYTES)
        end = stream.buf.find(b"\r\n\r\n", stream.pos, stream.pos + MAX_HEADER_BYTES)
        if end < 0:
            return None
    raw = stream.buf[stream.pos:end]
    crlf = raw.count(b"\r\n")
    # A bare CR or LF, or a folded line: left to the careful reader.
    if raw.count(b"\n") != crlf or raw.count(b"\r") != crlf or b"\n " in raw or b"\n\t" in raw:
        return None
    lines = raw.decode("utf-8", "replace").split("\r\n")
    version = _VERSION_TEXT.get(lines[0])
    if version is None:
        return None
    fields: list[tuple[str, str]] = []
    index: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        key = _GOOD_NAMES.get(name)
        if key is None:
            if not TOKEN.match(name):
                return None
            key = name.lower()
            if len(_GOOD_NAMES) < 1024:
                _GOOD_NAMES[name] = key
        value = value.strip()
        fields.append((name, value))
        if key in index:
            index[key].append(value)
        else:
            index[key] = [value]
    types = index.get("warc-type")
    header = Header(version, fields, index, end + 4 - stream.pos, types[0] if types else None)
    stream.pos = end + 4
    return header


def read_header(stream, offset: int, report) -> Header | None:
    """The record's header, or None when the stream is lost inside it."""
    fast = _read_header_fast(stream)
    if fast is not None:
        return fast
    version = read_version(stream, offset, report)
    if version is None:
        return None
    header = Header(version=version)
    while True:
        line = _header_line(stream, offset, report, header)
        if line is None:
            return None
        if not line:
            break
        text = line.decode("utf-8", "replace")
        if text[:1] in (" ", "\t") and header.fields:
            name, value = header.fields.pop()
            header.index[name.lower()].pop()
            header.add(name, value + " " + text.strip())
            continue
        name, sep, value = text.partition(":")
        if not sep or not TOKEN.match(name):
            report.add("warc.header.malformed", f"header line is not 'Name: value' ({text[:60]!r})",
                       offset)
            continue
        header.add(name, value.strip())
    header.rec_type = header.get("WARC-Type")
    return header


# --- the fields --------------------------------------------------------------------------

_MANDATORY = tuple((name, name.lower()) for name in MANDATORY)
_MANDATORY_BY_TYPE = {kind: tuple((name, name.lower()) for name in names)
                      for kind, names in MANDATORY_BY_TYPE.items()}
# lower-cased field name -> (name, types it is allowed on or None, types it is forbidden
# on, whether it may appear once only): one look-up per field of a record.
_FIELD_RULES = {name.lower(): (name, ALLOWED_ONLY_ON.get(name), FORBIDDEN_ON.get(name, ()),
                               name in SINGLE)
                for name in (*ALLOWED_ONLY_ON, *FORBIDDEN_ON, *SINGLE)}
_URI_IN_BRACKETS = tuple((name, name.lower()) for name in URI_IN_BRACKETS)


def _check_presence(header: Header, offset: int, report) -> None:
    index, rec_type = header.index, header.rec_type
    for name, key in _MANDATORY:
        if key not in index:
            report.add("warc.field.missing", f"mandatory field {name} is missing", offset)
    if rec_type is not None and rec_type not in RECORD_TYPES:
        report.add("warc.type.unknown", f"unknown record type {rec_type!r}", offset, WARNING)
    for name, key in _MANDATORY_BY_TYPE.get(rec_type or "", ()):
        if key not in index:
            report.add("warc.field.missing", f"{name} is mandatory on {rec_type} records", offset)
    for key, values in index.items():
        rules = _FIELD_RULES.get(key)
        if rules is None:
            continue
        name, allowed, forbidden, single = rules
        if allowed and rec_type and rec_type not in allowed:
            report.add("warc.field.forbidden", f"{name} is not allowed on {rec_type} records "
                       f"(only on {', '.join(allowed)})", offset)
        if rec_type in forbidden:
            report.add("warc.field.forbidden", f"{name} is not allowed on {rec_type} records",
                       offset)
        if single and len(values) > 1:
            report.add("warc.field.repeated", f"{name} appears more than once", offset)


def _check_values(header: Header, offset: int, report, seen_ids: dict[str, int]) -> None:
    for name, key in _URI_IN_BRACKETS:
        for value in header.index.get(key, ()):
            if not BRACKETED.match(value):
                report.add("warc.field.malformed", f"{name} is not a <uri>: {value[:80]!r}", offset)
    record_id = header.get("WARC-Record-ID")
    if record_id:
        if record_id in seen_ids:
            report.add("warc.record_id.duplicate", f"WARC-Record-ID {record_id} already used by "
                       f"the record at offset {seen_ids[record_id]}", offset)
        else:
            seen_ids[record_id] = offset
    for name in ("WARC-Date", "WARC-Refers-To-Date"):
        value = header.get(name)
        problem = date_problem(value) if value is not None else None
        if problem:
            report.add("warc.date.malformed", f"{name} {value!r} {problem}", offset)
    target = header.get("WARC-Target-URI")
    # A value broken by a stray CR or LF is reported as that already.
    if target is not None and not any(f.rule == "warc.header.newline" for f in report.at(offset)):
        if header.version == "1.0" and target.startswith("<") and target.endswith(">"):
            target = target[1:-1]  # WARC 1.0's grammar put the URI in angle brackets
        problem = uri_problem(target)
        if problem:
            report.add("warc.target_uri.malformed", f"WARC-Target-URI {target[:80]!r} is not an "
                       f"RFC 3986 URI: it {problem}", offset)
    if header.rec_type == "revisit" and header.get("WARC-Payload-Digest") is None and \
            header.get("WARC-Profile") in IDENTICAL_PAYLOAD_PROFILES:
        report.add("warc.revisit.payload_digest", "an identical-payload-digest revisit has no "
                   "WARC-Payload-Digest", offset)


def check_fields(header: Header, offset: int, report, seen_ids: dict[str, int]) -> bool:
    """Check the named fields; False when there is no usable Content-Length."""
    _check_presence(header, offset, report)
    _check_values(header, offset, report, seen_ids)
    length = header.get("Content-Length")
    if length is None:
        return False
    if not length.isdigit():
        report.add("warc.field.malformed", f"Content-Length {length!r} is not a number", offset)
        return False
    if int(length) and not header.get("Content-Type") and \
            header.rec_type not in ("revisit", "continuation"):
        report.add("warc.content_type.missing", "a record with a block should have a Content-Type",
                   offset, WARNING)
    return True


def _digest(header: Header, name: str, offset: int, report):
    value = header.get(name)
    parsed = parse_digest(value)
    if parsed == "unsupported":
        report.add("warc.digest.unsupported", f"{name} {value[:60]!r}: unknown algorithm, "
                   "not checked", offset, WARNING)
    elif parsed == "malformed":
        report.add("warc.digest.malformed", f"{name} {value[:80]!r} is neither base32, hex nor "
                   "base64 of a digest of its algorithm", offset)
    return parsed if isinstance(parsed, tuple) else None


# --- the block ---------------------------------------------------------------------------

def check_block(stream, header: Header, offset: int, report, keep: int = 0) -> Checked:
    """Read and digest the block and its closing CRLF CRLF (see :class:`Checked`)."""
    length = int(header.get("Content-Length"))
    rec_type = header.rec_type
    block_digest = _digest(header, "WARC-Block-Digest", offset, report)
    payload_digest = _digest(header, "WARC-Payload-Digest", offset, report)
    if rec_type in ("revisit", "continuation"):
        payload_digest = None  # the payload is elsewhere
    content_type = (header.get("Content-Type") or "").lower()
    reader = BlockReader(block_digest, payload_digest,
                         http=content_type.startswith("application/http"), keep=keep)
    got = stream.feed(length, reader.update)
    if got < length:
        report.add("warc.truncated", f"file ends inside the record block ({got} of {length} "
                   "bytes)", offset)
        return Checked(header, reader, lost=True, missing=length - got)
    _check_digests(header, reader, block_digest, offset, report)
    if reader.http:
        check_http(header, reader, offset, report)
    tail = stream.read(4)
    if tail != b"\r\n\r\n":
        if len(tail) < 4 and b"\r\n\r\n".startswith(tail):
            report.add("warc.truncated", "file ends before the record's closing CRLF CRLF", offset)
        else:
            report.add("warc.length.mismatch", "the block is not followed by CRLF CRLF: "
                       "Content-Length does not match the block", offset)
        return Checked(header, reader, lost=True)
    return Checked(header, reader)


def _check_digests(header: Header, reader: BlockReader, block_digest, offset: int,
                   report) -> None:
    if reader.block_hash is not None and reader.block_hash.digest() != block_digest[1]:
        report.add("warc.digest.mismatch", f"WARC-Block-Digest {header.get('WARC-Block-Digest')} "
                   "does not match the block", offset)
    verdict = reader.payload_verdict()
    if verdict == "mismatch":
        report.add("warc.digest.mismatch", f"WARC-Payload-Digest "
                   f"{header.get('WARC-Payload-Digest')} does not match the payload", offset)
    elif verdict == "chunked":
        report.add("warc.http.chunked", f"WARC-Payload-Digest {header.get('WARC-Payload-Digest')} "
                   "is the digest of the chunk-encoded message-body, not of the de-chunked "
                   "entity-body (5.9, RFC 2616 4.3)", offset)
