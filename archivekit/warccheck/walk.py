"""Walk a WARC file record by record (and gzip member by gzip member).

A broken record costs its own findings, never the rest of the file: in a plain WARC
the walk goes on at the next line that starts with ``WARC/``; in a .warc.gz at the
next gzip member (after a corrupt member, at the next gzip header found).

:func:`walk` yields ``(offset, Checked)`` for every record whose block was reached;
``keep(header)`` (optional) says how many bytes of the entity-body to keep (an int, or
a function of the HTTP header), for the page reader. With ``limits`` a gzip member
that inflates past them (a gzip bomb) is a finding, not a long wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from archivekit.record import WARNING
from archivekit.warccheck.record import Checked, check_block, check_fields, read_header
from archivekit.warccheck.streams import Member, Plain

SCAN_SIZE = 1 << 20


class _State:
    """What the walk of one file carries from record to record."""

    __slots__ = ("report", "keep", "limits", "seen_ids")

    def __init__(self, report, keep, limits):
        self.report = report
        self.keep = keep
        self.limits = limits
        self.seen_ids: dict[str, int] = {}


Walk = Iterator[tuple[int, Checked]]


def walk(handle: BinaryIO, report, keep=None, limits=None) -> Walk:
    head = handle.read(2)
    handle.seek(0)
    state = _State(report, keep, limits)
    if not head:
        report.add("warc.empty", "empty file, no WARC record", 0)
    elif head == b"\x1f\x8b":
        yield from _walk_gzip(handle, state)
    else:
        yield from _walk_plain(handle, state)


def _one_record(stream, offset: int, state: _State) -> Checked | None:
    """Check the record at the stream's position; None when its header is lost."""
    report = state.report
    report.records += 1
    header = read_header(stream, offset, report)
    if header is None or not check_fields(header, offset, report, state.seen_ids):
        return None
    keep = state.keep(header) if state.keep is not None else 0
    return check_block(stream, header, offset, report, keep)


def _not_warc(report, head: bytes, offset: int) -> None:
    if head.startswith(b"filedesc:"):
        report.add("warc.arc", "an ARC file (it starts with a filedesc:// record), not a WARC",
                   offset)
    else:
        report.add("warc.not_warc", "does not start with a WARC record", offset)
    report.file_error = True


# --- plain -------------------------------------------------------------------------------

def _walk_plain(handle: BinaryIO, state: _State) -> Walk:
    report = state.report
    stream = Plain(handle, 0)
    while True:
        offset = stream.position()
        head = stream.peek(9)
        if not head:
            return
        if not head.startswith(b"WARC/"):
            if report.records == 0:
                _not_warc(report, head, offset)
                return
            report.add("warc.trailing_garbage", "bytes after the last record that are not a "
                       "WARC record", offset)
        else:
            checked = _one_record(stream, offset, state)
            if checked is not None:
                yield offset, checked
                if not checked.lost:
                    continue
            else:
                yield offset, None
        found = resync(handle, offset + 1)
        if found is None:
            return
        stream = Plain(handle, found)


def resync(handle: BinaryIO, start: int, marker: bytes = b"\nWARC/", skip: int = 1) -> int | None:
    """The offset of the next ``marker`` at or after ``start`` (plus ``skip``), or None."""
    handle.seek(start)
    base, carry = start, b""
    while True:
        chunk = handle.read(SCAN_SIZE)
        if not chunk:
            return None
        data = carry + chunk
        found = data.find(marker)
        if found >= 0:
            return base - len(carry) + found + skip
        carry = data[-(len(marker) - 1):]
        base += len(chunk)


# --- gzip --------------------------------------------------------------------------------

def _walk_gzip(handle: BinaryIO, state: _State) -> Walk:
    offset: int | None = 0
    while offset is not None:
        handle.seek(offset)
        magic = handle.read(2)
        if not magic:
            return
        if magic != b"\x1f\x8b":
            state.report.add("warc.trailing_garbage", "bytes after the last record that are not "
                             "a gzip member", offset)
            offset = resync(handle, offset + 1, b"\x1f\x8b\x08", 0)
            continue
        offset = yield from _walk_member(handle, offset, state)


def _walk_member(handle: BinaryIO, offset: int, state: _State):
    """Check the records of the member at ``offset``; returns the next member's offset."""
    report = state.report
    member = Member(handle, offset, state.limits)
    count = 0
    garbage = False
    while not member.at_end():
        head = member.peek(9)
        if not head.startswith(b"WARC/"):
            if report.records == 0:
                _not_warc(report, head, offset)
                return None
            report.add("warc.trailing_garbage", "bytes inside a gzip member that are not a WARC "
                       "record", offset)
            garbage = True
            break
        if count == 1:
            report.add("warc.gzip.multi_record_member",
                       "several records share one gzip member (each record must be its own "
                       "member; a whole-file gzip is not a WARC.gz)", offset)
            report.file_error = True
        count += 1
        checked = _one_record(member, offset, state)
        yield offset, checked
        if checked is None or checked.lost:
            break
    return _member_end(handle, member, offset, count or garbage, report)


def _member_end(handle: BinaryIO, member: Member, offset: int, count: int, report) -> int | None:
    while not (member.ended or member.truncated or member.corrupt or member.limit):
        member._more()  # the rest of a member whose record broke: inflated and dropped
    if member.limit:
        report.add("warc.gzip.limit", member.limit, offset)
        return resync(handle, offset + 1, b"\x1f\x8b\x08", 0)
    if member.corrupt:
        report.add("warc.gzip.corrupt", f"gzip member cannot be inflated: {member.corrupt}",
                   offset)
        return resync(handle, offset + 1, b"\x1f\x8b\x08", 0)
    if member.truncated:
        if not any(f.rule == "warc.truncated" for f in report.at(offset)):
            report.add("warc.truncated", "file ends inside a gzip member", offset)
        return None
    if count == 0:
        report.add("warc.gzip.empty_member", "gzip member holds no record", offset, WARNING)
    return member.end_offset
