"""SARIF 2.1.0 log, for code-scanning dashboards."""

from __future__ import annotations

import json
import os

from archivekit import __version__
from archivekit.record import ERROR, Result
from archivekit.report.base import Reporter, Summary

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class SarifReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._results: list[dict] = []
        self._seen_rules: dict[str, None] = {}

    def result(self, result: Result) -> None:
        for f in result.findings:
            self._seen_rules.setdefault(f.rule, None)
            location: dict = {"physicalLocation": {"artifactLocation": {"uri": _uri(result.path)}}}
            if f.line is not None and f.line >= 1:
                location["physicalLocation"]["region"] = {"startLine": f.line}
            if f.pointer:
                location["logicalLocations"] = [{"fullyQualifiedName": f.pointer}]
            self._results.append({
                "ruleId": f.rule,
                "level": "error" if f.severity == ERROR else "warning",
                "message": {"text": f.message},
                "locations": [location],
            })

    def finish(self, summary: Summary) -> None:
        from archivekit.catalogue import all_rules

        catalogue = all_rules()
        rule_ids = list(dict.fromkeys([*self.rules, *self._seen_rules]))
        rules = []
        for rule_id in rule_ids:
            # The run's own rules first (a --schema FILE defines its own), then the catalogue.
            known = catalogue.get(rule_id)
            info = self.rules.get(rule_id) or (known._asdict() if known else {})
            entry = {
                "id": rule_id,
                "shortDescription": {"text": info.get("message", rule_id)},
                "defaultConfiguration": {
                    "level": "error" if info.get("severity", ERROR) == ERROR else "warning"},
            }
            if known is not None and known.help:
                entry["help"] = {"text": known.help}
            rules.append(entry)
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "archivekit", "version": __version__,
                                    "informationUri": "https://pypi.org/project/archivekit/",
                                    "rules": rules}},
                "results": self._results,
            }],
        }
        json.dump(log, self.stream, indent=2, ensure_ascii=False)
        self.stream.write("\n")


def _uri(path: str) -> str:
    from urllib.parse import quote

    # fsencode: a file name that is not UTF-8 keeps its real bytes, percent-encoded.
    return quote(os.fsencode(path.replace("\\", "/")), safe="/#:@")
