"""SARIF 2.1.0 log, as GitHub code scanning and other SARIF consumers take it as is.

What GitHub requires and this log gives (docs.github.com, "SARIF support for code
scanning"): every rule with ``shortDescription``, ``fullDescription``, ``help`` (text and
markdown), ``helpUri`` and ``defaultConfiguration.level``; every result with a physical
location whose ``uri`` is relative to the checkout (``--sarif-root``, default the working
directory) and a ``region`` (line 1 where the finding has no line); ``partialFingerprints``
from rule, path and pointer (not line numbers, so an alert survives edits above it). A
WARC record's offset is a logical location and a result property, never a ``#`` in the
URI. ``invocations`` says whether the run completed and names every unreadable input.
"""

from __future__ import annotations

import hashlib
import json

from archivekit import __version__
from archivekit.record import ERROR, Finding, Result
from archivekit.report.base import RULES_DOC_URL, Reporter, Summary
from archivekit.report.paths import Artifact, artifact, printable, record_note

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "archivekitFinding/v1"
SRCROOT = "%SRCROOT%"


class SarifReporter(Reporter):
    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self._results: list[dict] = []
        self._seen_rules: dict[str, None] = {}
        self._unreadable: list[tuple[str, str]] = []  # (path, reason) of io_error results

    def result(self, result: Result) -> None:
        where = artifact(result.path, self.root)
        if result.io_error:
            reason = "; ".join(f.message for f in result.findings) or "could not be read"
            self._unreadable.append((result.path, reason))
        for f in result.findings:
            self._seen_rules.setdefault(f.rule, None)
            self._results.append(self._result(f, where))

    def _result(self, f: Finding, where: Artifact) -> dict:
        # A line of a WARC record's page is not a line of the .warc.gz: region line 1 there,
        # and the record's own line goes into the message.
        line = f.line if f.line is not None and f.line >= 1 and where.offset is None else 1
        physical: dict = {"artifactLocation": _artifact_location(where), "region": {"startLine": line}}
        location: dict = {"physicalLocation": physical}
        logical = []
        if where.offset is not None:
            logical.append({"name": f"record@{where.offset}", "kind": "resource",
                            "fullyQualifiedName": f"{where.path}@{where.offset}"})
        if f.pointer:
            logical.append({"name": f.pointer, "kind": "property",
                            "fullyQualifiedName": f.pointer})
        if logical:
            location["logicalLocations"] = logical
        message = printable(f.message)
        message += record_note(where.offset, f.line)
        out = {
            "ruleId": f.rule,
            "level": "error" if f.severity == ERROR else "warning",
            "message": {"text": message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: finding_fingerprint(f, where)},
        }
        if where.offset is not None:
            out["properties"] = {"warcRecordOffset": where.offset}
        return out

    def finish(self, summary: Summary) -> None:
        rules = self._rules()
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        for r in self._results:
            r["ruleIndex"] = index[r["ruleId"]]
        run = {
            "tool": {"driver": {"name": "archivekit", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": RULES_DOC_URL.rsplit("/blob/", 1)[0],
                                "rules": rules}},
            "invocations": [self._invocation(summary)],
            "originalUriBaseIds": {SRCROOT: {"description": {
                "text": "The directory the artifact URIs are relative to (--sarif-root)."}}},
            "columnKind": "unicodeCodePoints",
            "results": self._results,
        }
        log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        # ensure_ascii: every character as an escape or ASCII, so the log is valid UTF-8
        # JSON whatever bytes a file name held (texts are already made printable).
        json.dump(log, self.stream, indent=2, ensure_ascii=True)
        self.stream.write("\n")

    def _rules(self) -> list[dict]:
        from archivekit.catalogue import all_rules

        catalogue = all_rules()
        # Every rule archivekit can emit, and the run's own (a --schema FILE names its own).
        rule_ids = list(dict.fromkeys([*catalogue, *self.rules, *self._seen_rules]))
        return [_rule_entry(rule_id, self.rules.get(rule_id), catalogue.get(rule_id))
                for rule_id in rule_ids]

    def _invocation(self, summary: Summary) -> dict:
        notes = [_notification(printable(text)) for text in summary.input_errors]
        notes += [_notification(f"{printable(path)}: {printable(reason)}")
                  for path, reason in self._unreadable]
        invocation: dict = {"executionSuccessful": not notes}
        if notes:
            invocation["toolExecutionNotifications"] = notes
        return invocation


def finding_fingerprint(f: Finding, where: Artifact) -> str:
    """Stable across runs and edits: rule, file, record offset and JSON pointer, no line."""
    offset = "" if where.offset is None else str(where.offset)
    key = "\0".join((f.rule, where.path, offset, f.pointer))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _artifact_location(where: Artifact) -> dict:
    if where.relative:
        return {"uri": where.uri, "uriBaseId": SRCROOT}
    if where.uri.startswith("file:"):
        return {"uri": where.uri}
    return {"uri": where.uri, "description": {"text": "standard input"}}


def _notification(text: str) -> dict:
    return {"level": "error", "message": {"text": text},
            "descriptor": {"id": "input.unreadable"}}


def rule_anchor(rule_id: str) -> str:
    """The anchor of a rule's section in docs/rules.md (``rule-`` and the id, dots as dashes)."""
    return "rule-" + rule_id.replace(".", "-").replace("_", "-")


def _rule_entry(rule_id: str, own: dict | None, known) -> dict:
    info = own or (known._asdict() if known is not None else {})
    message = info.get("message") or rule_id
    severity = info.get("severity", ERROR)
    help_text = (known.help if known is not None else "") or (
        "Defined by the schema passed with --schema: see its x-message for this rule.")
    first = message[:1].upper() + message[1:]
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("_", ".").split(".")),
        "shortDescription": {"text": message},  # the catalogue's message, verbatim
        "fullDescription": {"text": f"{first}. {help_text}"},
        "help": {"text": help_text,
                 "markdown": f"**{rule_id}** ({severity}): {message}.\n\n{help_text}\n\n"
                             f"See [docs/rules.md]({RULES_DOC_URL}#{rule_anchor(rule_id)})."},
        "helpUri": f"{RULES_DOC_URL}#{rule_anchor(rule_id)}",
        "defaultConfiguration": {"level": "error" if severity == ERROR else "warning"},
        "properties": {"tags": [rule_id.split(".")[0]]},
    }
