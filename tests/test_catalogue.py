"""The rule catalogue holds every rule id the code can emit; the README's table, docs/rules.md,
``schema --rules`` and SARIF's rule metadata all come from it."""

from __future__ import annotations

import json
import re

from conftest import FIXTURES, ROOT, run_archivekit

from archivekit.catalogue import all_rules, markdown_table, rules_page
from archivekit.validate import load_schema

FAMILIES = ("parse", "banner", "footer", "headline", "body", "attribution", "image", "date",
            "url", "profile", "fixity", "bag", "warc", "schema")
RULE_LITERAL = re.compile("[\"'](?:" + "|".join(FAMILIES) + r")\.[a-z_][a-z_.]*[\"']")


def test_every_rule_has_severity_message_and_help():
    rules = all_rules()
    assert len(rules) >= 56
    for rule_id, rule in rules.items():
        assert rule.id == rule_id
        assert rule.severity in ("error", "warning"), rule_id
        assert rule.message and "\n" not in rule.message, rule_id
        assert len(rule.help) > 20, f"{rule_id} has no help text"


def test_every_rule_id_literal_in_the_code_is_in_the_catalogue():
    rules = all_rules()
    found = set()
    for path in (ROOT / "archivekit").rglob("*.py"):
        found |= {m.group(0)[1:-1] for m in RULE_LITERAL.finditer(path.read_text(encoding="utf-8"))}
    assert len(found) >= 50
    assert sorted(found - set(rules)) == []


def test_the_schemas_rules_are_in_the_catalogue():
    assert set(load_schema().rules()) <= set(all_rules())


def _rules_of_json_lines(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        if line.strip():
            out |= {f["rule"] for f in json.loads(line).get("findings", [])}
    return out


def test_the_fixture_runs_emit_only_catalogued_rules(tmp_path):
    emitted = set()
    proc = run_archivekit("check", FIXTURES, "-f", "json", "-q")
    emitted |= _rules_of_json_lines(proc.stdout)
    warcs = sorted(str(p) for p in (FIXTURES / "warc").rglob("*.warc*"))
    proc = run_archivekit("warc-check", *warcs, "-f", "json")
    emitted |= _rules_of_json_lines(proc.stdout)
    ledger = tmp_path / "l.db"
    coll = tmp_path / "coll"
    coll.mkdir()
    for name in ("au-2018-valid.html", "ca-2018-valid.html"):
        src = FIXTURES / "html" / name
        if src.exists():
            (coll / name).write_bytes(src.read_bytes())
    run_archivekit("fingerprint", coll, "--ledger", ledger, "-q")
    for page in coll.iterdir():
        page.write_bytes(page.read_bytes().replace(b"</p>", b" changed</p>", 1))
    (coll / "copy.html").write_bytes(next(coll.iterdir()).read_bytes())
    proc = run_archivekit("verify", coll, "--ledger", ledger, "-f", "json", "-q")
    emitted |= _rules_of_json_lines(proc.stdout)
    run_archivekit("bag", coll, "-o", tmp_path / "bag")
    (tmp_path / "bag" / "data" / "extra.html").write_text("x")
    proc = run_archivekit("verify", "--bag", tmp_path / "bag", "-f", "json")
    emitted |= _rules_of_json_lines(proc.stdout)
    assert {"bag.unexpected", "parse.encoding"} <= emitted
    assert any(r.startswith("fixity.") for r in emitted)
    assert any(r.startswith("warc.") for r in emitted)
    assert sorted(emitted - set(all_rules())) == []


def test_readme_rules_table_is_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- rules-table")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- /rules-table -->")
    assert readme[start:end] == markdown_table(), \
        "README rules table is stale: paste archivekit.catalogue.markdown_table()"


def test_docs_rules_page_is_the_catalogue():
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_page(), "docs/rules.md is stale: python -m archivekit.catalogue > docs/rules.md"


def test_schema_rules_lists_the_whole_catalogue():
    proc = run_archivekit("schema", "--rules")
    assert proc.returncode == 0
    listed = [line.split()[0] for line in proc.stdout.splitlines()]
    assert listed == list(all_rules())
    assert "warc.truncated" in listed and "bag.oxum" in listed and "fixity.moved" in listed


def test_sarif_rule_metadata_comes_from_the_catalogue():
    proc = run_archivekit("check", FIXTURES / "html", "-f", "sarif", "-q")
    rules = {r["id"]: r for r in json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    catalogue = all_rules()
    for rule_id, entry in rules.items():
        assert entry["help"]["text"] == catalogue[rule_id].help
        assert entry["shortDescription"]["text"] == catalogue[rule_id].message
