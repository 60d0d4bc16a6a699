"""The verify rules (``fixity.*``) and the results built from ``temp.seen``: one per article
(and per missing ledger entry), with the fixity events recorded as they go."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from archivekit.ledger import (
    EVENT_FIXITY,
    BatchWriter,
    Ledger,
)
from archivekit.record import ERROR, WARNING, Finding, Result
from archivekit.rules import Rule
from archivekit.verify_relations import NOT_SEEN

# The verify rules (the rule catalogue, archivekit.catalogue, gathers them).
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("fixity.changed", ERROR, "a field's content differs from the ledger",
         "The article's text (headline, body, a credit...) is not what fingerprint recorded; "
         "the finding names the fields. Restore the file, or fingerprint it again if the "
         "change is wanted."),
    Rule("fixity.markup_only", WARNING, "the bytes differ from the ledger but the content is the same",
         "The markup or encoding changed, the extracted content did not (a re-save, a "
         "template change). Fingerprint again to accept the new bytes."),
    Rule("fixity.missing", ERROR, "in the ledger but not found on disk",
         "An article fingerprinted earlier is gone (and not moved elsewhere). Restore it."),
    Rule("fixity.new", WARNING, "on disk but not in the ledger",
         "An article that was never fingerprinted. Run fingerprint to record it."),
    Rule("fixity.moved", WARNING, "the same content is in the ledger under another path",
         "The file was renamed or moved. Fingerprint again to record the new path."),
    Rule("fixity.duplicate", WARNING, "the same content as another article",
         "Two paths hold the same article. Keep one, unless both copies are wanted."),
    Rule("fixity.near_duplicate", WARNING, "a body within the simhash distance of another article",
         "Two articles' bodies differ in at most --near-distance of 64 simhash bits: a "
         "revised copy or a syndicated story. Check whether both are wanted."),
    Rule("fixity.unreadable", ERROR, "the file could not be read",
         "An I/O or permission error, or a page that cannot be parsed. Check the file."),
)}

if TYPE_CHECKING:  # pragma: no cover
    from archivekit.verify import VerifyOptions


def rule_catalogue() -> dict[str, dict[str, str]]:
    """The verify rules as the reporters take them (id -> severity and message)."""
    return {r.id: {"severity": r.severity, "message": r.message} for r in RULES.values()}


def finding(rule: str, message: str, pointer: str = "") -> Finding:
    return Finding(rule=rule, severity=RULES[rule].severity, message=message, pointer=pointer)


def results(ledger: Ledger, root: str, display_root: str,
             options: VerifyOptions) -> Iterator[Result]:
    db = ledger.db

    def show(key: str) -> str:
        return os.path.join(display_root, key) if display_root else key

    writer = None
    if options.record_events:
        writer = BatchWriter(ledger, ledger.begin_run("verify", root, options.args))
    last = 0
    # Pages by key, no cursor left open: the event batches commit in between.
    while batch := db.execute(
            "SELECT key, display, category, sha256, content, simhash, fields, markup_only, "
            "error, io, uri, profile, other, relation, relation_other, distance, ord "
            "FROM temp.seen WHERE ord > ? ORDER BY ord LIMIT 500", (last,)).fetchall():
        for row in batch:
            result = seen_result(SeenEntry(*row[:-1]), show=show)
            _record(writer, row[0], result)
            yield result
        last = batch[-1][-1]
    moved_from = {o for (o,) in db.execute(
        "SELECT other FROM temp.seen WHERE category = 'moved'")}
    last_key = ""
    while batch := db.execute(
            f"SELECT path, sha256, content_sha256, uri, profile FROM objects "
            f"WHERE path > ? AND {NOT_SEEN} ORDER BY path LIMIT 500", (last_key,)).fetchall():
        last_key = batch[-1][0]
        for key, sha, content, uri, profile in batch:
            if key in moved_from:
                continue
            display = show(key)
            result = Result(path=display, uri=uri, profile=profile,
                            findings=[finding("fixity.missing", "in the ledger but not on disk")],
                            fingerprint={"category": "missing", "categories": ["missing"],
                                         "sha256": sha, "content_sha256": content})
            _record(writer, key, result)
            yield result
    if writer is not None:
        writer.flush()
        ledger.finish_run(writer.run_id)


def _record(writer: BatchWriter | None, key: str, result: Result) -> None:
    if writer is None:
        return
    categories = result.fingerprint["categories"]
    outcome = "success" if categories == ["unchanged"] else \
        "failure" if not result.valid else "warning"
    detail = {k: v for k, v in result.fingerprint.items()
              if k in ("categories", "fields", "other", "moved_from")}
    writer.event(key, EVENT_FIXITY, outcome, detail)
    writer.article_done()


class SeenEntry(NamedTuple):
    """One article as ``temp.seen`` holds it after both passes (the columns results read)."""

    key: str
    display: str
    category: str
    sha: str | None
    content: str | None
    simhash: str | None
    fields: str | None  # JSON list of changed field keys
    markup_only: int | None
    error: str | None
    io: int
    uri: str | None
    profile: str | None
    other: str | None = None  # the moved-from path
    relation: str | None = None  # duplicate | near_duplicate
    relation_other: str | None = None
    distance: int | None = None


def seen_result(entry: SeenEntry, show=str) -> Result:
    (key, display, category, sha, content, simhash, fields, markup_only, error, io, uri, profile,
     other, relation, relation_other, distance) = entry
    findings: list[Finding] = []
    fp: dict = {"category": category}
    changed = json.loads(fields) if fields else []
    if category == "changed":
        if markup_only:
            findings.append(finding("fixity.markup_only", "markup changed, content unchanged "
                                    "(raw digest differs, content digest equal)"))
        elif changed:
            findings.extend(finding("fixity.changed", f"{field_name(f)} changed", "/" + f)
                            for f in changed)
        else:
            findings.append(finding("fixity.changed", "bytes changed (no record to compare "
                                    "fields)"))
        fp["fields"] = changed
        fp["markup_only"] = bool(markup_only)
    elif category == "moved":
        other = show(other)
        findings.append(finding("fixity.moved", f"moved from {other}"))
        fp["moved_from"] = other
    elif category == "unreadable":
        findings.append(finding("fixity.unreadable", error or "cannot read"))
    categories = [category]
    if relation == "duplicate":
        findings.append(finding("fixity.duplicate", f"same content as {relation_other}"))
    elif relation == "near_duplicate":
        findings.append(finding("fixity.near_duplicate",
                                f"near-duplicate of {relation_other} (simhash distance {distance})"))
    if relation:
        fp["other"] = relation_other
        if category == "new":
            categories = [relation]
        else:
            categories.append(relation)
    if categories == ["new"]:
        findings.append(finding("fixity.new", "not in the ledger"))
    fp["category"] = categories[0]
    fp["categories"] = categories
    if sha:
        fp["sha256"] = sha
    if content:
        fp["content_sha256"] = content
    if simhash:
        fp["simhash"] = simhash
    return Result(path=display, uri=uri, profile=profile, findings=findings, fingerprint=fp,
                  io_error=bool(io))


def field_name(key: str) -> str:
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "images":
        return f"image {int(parts[1]) + 1} {parts[2]}"
    return key.replace("_", " ")
