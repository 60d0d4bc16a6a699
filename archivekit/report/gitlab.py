"""GitLab code quality report (a JSON array of CodeClimate issues), for merge requests.

Each finding is one issue with the fields GitLab reads (docs.gitlab.com, "Code Quality",
the report format): ``description``, ``check_name``, ``fingerprint``, ``severity``
(error: major, warning: minor), ``location.path`` relative to the repository root
(``--sarif-root``, default the working directory) and ``location.lines.begin`` (line 1
where the finding has no line). The fingerprint is the SARIF one: rule, file, record
offset and pointer, so an issue keeps its identity from one pipeline to the next.
"""

from __future__ import annotations

import json

from archivekit.record import ERROR, Result
from archivekit.report.base import Reporter, Summary
from archivekit.report.paths import artifact, printable, record_note
from archivekit.report.sarif import finding_fingerprint

SEVERITY = {ERROR: "major", "warning": "minor"}


class GitlabReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._issues: list[dict] = []

    def result(self, result: Result) -> None:
        where = artifact(result.path, self.root)
        for f in result.findings:
            description = printable(f.message)
            if f.pointer:
                description += f" ({f.pointer})"
            description += record_note(where.offset, f.line)
            line = f.line if f.line is not None and f.line >= 1 and where.offset is None else 1
            self._issues.append({
                "type": "issue",
                "description": description,
                "check_name": f.rule,
                "fingerprint": finding_fingerprint(f, where),
                "severity": SEVERITY.get(f.severity, "minor"),
                "categories": ["Bug Risk"] if f.severity == ERROR else ["Style"],
                "location": {"path": printable(where.path),
                             "lines": {"begin": line}},
            })

    def finish(self, summary: Summary) -> None:
        json.dump(self._issues, self.stream, indent=2, ensure_ascii=True)
        self.stream.write("\n")
