"""Newline-delimited JSON: one object per article, written as it is checked."""

from __future__ import annotations

from archivekit.jsonbytes import compact
from archivekit.record import Result
from archivekit.report.base import Reporter


def result_line(result: Result) -> str:
    """An article's result as one compact JSON line, without the newline (the same text
    for ``check --format json``, ``archive``'s report.jsonl and the Spark job)."""
    # surrogatepass keeps a non-UTF-8 file name's lone surrogates for the stream's own
    # error handler, as json.dumps does.
    return compact(result.to_dict()).decode("utf-8", "surrogatepass")


class JsonReporter(Reporter):
    def result(self, result: Result) -> None:
        self.stream.write(result_line(result) + "\n")
