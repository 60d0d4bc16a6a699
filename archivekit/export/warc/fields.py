"""The values of an article's WARC fields: Content-Type, Target-URI, capture date,
digests, record ids."""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from archivekit.dates import normalise_warc_date, warc_date
from archivekit.export.warc.options import RECORD_NAMESPACE, WarcOptions
from archivekit.locations import source_file
from archivekit.record import Document, Result

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [a + b for a in _BASE32 for b in _BASE32]  # a 10-bit value as two digits
_NAMESPACE = RECORD_NAMESPACE.bytes


def digest_label(algorithm: str, data: bytes) -> str:
    """``sha1:`` and the base32 digest (the common WARC form), or ``sha256:`` and hex."""
    if algorithm == "sha1":
        return "sha1:" + _base32_160(hashlib.sha1(data).digest())
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _base32_160(digest: bytes) -> str:
    """``base64.b32encode`` of 20 bytes (160 bits: 32 digits, no padding), in 16 steps."""
    bits = int.from_bytes(digest, "big")
    return "".join([_BASE32_PAIRS[bits >> shift & 1023] for shift in range(150, -1, -10)])


def record_uuid(*parts: str) -> str:
    """``<urn:uuid:...>``: ``uuid.uuid5(RECORD_NAMESPACE, "\\n".join(parts))``, computed
    from the SHA-1 without the UUID objects (which cost more than the hash)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE + "\n".join(parts).encode("utf-8")).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


def metadata_record_id(record_id: str, block_sha256: str) -> str:
    """The id of the metadata record about ``record_id`` with a block of this sha256."""
    return record_uuid("metadata", record_id, block_sha256)


@functools.lru_cache(maxsize=256)  # a collection has a handful of encodings
def iana_charset(name: str) -> str:
    """The IANA name of a Python codec (cp1252 -> windows-1252), for Content-Type."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name.lower()
    if canonical.startswith("cp125"):
        return "windows-" + canonical[2:]
    if canonical.startswith("iso8859-"):
        return "iso-8859-" + canonical[len("iso8859-"):]
    if canonical in ("mac-roman", "koi8-r", "koi8-u", "shift_jis", "euc-jp", "gb18030", "big5"):
        return canonical.replace("mac-roman", "macintosh")
    return canonical.replace("_", "-")


def content_type_for(document: Document, result: Result) -> str:
    record = result.record
    if record is None:  # not readable as a page: keep what the source said, if anything
        return document.content_type or "application/octet-stream"
    encoding = iana_charset((record.get("parse") or {}).get("encoding") or "utf-8")
    if document.content_type and "charset" in document.content_type.lower():
        return document.content_type
    base = (document.content_type or "").split(";")[0].strip().lower()
    if not base:
        name = source_file(document.path).lower()
        base = "text/plain" if name.endswith((".txt", ".text")) else "text/html"
    return f"{base}; charset={encoding}"


def target_uri_for(document: Document, result: Result) -> str:
    uri = _as_uri(document.uri) or _as_uri((result.record or {}).get("url"))
    if uri:
        return uri
    # fsencode: a file name that is not UTF-8 keeps its real bytes, percent-encoded.
    return "urn:archivekit:file:" + quote(os.fsencode(Path(document.path).as_posix()), safe="/._-~")


def _as_uri(text: str | None) -> str | None:
    """``text`` as an RFC 3986 URI (characters it does not allow escaped), or None for no
    text or a URL without a scheme."""
    from archivekit.warccheck.rules import uri_escape, uri_problem

    if not text:
        return None
    escaped = uri_escape(text)
    return escaped if uri_problem(escaped) is None else None


# --date, formatted once per run rather than once per article.
_warc_date_of = functools.lru_cache(maxsize=16)(warc_date)


def capture_date_for(document: Document, options: WarcOptions) -> str:
    from_input = normalise_warc_date(document.date)
    if from_input:
        return from_input
    if options.date is not None:
        return _warc_date_of(options.date)
    try:
        return warc_date(datetime.fromtimestamp(os.stat(document.path).st_mtime, UTC))
    except (OSError, ValueError):
        return warc_date(datetime.now(UTC))
