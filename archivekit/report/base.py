"""What every reporter shares: the :class:`Reporter` interface and the run's :class:`Summary`.

A reporter gets :meth:`Reporter.result` once per article, in input order, and
:meth:`Reporter.finish` once with the run's :class:`Summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from archivekit.record import ERROR, Result

# Where the project lives; the rules page that SARIF rules link to (helpUri) is under it.
PROJECT_URL = "https://github.com/archivekit/archivekit"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"


@dataclass
class Summary:
    articles: int = 0
    valid: int = 0
    errors: int = 0
    warnings: int = 0
    known: int = 0
    failed_articles: int = 0
    input_errors: list[str] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, result: Result, strict: bool = False) -> None:
        self.articles += 1
        self.valid += result.valid
        self.failed_articles += result.failed(strict)
        self.known += len(result.known)
        for f in result.findings:
            if f.severity == ERROR:
                self.errors += 1
            else:
                self.warnings += 1
            self.by_rule[f.rule] = self.by_rule.get(f.rule, 0) + 1

    def unread(self) -> str:
        """"1 input could not be read", "3 inputs could not be read"."""
        count = len(self.input_errors)
        return f"{count} {'input' if count == 1 else 'inputs'} could not be read"


class Reporter:
    def __init__(self, stream: TextIO, *, color: bool = False, collection: str = "archivekit",
                 rules: dict[str, dict[str, str]] | None = None, verb: str = "check",
                 root: str | None = None):
        self.stream = stream
        self.root = root  # what file paths are made relative to (sarif, gitlab); None: cwd
        self.color = color
        self.collection = collection
        self.rules = rules or {}
        self.verb = verb

    def result(self, result: Result) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self, summary: Summary) -> None:
        pass
