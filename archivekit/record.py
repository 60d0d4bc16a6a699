"""The data that flows through archivekit: an input document, its extracted record,
the findings about it and the per-article result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class Document:
    """One archived page as read from a source, before extraction.

    ``path`` names where it came from (a file path, ``-`` for stdin, or
    ``file.warc.gz#offset`` for a WARC record); ``uri`` and ``date`` are the
    capture's original URL and capture time where the source knows them.
    """

    path: str
    content: bytes
    uri: str | None = None
    date: str | None = None
    content_type: str | None = None
    # For WARC input: the verbatim record (headers + block) so exports can copy it.
    warc_record: bytes | None = None
    warc_record_type: str | None = None
    # A finding the source itself raised (unreadable file, corrupt WARC member, ...).
    read_error: str | None = None
    # True when the operating system refused the read (permissions, vanished file):
    # the run then ends with exit code 3, input that could not be read at all.
    io_error: bool = False
    # For WARC input: the warc.* findings about the record this page came from.
    warc_findings: list[Finding] | None = None


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    pointer: str = ""
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "pointer": self.pointer,
        }
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(slots=True)
class Extraction:
    """The record extracted from a document, plus where each part came from.

    ``data`` is the JSON-serialisable record that the schema validates.
    ``lines`` maps JSON pointers of the record to source line numbers.
    """

    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    shape: str = "html"
    # Extra words for a finding's message, keyed by the pointer it is about.
    details: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    """What archivekit concluded about one article."""

    path: str
    uri: str | None
    profile: str | None
    findings: list[Finding]
    fingerprint: dict[str, Any] = field(default_factory=dict)
    record: dict[str, Any] | None = None
    known: list[Finding] = field(default_factory=list)  # findings matched by a baseline
    io_error: bool = False

    def failed(self, strict: bool = False) -> bool:
        if strict:
            return bool(self.findings)
        return any(f.severity == ERROR for f in self.findings)

    @property
    def valid(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def to_dict(self, with_record: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "uri": self.uri,
            "profile": self.profile,
            "valid": self.valid,
            "findings": [f.to_dict() for f in self.findings],
            "fingerprint": self.fingerprint,
        }
        if self.known:
            out["known_findings"] = [f.to_dict() for f in self.known]
        if with_record:
            out["record"] = self.record
        return out
