"""What WARC 1.1 asks of a record's fields, and the catalogue of every ``warc.*`` rule.

The tables say which fields a record type must, may and must not carry (WARC 1.1,
section 5 and 6); :data:`RULES` names each rule id the checker emits, with its
severity, a one-line message and a help text for the rule catalogue.
"""

from __future__ import annotations

import functools
import re
import string
from datetime import datetime

from archivekit.record import ERROR, WARNING
from archivekit.rules import Rule

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
    # 5.5: not on warcinfo, conversion or continuation records.
    "WARC-IP-Address": ("warcinfo", "conversion", "continuation"),
    # 5.9: not on records without a well-defined payload; a metadata block is no payload.
    "WARC-Payload-Digest": ("metadata",),
}
# Fields that name one thing and so may appear once only.
SINGLE = ("WARC-Record-ID", "Content-Length", "WARC-Date", "WARC-Type", "Content-Type",
          "WARC-Block-Digest", "WARC-Payload-Digest", "WARC-Target-URI", "WARC-Refers-To",
          "WARC-Warcinfo-ID", "WARC-Filename", "WARC-Profile", "WARC-IP-Address")
URI_IN_BRACKETS = ("WARC-Record-ID", "WARC-Refers-To", "WARC-Concurrent-To", "WARC-Warcinfo-ID",
                   "WARC-Segment-Origin-ID")
IDENTICAL_PAYLOAD_PROFILES = (
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
    "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
    "http://netpreserve.org/warc/0.18/revisit/identical-payload-digest",
)
DIGEST_ALGORITHMS = ("sha1", "sha256", "sha512", "md5", "sha224", "sha384")

BRACKETED = re.compile(r"^<[A-Za-z][A-Za-z0-9+.-]*:[^<>\s]+>$")
VERSION = re.compile(rb"^WARC/(\d+\.\d+)$")
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# W3CDTF (a profile of ISO 8601): YYYY, YYYY-MM, YYYY-MM-DD, then hh:mm, hh:mm:ss or
# hh:mm:ss.s with a zone designator, which for WARC-Date must say UTC.
_W3CDTF = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?"
                     r"(Z|[+-]\d{2}:\d{2})?)?)?)?$")
# RFC 3986 URI characters: unreserved, reserved and percent-escapes; a scheme first.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URI_CHARS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*\Z")


@functools.lru_cache(maxsize=4096)
def date_problem(value: str) -> str | None:
    """Why ``value`` is not a UTC W3CDTF date, or None when it is one."""
    match = _W3CDTF.match(value)
    if not match:
        return "is not a W3CDTF date (YYYY-MM-DDThh:mm:ssZ, or of less precision)"
    year, month, day, hour, minute, second, _, zone = match.groups()
    if hour is not None and zone is None:
        return "has a time but no zone designator (Z)"
    if zone not in (None, "Z", "+00:00"):
        return f"is not in UTC (offset {zone})"
    try:
        datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                 int(second or 0))
    except ValueError:
        return "is not a real date or time"
    return None


def uri_problem(value: str) -> str | None:
    """Why ``value`` is not an RFC 3986 URI, or None when it is one."""
    if _URI.match(value) and "%" not in value:
        return None
    if not _SCHEME.match(value):
        return "has no scheme"
    for char in value:
        if char not in _URI_CHARS:
            return "holds a space" if char == " " else f"holds {char!r}, which a URI must percent-encode"
    if _BAD_ESCAPE.search(value):
        return "holds a '%' that is not followed by two hex digits"
    return None


def uri_escape(value: str) -> str:
    """``value`` with every character RFC 3986 does not allow percent-encoded (as UTF-8)."""
    if _URI_CHARS.issuperset(value) and not _BAD_ESCAPE.search(value):
        return value
    out = []
    for i, char in enumerate(value):
        if char == "%" and not _BAD_ESCAPE.match(value, i):
            out.append(char)
        elif char in _URI_CHARS and char != "%":
            out.append(char)
        else:
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogateescape")))
    return "".join(out)


def _rule(rule_id: str, severity: str, message: str, help_text: str) -> tuple[str, Rule]:
    return rule_id, Rule(rule_id, severity, message, help_text)


RULES: dict[str, Rule] = dict([
    _rule("warc.unreadable", ERROR, "the file cannot be read",
          "The operating system refused to read the file (permissions, a vanished file)."),
    _rule("warc.empty", ERROR, "empty file, no WARC record",
          "A WARC file holds at least one record; this one has no bytes at all."),
    _rule("warc.not_warc", ERROR, "the file does not start with a WARC record",
          "The first bytes are not 'WARC/' (after gzip decompression for a .warc.gz): the "
          "file is not a WARC, or its start is damaged."),
    _rule("warc.arc", ERROR, "an ARC file, not a WARC",
          "The file is in the older ARC format (its first record is a 'filedesc://' "
          "record). check, fingerprint, verify and archive read its records; archive "
          "converts them to WARC 1.1."),
    _rule("warc.truncated", ERROR, "the file ends inside a record",
          "The file ends inside a record header, block or gzip member: it was cut short "
          "(an interrupted copy or crawl)."),
    _rule("warc.trailing_garbage", ERROR, "bytes that are not a WARC record",
          "Bytes after a record (or inside a gzip member after its record) do not start a "
          "new WARC record."),
    _rule("warc.gzip.corrupt", ERROR, "a gzip member cannot be inflated",
          "The deflate data of a gzip member is damaged; reading goes on at the next gzip "
          "member found after it."),
    _rule("warc.gzip.empty_member", WARNING, "a gzip member holds no record",
          "An empty gzip member between records; harmless, but not written by a WARC tool."),
    _rule("warc.gzip.limit", ERROR, "a gzip member decompresses past a limit",
          "When pages are read (check, archive), a gzip member that inflates past "
          "max_member_bytes or by more than max_gzip_ratio is taken for a gzip bomb; "
          "reading goes on at the next gzip member found after it."),
    _rule("warc.gzip.multi_record_member", ERROR, "several records share one gzip member",
          "WARC 1.1 Annex D: each record of a .warc.gz is its own gzip member. A whole-file "
          "gzip cannot be read at a record's offset; every record of the file is suspect."),
    _rule("warc.version", ERROR, "bad WARC version line",
          "A record starts with 'WARC/1.1' (or 1.0) and CRLF. As a warning: a version other "
          "than 1.0 or 1.1."),
    _rule("warc.header.newline", ERROR, "a header line does not end with CRLF",
          "WARC 1.1 section 4: header lines end with CRLF; a bare CR or LF inside a value "
          "breaks readers differently."),
    _rule("warc.header.malformed", ERROR, "a header line is not 'Name: value'",
          "Each named field is a token, a colon and a value; a header over 64 KiB is also "
          "reported here."),
    _rule("warc.field.missing", ERROR, "a mandatory field is missing",
          "WARC-Record-ID, Content-Length, WARC-Date and WARC-Type on every record, plus "
          "WARC-Target-URI (and WARC-Profile on revisits) where the record type needs it."),
    _rule("warc.field.forbidden", ERROR, "a field used on a record type that must not carry it",
          "WARC 1.1 section 5 says which record types may carry a field, e.g. no "
          "WARC-IP-Address on warcinfo (5.5), no WARC-Payload-Digest on metadata (5.9)."),
    _rule("warc.field.repeated", ERROR, "a field that may appear once appears more often",
          "Fields naming one thing (record id, length, date, type, digests, target URI) "
          "appear at most once per record."),
    _rule("warc.field.malformed", ERROR, "a field's value does not follow its grammar",
          "Record ids and references are '<uri>'; Content-Length is a number."),
    _rule("warc.target_uri.malformed", ERROR, "WARC-Target-URI is not an RFC 3986 URI",
          "WARC 1.1 section 5.6: the target URI is a URI; a space or another character "
          "outside RFC 3986 must be percent-encoded."),
    _rule("warc.type.unknown", WARNING, "an unknown record type",
          "The record type is none of the eight WARC 1.1 defines; readers may skip it."),
    _rule("warc.record_id.duplicate", ERROR, "a WARC-Record-ID used twice",
          "WARC 1.1 section 5.2: record ids are globally unique."),
    _rule("warc.date.malformed", ERROR, "a date that is not a UTC W3CDTF timestamp",
          "WARC 1.1 section 5.4: WARC-Date is UTC in W3CDTF form, at any of its levels of "
          "precision (2019-08-15, 2019-08-15T01:02Z, ...); a time needs the Z."),
    _rule("warc.content_type.missing", WARNING, "a record with a block has no Content-Type",
          "WARC 1.1 section 5.8: every record with a non-empty block should have one."),
    _rule("warc.length.mismatch", ERROR, "Content-Length does not match the block",
          "The block is not followed by CRLF CRLF where Content-Length says it ends; "
          "reading goes on at the next line that starts a WARC record."),
    _rule("warc.digest.mismatch", ERROR, "a digest does not match",
          "WARC-Block-Digest covers the block; WARC-Payload-Digest the payload, for HTTP "
          "the de-chunked entity-body (5.9, RFC 2616 4.3)."),
    _rule("warc.digest.unsupported", WARNING, "a digest algorithm not known, not checked",
          "The digest label names an algorithm the checker does not know."),
    _rule("warc.digest.malformed", ERROR, "a digest value is not a digest",
          "The value after the label is neither base32, hex nor base64 of a digest of the "
          "algorithm's size."),
    _rule("warc.http.chunked", ERROR, "WARC-Payload-Digest taken over the chunk-encoded body",
          "The payload of an HTTP record is its entity-body (5.9, RFC 2616 4.3): the body "
          "after de-chunking. This digest matches the message-body with its chunk framing "
          "instead, a known bug of some capture tools."),
    _rule("warc.http.transfer_encoding", WARNING, "Transfer-Encoding: chunked, body not chunked",
          "The HTTP header says the body is chunk-encoded but the stored body is not: the "
          "capture tool de-chunked it and kept the header (6.3.2 asks to store the response "
          "as received)."),
    _rule("warc.http.chunks_malformed", WARNING, "the chunk-encoded body breaks off",
          "The body starts chunk-encoded but its chunk framing is broken further on; the "
          "payload is taken as stored."),
    _rule("warc.http.length", ERROR, "HTTP Content-Length disagrees with the stored body",
          "The body is shorter than the HTTP Content-Length and no WARC-Truncated says it "
          "was cut (6.3.2); as a warning, a body longer than it says."),
    _rule("warc.http.request_status_line", ERROR, "a request record holds a response",
          "The block of a request record with Content-Type application/http starts with a "
          "status line (HTTP/1.1 200 OK) instead of a request line."),
    _rule("warc.revisit.payload_digest", ERROR, "identical-payload-digest revisit without a digest",
          "WARC 1.1 section 6.7.2: a revisit with this profile shall carry the "
          "WARC-Payload-Digest of the payload it refers to."),
])
