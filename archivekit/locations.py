"""Where an article came from when it is a WARC (or ARC) record: ``file.warc.gz#offset``.

Documents read from a WARC or ARC file carry the path ``<warc file>#<record offset>``; every
place that needs the file or the offset back asks :func:`parse_location`, which says ``None``
for an ordinary file whose name happens to hold a ``#`` (``notes#2.txt``).
"""

from __future__ import annotations

from typing import NamedTuple

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
STDIN = "-"


def is_warc_name(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES)


class RecordLocation(NamedTuple):
    file: str  # the WARC file (or "-" for a WARC on standard input, or a URL)
    offset: int  # where the record (its gzip member) starts

    def __str__(self) -> str:
        return record_path(self.file, self.offset)


def record_path(file: str, offset: int) -> str:
    """The path of the record at ``offset`` of ``file``, as documents carry it."""
    return f"{file}#{offset}"


def parse_location(path: str) -> RecordLocation | None:
    """The WARC file and offset of a record path, or ``None`` if ``path`` is not one."""
    file, sep, offset = path.rpartition("#")
    if not sep or not offset.isdigit() or not (file == STDIN or is_warc_name(file)):
        return None
    return RecordLocation(file, int(offset))


def source_file(path: str) -> str:
    """The file an article was read from: the WARC for a record path, else ``path`` itself."""
    location = parse_location(path)
    return location.file if location is not None else path
