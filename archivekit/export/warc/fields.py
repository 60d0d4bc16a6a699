"""The values of an article's WARC fields: Content-Type, Target-URI, capture date,
digests, record ids."""

from __future__ import annotations

import base64
import codecs
import hashlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from archivekit.dates import normalise_warc_date, warc_date
from archivekit.export.warc.options import RECORD_NAMESPACE, WarcOptions
from archivekit.locations import source_file
from archivekit.record import Document, Result


def digest_label(algorithm: str, data: bytes) -> str:
    if algorithm == "sha1":
        return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def record_uuid(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, chr(10).join(parts))}>"


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
    from archivekit.warccheck.rules import uri_escape, uri_problem

    # WARC-Target-URI is an RFC 3986 URI: characters it does not allow are escaped, and a
    # page's URL without a scheme is not used.
    if document.uri and uri_problem(uri_escape(document.uri)) is None:
        return uri_escape(document.uri)
    record_url = (result.record or {}).get("url")
    if record_url and uri_problem(uri_escape(record_url)) is None:
        return uri_escape(record_url)
    # fsencode: a file name that is not UTF-8 keeps its real bytes, percent-encoded.
    return "urn:archivekit:file:" + quote(os.fsencode(Path(document.path).as_posix()), safe="/._-~")


def capture_date_for(document: Document, options: WarcOptions) -> str:
    from_input = normalise_warc_date(document.date)
    if from_input:
        return from_input
    if options.date is not None:
        return warc_date(options.date)
    try:
        return warc_date(datetime.fromtimestamp(os.stat(document.path).st_mtime, UTC))
    except (OSError, ValueError):
        return warc_date(datetime.now(UTC))
