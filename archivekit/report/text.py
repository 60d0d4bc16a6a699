"""Human-readable report, grouped by article; colour only on a terminal."""

from __future__ import annotations

from archivekit.record import ERROR, Result
from archivekit.report.base import Reporter, Summary
from archivekit.report.paths import printable

_STYLES = {"error": "\x1b[31m", "warning": "\x1b[33m", "ok": "\x1b[32m", "dim": "\x1b[2m",
           "bold": "\x1b[1m"}
_RESET = "\x1b[0m"


class TextReporter(Reporter):
    def _paint(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text

    def result(self, result: Result) -> None:
        if self.verb == "warc-check":  # one result per file: the summary counts its records
            self.records = getattr(self, "records", 0) + result.fingerprint.get("records", 0)
        write = self.stream.write
        # Every value may come from a hostile name or WARC field: a file name with a newline,
        # ESC or "::error" stays on its own line, escaped: it cannot forge a result line, a
        # workflow command or move the terminal's cursor.
        path = printable(result.path)
        if path.startswith(":"):  # ":" + ": ok" would start a line with "::" too
            path = "./" + path  # the same file, and no line that starts a workflow command
        if not result.findings:
            known = f" ({len(result.known)} known)" if result.known else ""
            write(f"{path}: {self._paint('ok', 'ok')}{known}\n")
            return
        profile = f" [{printable(result.profile)}]" if result.profile else ""
        write(f"{self._paint(path, 'bold')}{self._paint(profile, 'dim')}\n")
        for f in result.findings:
            where = f"{f.line}:" if f.line is not None else "-:"
            severity = self._paint(f"{printable(f.severity):<7}",
                                   "error" if f.severity == ERROR else "warning")
            pointer = self._paint(f" ({printable(f.pointer)})", "dim") if f.pointer else ""
            write(f"  {where:>6} {severity} {printable(f.rule):<24} {printable(f.message)}{pointer}\n")

    def finish(self, summary: Summary) -> None:
        noun = "article" if summary.articles == 1 else "articles"
        if self.verb == "warc-check":
            records = getattr(self, "records", 0)
            noun = (f"{'file' if summary.articles == 1 else 'files'} "
                    f"({records} {'record' if records == 1 else 'records'})")
        line = (f"{summary.articles} {noun}: {summary.valid} valid, "
                f"{summary.articles - summary.valid} with errors "
                f"({summary.errors} errors, {summary.warnings} warnings")
        if summary.known:
            line += f", {summary.known} known from the baseline"
        line += ")"
        if summary.input_errors:
            line += f"; {summary.unread()}"
        self.stream.write(line + "\n")
