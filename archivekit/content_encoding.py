"""Content-Encodings of archived HTTP payloads (gzip, deflate, br), decoded up to a limit.

The WARC and ARC page readers (:mod:`archivekit.warcread`, :mod:`archivekit.arcread`) both
decode a page's payload here; :func:`is_page_type` says which Content-Types they read as pages.
"""

from __future__ import annotations

import zlib

from archivekit.errors import InputError

PAGE_CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class DecodeError(InputError):
    """A Content-Encoding that cannot be decoded (the readers catch it: the page gets a read
    error)."""


def is_page_type(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in PAGE_CONTENT_TYPES


def page_content(body: bytes, encoding: str | None, max_page_bytes: int) -> tuple[bytes, str | None]:
    """A record's decoded payload and ``None``, or ``b""`` and why it cannot be the page."""
    try:
        content = decode_content(body, encoding, max_page_bytes + 1)
    except DecodeError as exc:
        return b"", f"cannot decode the page's Content-Encoding: {exc}"
    if len(content) > max_page_bytes:
        return b"", f"record payload is over the limit of {max_page_bytes:,} bytes"
    return content, None


def decode_content(data: bytes, encoding: str | None, limit: int) -> bytes:
    """``data`` decoded from its Content-Encoding (a list, applied last first), at most
    ``limit`` bytes of it; raises :class:`DecodeError`."""
    if not encoding:
        return data
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("identity", "none"):
            continue
        if coding in ("gzip", "x-gzip"):
            data = _inflate(data, 16 + zlib.MAX_WBITS, limit)
        elif coding == "deflate":
            try:
                data = _inflate(data, zlib.MAX_WBITS, limit)
            except DecodeError:
                data = _inflate(data, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send
        elif coding == "br":
            data = _unbrotli(data, limit)
        else:
            raise DecodeError(f"unknown content-coding {coding!r}")
    return data


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error as exc:
        raise DecodeError(f"{'gzip' if wbits > 15 else 'deflate'}: {exc}") from None
    if not inflater.eof and not inflater.unconsumed_tail and len(out) < limit:
        raise DecodeError(f"{'gzip' if wbits > 15 else 'deflate'}: the data ends early")
    return out


def _unbrotli(data: bytes, limit: int) -> bytes:
    try:
        import brotli
    except ImportError:
        raise DecodeError("br needs the brotli package, which is not installed "
                          "(pip install brotli)") from None
    decoder = brotli.Decompressor()
    try:
        out = decoder.process(data, output_buffer_limit=limit)
    except brotli.error as exc:
        raise DecodeError(f"br: {exc or 'corrupt data'}") from None
    except TypeError:  # an older brotli without output_buffer_limit
        out = decoder.process(data)[:limit]
    if len(out) < limit and not decoder.is_finished():
        raise DecodeError("br: the data ends early")
    return out
