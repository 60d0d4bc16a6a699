"""Where a result is, as the CI systems want it: a file relative to the repository root.

An article's path is a file (relative to the working directory, or absolute), ``-`` for
standard input, or ``file.warc.gz#offset`` for a WARC record. SARIF and GitLab want a
URI or path relative to the checkout, and a ``#`` there would start a URI fragment:
:func:`artifact` splits the record offset off and makes the file relative to ``root``.
"""

from __future__ import annotations

import os
from typing import NamedTuple
from urllib.parse import quote

from archivekit.locations import STDIN, parse_location
from archivekit.printable import printable

__all__ = ["Artifact", "artifact", "printable", "record_note"]  # printable lives in archivekit.printable

STDIN_NAME = "<stdin>"


class Artifact(NamedTuple):
    path: str  # relative to the root with "/" separators, or absolute if outside it
    uri: str  # ``path`` percent-encoded (a file:// URI when outside the root)
    offset: int | None  # the WARC record's offset, if the article is a record
    relative: bool  # True when under the root (what code-scanning systems can show)


def artifact(path: str, root: str | os.PathLike | None = None) -> Artifact:
    """The file of ``path`` relative to ``root`` (default: the working directory)."""
    location = parse_location(path)
    file, offset = (location.file, location.offset) if location is not None else (path, None)
    if file == STDIN:
        return Artifact(STDIN_NAME, quote(STDIN_NAME, safe=""), offset, False)
    base = os.path.abspath(root if root is not None else os.getcwd())
    full = os.path.abspath(file)
    rel = os.path.relpath(full, base) if _same_drive(full, base) else full
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir or os.path.isabs(rel):
        posix = full.replace(os.sep, "/")
        uri = "file://" + ("" if posix.startswith("/") else "/") + _encode(posix)
        return Artifact(posix, uri, offset, False)
    posix = rel.replace(os.sep, "/")
    return Artifact(posix, _encode(posix), offset, True)


def _same_drive(a: str, b: str) -> bool:
    return os.path.splitdrive(a)[0].lower() == os.path.splitdrive(b)[0].lower()


def _encode(posix_path: str) -> str:
    # fsencode: a file name that is not UTF-8 keeps its real bytes, percent-encoded; every
    # reserved character but "/" is encoded (":" in a first segment would read as a scheme).
    return quote(os.fsencode(posix_path), safe="/")


def record_note(offset: int | None, line: int | None) -> str:
    """Where in a WARC file a finding is, for the message: its record, and the record's line."""
    if offset is None:
        return ""
    return f" (WARC record at offset {offset}" + (f", line {line} of its page)" if line else ")")
