"""Newline-delimited JSON: one object per article, written as it is checked."""

from __future__ import annotations

import json

from archivekit.record import Result
from archivekit.report import Reporter


class JsonReporter(Reporter):
    def result(self, result: Result) -> None:
        self.stream.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
