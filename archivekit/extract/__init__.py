"""From a :class:`~archivekit.record.Document` to an :class:`~archivekit.record.Extraction`."""

from __future__ import annotations

from archivekit.errors import InputError
from archivekit.extract.assemble import assemble
from archivekit.extract.decode import Decoded, content_type_charset, decode, looks_binary
from archivekit.extract.dom import page_memory
from archivekit.extract.html import extract_html
from archivekit.extract.text import extract_text
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES, LimitExceeded, too_many_images
from archivekit.locations import source_file
from archivekit.profiles import ProfileSet
from archivekit.record import Document, Extraction

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
TEXT_SUFFIXES = (".txt", ".text")


class Unreadable(InputError):
    """The bytes cannot be read as a page at all (``parse.unreadable``)."""


def detect_shape(document: Document, decoded: Decoded) -> str:
    ctype = (document.content_type or "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if ctype == "text/plain":
        return "text"
    name = source_file(document.path).lower()
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    sniff = decoded.head(1024).lstrip().lower()
    if sniff.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml")) or \
            "<html" in sniff or "<body" in sniff:
        return "html"
    return "text"


def extract(document: Document, profiles: ProfileSet, *, forced_profile: str | None = None,
            max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Extraction:
    """Extract one article. Raises :class:`Unreadable` when there is no page to read."""
    content = document.content
    if document.read_error:
        raise Unreadable(document.read_error)
    if len(content) > max_page_bytes:
        raise Unreadable(f"page is {len(content):,} bytes, over the limit of "
                         f"{max_page_bytes:,} (--max-page-size)")
    if not content or content.isspace():  # isspace() stops at the first other byte
        raise Unreadable("empty file")
    if looks_binary(content):
        raise Unreadable("binary content, not a page")
    # A charset in the HTTP (or WARC) Content-Type wins over a <meta> one, as in browsers.
    decoded = decode(content, content_type_charset(document.content_type))
    shape = detect_shape(document, decoded)
    try:
        # The tree is made and freed inside: page_memory keeps its blocks for the next.
        with page_memory:
            parts = extract_html(decoded, document.uri, profiles, forced_profile) \
                if shape == "html" else None
    except LimitExceeded as exc:
        raise Unreadable(str(exc)) from None
    if parts is None and shape == "html":
        raise Unreadable("HTML could not be parsed")
    if parts is None:
        parts = extract_text(decoded, document.uri, profiles)
    if (problem := too_many_images(len(parts.images))):
        raise Unreadable(problem)
    if not (parts.headline or parts.body or parts.banner or parts.footer or parts.images):
        raise Unreadable("no readable text in the page (truncated or not an article)")
    return assemble(parts, uri=document.uri, profiles=profiles,
                    forced_profile=forced_profile, shape=shape)


__all__ = ["DEFAULT_MAX_PAGE_BYTES", "Unreadable", "detect_shape", "extract"]
