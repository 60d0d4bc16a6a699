"""GitHub Actions workflow commands: one annotation per finding, worst first, and a job summary.

GitHub shows 10 error and 10 warning annotations per step, so the errors come first
(then the warnings, each in input order) and a closing notice gives the totals. When
``GITHUB_STEP_SUMMARY`` names a file, a markdown summary (totals, findings per rule, the
failing articles) is appended to it: the step's page then shows everything.
"""

from __future__ import annotations

import os

from archivekit.record import ERROR, Finding, Result
from archivekit.report.base import Reporter, Summary
from archivekit.report.paths import artifact, printable, record_note

SHOWN_PER_LEVEL = 10  # what GitHub displays per step and level
SUMMARY_ARTICLES = 200  # failing articles listed in the job summary


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._errors: list[str] = []
        self._warnings: list[str] = []
        self._failing: list[tuple[str, list[str]]] = []

    def result(self, result: Result) -> None:
        where = artifact(result.path, self.root)
        # The file as GitHub matches it to the checkout (a WARC record: the WARC file, with
        # the record's offset in the message).
        file = where.path if where.relative else result.path
        for f in result.findings:
            (self._errors if f.severity == ERROR else self._warnings).append(
                _annotation(file, f, where.offset))
        if not result.valid and len(self._failing) < SUMMARY_ARTICLES:
            self._failing.append((result.path, sorted({f.rule for f in result.findings
                                                       if f.severity == ERROR})))

    def finish(self, summary: Summary) -> None:
        for line in (*self._errors, *self._warnings):
            self.stream.write(line)
        hidden = [f"{n - SHOWN_PER_LEVEL} more {kind}" for n, kind in
                  ((summary.errors, "errors"), (summary.warnings, "warnings")) if n > SHOWN_PER_LEVEL]
        more = (f" (GitHub shows {SHOWN_PER_LEVEL} annotations per level; {' and '.join(hidden)} "
                "are counted in the job summary)") if hidden else ""
        self.stream.write(f"::notice title=archivekit {self.verb}::{summary.articles} articles, "
                          f"{summary.errors} errors, {summary.warnings} warnings{more}\n")
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if target:
            with open(target, "a", encoding="utf-8", errors="backslashreplace") as out:
                out.write(step_summary(summary, self._failing, self.verb))


def _annotation(path: str, f: Finding, offset: int | None = None) -> str:
    level = "error" if f.severity == ERROR else "warning"
    props = [f"file={_escape_property(printable(path))}"]
    if f.line is not None and offset is None:  # a WARC record's line is not the file's
        props.append(f"line={f.line}")
    props.append(f"title={_escape_property(f.rule)}")
    message = printable(f.message) + (f" ({f.pointer})" if f.pointer else "") + record_note(offset, f.line)
    return f"::{level} {','.join(props)}::{_escape_data(message)}\n"


def _md(text: str) -> str:
    """A table cell or list item: one line, no markup from the file name."""
    out = printable(text)
    for char in "\\`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out


def step_summary(summary: Summary, failing: list[tuple[str, list[str]]], verb: str = "check") -> str:
    lines = [f"## archivekit {verb}", "",
             f"{summary.articles} articles: {summary.valid} valid, "
             f"{summary.articles - summary.valid} with errors "
             f"({summary.errors} errors, {summary.warnings} warnings).", ""]
    if summary.input_errors:
        lines += [f"{summary.unread()}:", ""]
        lines += [f"- {_md(text)}" for text in summary.input_errors] + [""]
    if summary.by_rule:
        lines += ["| rule | findings |", "|---|---:|"]
        lines += [f"| `{rule}` | {count} |" for rule, count in
                  sorted(summary.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))] + [""]
    if failing:
        lines += ["### Failing articles", ""]
        lines += [f"- {_md(path)}: {', '.join(f'`{r}`' for r in rules)}" for path, rules in failing]
        if summary.articles - summary.valid > len(failing):
            lines.append(f"- ... and {summary.articles - summary.valid - len(failing)} more")
        lines.append("")
    return "\n".join(lines) + "\n"
