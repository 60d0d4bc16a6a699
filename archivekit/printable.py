"""Text for a terminal: control characters from hostile names shown, never obeyed.

File names, WARC field values and library messages can hold ESC, CR, LF or a
non-UTF-8 file name's bytes. Written raw they move the cursor, recolour the screen
or forge a line (a directory named ``x\\n::error ...`` would be a GitHub annotation in
a CI log). :func:`printable` turns each such character into a visible escape.

This module imports nothing from the rest of archivekit, so every layer may use it.
"""

from __future__ import annotations

import logging
import re
import sys

# C0 controls (tab included), DEL, C1 controls, the Unicode line and paragraph
# separators, bidi overrides, and lone surrogates (undecodable file-name bytes).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` with every control character shown as ``\\xNN`` / ``\\uNNNN``."""
    return _UNPRINTABLE.sub(_escape, str(text))


class _PrintableHandler(logging.StreamHandler):
    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def route_library_logs(quiet: bool = False) -> None:
    """warcio's log lines ("Replacing spaces in invalid WARC-Target-URI: ...") go to
    stderr escaped, prefixed ``archivekit: warcio:``; with ``quiet`` only errors show."""
    logger = logging.getLogger("warcio")
    handler = next((h for h in logger.handlers if isinstance(h, _PrintableHandler)), None)
    if handler is None:
        handler = _PrintableHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("archivekit: warcio: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
