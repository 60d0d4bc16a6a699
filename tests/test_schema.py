"""The shipped article schema: a valid Draft 2020-12 schema carrying the rule catalogue."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import FIXTURES, ROOT, run_archivekit
from jsonschema import Draft202012Validator

from archivekit.resources import schema_path
from archivekit.validate import load_schema

SCHEMA_FILE = ROOT / "schemas" / "article.schema.json"
# The schema's rules (docs/rules.md, archivekit.catalogue), and the two it added later.
CATALOGUE = {
    "parse.unreadable": "error", "parse.encoding": "warning", "banner.missing": "error",
    "banner.mismatch": "error", "banner.position": "warning", "footer.missing": "error",
    "headline.missing": "error", "body.missing": "error", "attribution.missing": "error",
    "image.caption.missing": "warning", "image.credit.missing": "error",
    "image.credit.malformed": "warning", "date.after_closure": "error",
    "profile.unknown": "warning",
}
SCHEMA_ONLY = {"date.malformed": "warning", "url.malformed": "warning"}


def shipped() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12():
    schema = shipped()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)  # against the 2020-12 metaschema
    metaschema = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    assert not list(metaschema.iter_errors(schema))


def test_the_package_finds_the_same_schema():
    assert json.loads(schema_path().read_text(encoding="utf-8")) == shipped()


def test_every_catalogue_rule_is_an_x_rule_with_its_severity():
    rules = load_schema(str(SCHEMA_FILE)).rules()
    for rule, severity in {**CATALOGUE, **SCHEMA_ONLY}.items():
        assert rule in rules, f"{rule} is not an x-rule of the schema"
        assert rules[rule]["severity"] == severity, rule
        assert rules[rule]["message"]
    assert set(rules) == set(CATALOGUE) | set(SCHEMA_ONLY)


def test_every_x_severity_is_error_or_warning():
    def walk(node):
        if isinstance(node, dict):
            if "x-severity" in node:
                yield node["x-severity"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    assert set(walk(shipped())) <= {"error", "warning"}


def _dek_required_schema() -> dict:
    schema = shipped()
    schema["required"] = [*schema["required"], "dek"]
    schema["properties"]["dek"] = {"x-rule": "dek.missing", "x-severity": "error",
                                   "x-message": "no dek (standfirst)", "type": "string",
                                   "minLength": 1}
    return schema


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("schemas")
    user = tmp / "dek-required.schema.json"
    user.write_text(json.dumps(_dek_required_schema()), encoding="utf-8")
    not_json = tmp / "not-json.schema.json"
    not_json.write_text("{\"type\": \"object\",", encoding="utf-8")
    invalid = tmp / "invalid.schema.json"
    invalid.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                   "type": 12}), encoding="utf-8")
    with_dek, without_dek = FIXTURES / "html/ca-2018-valid.html", FIXTURES / "text/ca-valid.txt"
    cases = {
        "print": ("schema",),
        "user": ("check", with_dek, without_dek, "--schema", user, "-f", "json", "-q", "-j", "1"),
        "not-json": ("check", with_dek, "--schema", not_json, "-q", "-j", "1"),
        "invalid": ("check", with_dek, "--schema", invalid, "-q", "-j", "1"),
        "absent": ("check", with_dek, "--schema", tmp / "absent.json", "-q", "-j", "1"),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(run_archivekit, *args) for key, args in cases.items()}
        return {key: future.result() for key, future in futures.items()}


def test_schema_verb_prints_the_shipped_schema(runs):
    assert runs["print"].returncode == 0
    assert json.loads(runs["print"].stdout) == shipped()


def test_a_user_schema_changes_the_findings(runs):
    proc = runs["user"]
    with_dek, without_dek = (json.loads(line) for line in proc.stdout.splitlines())
    assert with_dek["findings"] == []
    assert [(f["rule"], f["pointer"]) for f in without_dek["findings"]] == [("dek.missing", "/dek")]
    assert proc.returncode == 1


@pytest.mark.parametrize("case", ["not-json", "invalid", "absent"])
def test_an_unusable_schema_is_a_one_line_error(runs, case):
    proc = runs[case]
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("archivekit: error:"), proc.stderr
