"""WARC 1.1 conformance and digest check of any WARC file.

The checker reads the file itself, record by record (and gzip member by gzip member),
instead of trusting a WARC library, because the defects it is for are the ones
libraries skip over silently: a truncated last record, a record without a mandatory
field, a whole file compressed as one gzip member, bytes after the last record, a
payload digest taken over a chunk-encoded body.

:func:`check_warc` returns a :class:`WarcReport` (findings with the record offset as
pointer, plus the offsets of the records that carry an error) and
:func:`check_warc_result` wraps it as a :class:`~archivekit.record.Result` for the
reporters shared with ``check``. :data:`RULES` lists every rule id it emits. The page
reader (:mod:`archivekit.warcread`) walks the file with the same code, so one reading
gives both the findings and the pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from archivekit.record import ERROR, Finding, Result
from archivekit.safepath import open_regular
from archivekit.warccheck.rules import RULES
from archivekit.warccheck.streams import BUFFERING
from archivekit.warccheck.walk import walk

__all__ = ["RULES", "WarcReport", "check_warc", "check_warc_result", "check_warcs", "walk"]


@dataclass
class WarcReport:
    path: str
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    # Offsets of records (or gzip members) that carry an error finding.
    bad_offsets: set[int] = field(default_factory=set)
    # An error that concerns the whole file (every record in it is suspect): see
    # :attr:`file_findings`.
    file_error: bool = False
    io_error: bool = False
    by_offset: dict[int, list[Finding]] = field(default_factory=dict)

    def add(self, rule: str, message: str, offset: int, severity: str = ERROR) -> None:
        finding = Finding(rule=rule, severity=severity, message=message, pointer=f"/{offset}")
        self.findings.append(finding)
        self.by_offset.setdefault(offset, []).append(finding)
        if severity == ERROR:
            self.bad_offsets.add(offset)

    def at(self, offset: int) -> list[Finding]:
        """Every finding about the record (or gzip member) at ``offset``."""
        return self.by_offset.get(offset, [])

    def errors_at(self, offset: int) -> list[Finding]:
        return [f for f in self.at(offset) if f.severity == ERROR]

    @property
    def file_findings(self) -> list[Finding]:
        """The errors that make every record of the file suspect."""
        return [f for f in self.findings if f.rule in FILE_RULES]

    @property
    def valid(self) -> bool:
        return not self.bad_offsets


FILE_RULES = ("warc.gzip.multi_record_member", "warc.not_warc", "warc.arc")


def check_warc(path: str) -> WarcReport:
    report = WarcReport(path)
    try:
        # A FIFO or device is refused without blocking, never read.
        handle = os.fdopen(open_regular(path, follow_symlinks=True), "rb", buffering=BUFFERING)
    except OSError as exc:
        report.add("warc.unreadable", f"cannot read: {exc.strerror or exc}", 0)
        report.io_error = True
        return report
    with handle:
        try:
            for _ in walk(handle, report):
                pass
        except OSError as exc:
            report.add("warc.unreadable", f"cannot read: {exc.strerror or exc}", 0)
            report.io_error = True
    return report


def check_warc_result(path: str) -> Result:
    report = check_warc(path)
    return Result(path=path, uri=None, profile=None, findings=report.findings,
                  fingerprint={"records": report.records}, io_error=report.io_error)


def check_warcs(paths) -> Iterator[Result]:
    for path in paths:
        yield check_warc_result(path)
