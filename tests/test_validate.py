"""The validator: rule mapping from the schema, and the jsonschema-rs fast path agreeing
with jsonschema on every record (the fast path must never hide a finding)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from archivekit.checker import Checker
from archivekit.extract import Unreadable
from archivekit.record import Extraction
from archivekit.sources import collect_paths, read_documents
from archivekit.validate import load_schema, validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _records() -> list[dict]:
    checker = Checker()
    records = []
    for document in read_documents(collect_paths([str(FIXTURES)])):
        try:
            records.append(checker.extract(document).data)
        except Unreadable:
            continue
    return records


def _mutations(record: dict):
    """The record, and copies broken in the ways the rules describe."""
    yield record
    for key, value in (("banner", None), ("headline", ""), ("body", []), ("footer", None),
                       ("profile", None), ("published_before_closure", False),
                       ("date_published", "last Tuesday"), ("url", "not a uri")):
        broken = copy.deepcopy(record)
        broken[key] = value
        yield broken
    if record.get("images"):
        for key, value in (("credit", None), ("caption", None), ("credit", "see caption")):
            broken = copy.deepcopy(record)
            broken["images"][0][key] = value
            yield broken


def test_fast_path_agrees_with_jsonschema_on_every_record() -> None:
    schema = load_schema()
    if schema.fast is None:
        pytest.skip("jsonschema-rs is not installed: no fast path to compare")
    records = _records()
    assert records, "no fixtures were readable"
    compared = 0
    for record in records:
        for candidate in _mutations(record):
            slow_valid = not any(True for _ in schema.validator.iter_errors(candidate))
            assert schema.fast.is_valid(candidate) == slow_valid, candidate
            compared += 1
    assert compared > len(records)


def test_deepest_x_rule_names_the_finding() -> None:
    schema = load_schema()
    record = next(r for r in _records() if r.get("images"))
    broken = copy.deepcopy(record)
    broken["images"][0]["credit"] = "see caption"
    broken["banner"]["matches_profile"] = False
    findings = validate(Extraction(data=broken), schema)
    assert {(f.rule, f.severity, f.pointer) for f in findings} >= {
        ("image.credit.malformed", "warning", "/images/0/credit"),
        ("banner.mismatch", "error", "/banner/matches_profile"),
    }


def test_rules_listed_from_the_schema() -> None:
    rules = load_schema().rules()
    assert rules["image.credit.missing"]["severity"] == "error"
    assert rules["banner.position"]["severity"] == "warning"


def test_formats_are_really_checked() -> None:
    checker = load_schema().validator.FORMAT_CHECKER
    assert checker.conforms("2017-11-22T10:15:00+11:00", "date-time")
    assert not checker.conforms("2017-13-22T10:15:00+11:00", "date-time")
    assert checker.conforms("https://www.huffpost.com/archive/au/entry/x", "uri")
    assert not checker.conforms("www.huffpost.com/entry", "uri")


def test_an_x_rule_inside_an_anyof_branch_names_the_finding(tmp_path) -> None:
    import json

    from archivekit.resources import schema_path

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    # A user's schema that keeps the date rule inside a branch of anyOf.
    schema["properties"]["date_published"] = {"anyOf": [
        {"type": "null"},
        {"type": "string", "format": "date-time", "x-rule": "date.bad", "x-severity": "warning"},
    ]}
    path = tmp_path / "user.schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    user = load_schema(str(path))
    record = copy.deepcopy(next(iter(_records())))
    record["date_published"] = "last Tuesday"
    findings = validate(Extraction(data=record), user)
    assert [(f.rule, f.severity, f.pointer) for f in findings
            if f.pointer == "/date_published"] == [("date.bad", "warning", "/date_published")]


def test_jsonschema_is_imported_only_when_a_record_needs_its_errors(tmp_path):
    """The shipped schema is answered by jsonschema-rs; jsonschema (~13% of the CLI's
    start-up CPU) is imported for the first record that has findings, and gives them."""
    import subprocess
    import sys

    pytest.importorskip("jsonschema_rs")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_properties import VALID_HTML

    (tmp_path / "valid.html").write_bytes(VALID_HTML)
    (tmp_path / "invalid.html").write_bytes(b"<html><body><article><h1>A headline</h1>"
                                            b"<p>No banner, no notice.</p></article></body></html>")
    script = ("import sys\n"
              "from archivekit.checker import Checker, check_paths\n"
              "results = list(check_paths([sys.argv[1]], Checker()))\n"
              "print(all(r.valid for r in results), 'jsonschema' in sys.modules)\n")
    for name, expected in (("valid.html", "True False"), ("invalid.html", "False True")):
        proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / name)],
                              capture_output=True, text=True, check=True)
        assert proc.stdout.split() == expected.split(), (name, proc.stdout, proc.stderr)
