"""Fuzz targets: one function per input path, each taking arbitrary bytes.

The invariant every target checks: the input yields results (with findings) and no
uncaught exception; each result serialises to JSON the way the reporters print it.
"""

from __future__ import annotations

import io
import json

from archivekit.checker import Checker, check_document
from archivekit.record import Document, Result
from archivekit.sources import read_warc

_CHECKER: Checker | None = None


def checker() -> Checker:
    global _CHECKER
    if _CHECKER is None:
        _CHECKER = Checker()
    return _CHECKER


def _assert_result(result: Result) -> None:
    assert isinstance(result, Result)
    assert all(f.rule and f.severity in ("error", "warning") for f in result.findings)
    if not result.valid:
        assert result.findings
    json.dumps(result.to_dict())


def html(data: bytes) -> None:
    _assert_result(check_document(Document(path="fuzz.html", content=data), checker()))


def text(data: bytes) -> None:
    _assert_result(check_document(Document(path="fuzz.txt", content=data), checker()))


def warc(data: bytes) -> None:
    for name in ("fuzz.warc.gz", "fuzz.warc"):
        for document in read_warc(name, stream=io.BytesIO(data)):
            _assert_result(check_document(document, checker()))


TARGETS = {"html": html, "text": text, "warc": warc}
