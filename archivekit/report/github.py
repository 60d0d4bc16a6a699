"""GitHub Actions workflow commands: one annotation per finding."""

from __future__ import annotations

from archivekit.record import ERROR, Result
from archivekit.report.base import Reporter, Summary


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    def result(self, result: Result) -> None:
        for f in result.findings:
            level = "error" if f.severity == ERROR else "warning"
            props = [f"file={_escape_property(result.path)}"]
            if f.line is not None:
                props.append(f"line={f.line}")
            props.append(f"title={_escape_property(f.rule)}")
            message = f.message + (f" ({f.pointer})" if f.pointer else "")
            self.stream.write(f"::{level} {','.join(props)}::{_escape_data(message)}\n")

    def finish(self, summary: Summary) -> None:
        self.stream.write(f"::notice title=archivekit {self.verb}::{summary.articles} articles, "
                          f"{summary.errors} errors, {summary.warnings} warnings\n")
