"""Turn raw bytes into text, and say whether the bytes were clean.

Rules served here: ``parse.unreadable`` (binary, empty) and ``parse.encoding``
(undecodable bytes, mojibake).
"""

from __future__ import annotations

import codecs
import re

from archivekit import speedups

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# UTF-8 read as Windows-1252 or Latin-1: "â€™", "Ã©", "Ã¨", "Ã ", "Â " ... (a start, then
# one of the characters after it).
_MOJIBAKE_PAIRS = (("â€", "™œ\u009d“”˜¦¢"), ("Ã", "©¨ª«´¯®§¢¹²³¼½¾ "), ("Â", " ·«»°"))
_MOJIBAKE = re.compile("|".join(f"{start}[{re.escape(after)}]" for start, after in _MOJIBAKE_PAIRS))
# The same in UTF-8 bytes, for a page read from its bytes: on UTF-8, a character sequence
# is in the text exactly where its bytes are in the bytes (no sequence starts inside
# another), so the search needs no text.
_MOJIBAKE_UTF8 = re.compile(b"|".join(
    re.escape(start.encode()) + b"(?:" + b"|".join(re.escape(c.encode()) for c in after) + b")"
    for start, after in _MOJIBAKE_PAIRS))
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


class Decoded:
    """A page's text, its encoding and whether its bytes were clean.

    ``utf8``: the page's bytes when the text is exactly their UTF-8 decoding (no BOM):
    the HTML parser reads them as they are, and the text itself is made only when
    something asks for it (a rendered-text page, an XML declaration, a mojibake
    suspect): decoding a real page's non-ASCII UTF-8 costs about half its parse.
    """

    __slots__ = ("_text", "encoding", "clean", "problem", "utf8")

    def __init__(self, text: str | None, encoding: str, clean: bool, problem: str | None = None,
                 utf8: bytes | None = None):
        if text is None and utf8 is None:
            raise ValueError("a Decoded needs its text or its UTF-8 bytes")
        self._text, self.encoding, self.clean, self.problem, self.utf8 = \
            text, encoding, clean, problem, utf8

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.utf8.decode("utf-8")
        return self._text

    def head(self, size: int) -> str:
        """``text[:size]``, from the first bytes when the text is not made."""
        return self._text[:size] if self._text is not None else utf8_head(self.utf8, size)

    def __repr__(self) -> str:
        return (f"Decoded(encoding={self.encoding!r}, clean={self.clean!r}, "
                f"problem={self.problem!r}, utf8={self.utf8 is not None})")


def utf8_head(data: bytes, size: int) -> str:
    """``data.decode("utf-8")[:size]`` for UTF-8 ``data``, decoding only its start: ``size``
    characters take at most ``4 * size`` bytes, and only a character cut at the end of
    those is dropped."""
    return data[:4 * size].decode("utf-8", "ignore")[:size]


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)


def control_bytes_pure(data: bytes) -> int:
    """How many bytes of ``data`` are C0 controls other than tab, LF, VT, FF and CR."""
    return len(data) - len(data.translate(None, _CONTROL_BYTES))


control_bytes = speedups.choose("control_bytes", control_bytes_pure)


def looks_binary(content: bytes) -> bool:
    head = content[:8192]
    if head.startswith(_UTF16_BOMS):
        return False
    if b"\x00" in head:
        return True
    return control_bytes(head) > len(head) // 20


def content_type_charset(content_type: str | None) -> str | None:
    """The codec named by a ``charset=`` parameter (HTTP or WARC header), if Python knows it."""
    if not content_type or "charset" not in content_type.lower():
        return None
    match = _CT_CHARSET.search(content_type)
    return _codec(match.group(1)) if match else None


def _codec(name: str) -> str | None:
    try:
        info = codecs.lookup(name.strip().lower())
    except LookupError:
        return None
    # "uu", "rot13", "base64", "zip" ... are codecs but not text encodings: bytes.decode()
    # refuses them with LookupError, so a page declaring one is read as undeclared.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def declared_charset(content: bytes) -> str | None:
    match = _CHARSET.search(content[:4096])
    if not match:
        return None
    return _codec(match.group(1).decode("ascii", "replace"))


def utf8_valid_pure(content: bytes) -> bool:
    """Whether ``content`` is UTF-8 (the reference: the compiled one makes no str)."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


utf8_valid = speedups.choose("utf8_valid", utf8_valid_pure)


def decode(content: bytes, declared: str | None = None) -> Decoded:
    for bom, name in _BOMS:
        if content.startswith(bom):
            return _finish(content, name, None)
    if declared is None and (declared := declared_charset(content)) not in (None, "utf-8", "ascii") \
            and not content.isascii() and utf8_valid(content):
        # A page re-saved as UTF-8 that kept its old <meta charset>: UTF-8 multi-byte
        # sequences do not happen by chance in legacy-encoded text.
        return _utf8_page(content, ascii_only=False)
    if declared and declared not in ("utf-8", "ascii"):
        # Latin-1 is read as Windows-1252 by every browser (WHATWG Encoding).
        if declared in ("latin-1", "iso8859-1"):
            declared = "cp1252"
        return _finish(content, declared, None)
    ascii_only = content.isascii()
    if ascii_only or utf8_valid(content):
        return _utf8_page(content, ascii_only)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = content.decode("cp1252", errors="replace")
        return _check_mojibake(Decoded(text, "cp1252", False,
                                       f"bytes are not valid UTF-8 (offset {exc.start}); "
                                       "read as Windows-1252"))
    raise AssertionError("utf8_valid refused bytes that decode")  # pragma: no cover


def _utf8_page(content: bytes, ascii_only: bool) -> Decoded:
    """A page whose bytes are UTF-8, its text made only if asked for."""
    decoded = Decoded(None, "utf-8", True, utf8=content)
    if not ascii_only and (match := _MOJIBAKE_UTF8.search(content)):
        _mark_mojibake(decoded, match.group(0).decode("utf-8"))
    return decoded


def _finish(content: bytes, encoding: str, problem: str | None) -> Decoded:
    try:
        text = content.decode(encoding)
        return _check_mojibake(Decoded(text, encoding, True, problem))
    except UnicodeDecodeError as exc:
        text = content.decode(encoding, errors="replace")
        return _check_mojibake(Decoded(text, encoding, False,
                                       f"bytes undecodable as {encoding} (offset {exc.start})"))


def _check_mojibake(decoded: Decoded) -> Decoded:
    # Every mojibake pair starts with one of these; ASCII text (most pages) has none,
    # and a substring test is far cheaper than a regex scan of the page.
    if decoded.clean and not decoded.text.isascii() and (
            "â" in decoded.text or "Ã" in decoded.text or "Â" in decoded.text):
        match = _MOJIBAKE.search(decoded.text)
        if match:
            _mark_mojibake(decoded, match.group(0))
    return decoded


def _mark_mojibake(decoded: Decoded, found: str) -> None:
    decoded.clean = False
    decoded.problem = f"mojibake {found!r}: UTF-8 text that was once decoded with the wrong encoding"
