"""The CI formats, read by the systems' own schemas and documented requirements.

SARIF: the OASIS 2.1.0 schema and what GitHub code scanning requires of rules, results and
locations; JUnit: Jenkins' and the Ant-style XSD; GitLab: the code-quality fields; GitHub:
annotations worst first and the job summary; a hostile file name in every format; the
exit code of a run that finds no article.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import jsonschema
import pytest
from conftest import FIXTURES, ROOT
from lxml import etree

SPECS = ROOT.parent / "shared" / "reference" / "specs"
needs_specs = pytest.mark.skipif(not SPECS.is_dir(), reason=f"{SPECS} is absent")

DEFECTIVE = (FIXTURES / "text" / "au-banner-missing.txt").read_bytes()
# A newline and a forged workflow command, ESC, a comma, a '#', and a byte that is not UTF-8.
HOSTILE = b"x\n::error file=forged.txt,line=1::forged\x1b[2J, #7 \xff.txt"


def run(*args, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    full_env.pop("GITHUB_STEP_SUMMARY", None) if "GITHUB_STEP_SUMMARY" not in (env or {}) else None
    proc = subprocess.run([sys.executable, "-m", "archivekit", *map(os.fsdecode, args)],
                          capture_output=True, cwd=cwd or ROOT, env=full_env, timeout=180)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc


def sarif_of(*args, **kw) -> tuple[int, dict]:
    proc = run("check", *args, "-f", "sarif", "--progress", "never", **kw)
    return proc.returncode, json.loads(proc.stdout.decode("utf-8"))


def oasis_errors(log: dict) -> list[str]:
    schema = json.loads((SPECS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def github_requirements(log: dict) -> list[str]:
    """What GitHub's code-scanning SARIF documentation requires (and the multitool's
    GitHub rules check): rule metadata, a region per result, relative file URIs."""
    problems = []
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', (ROOT / "docs" / "rules.md").read_text()))
    for rule in rules:
        for key in ("shortDescription", "fullDescription"):
            if not rule.get(key, {}).get("text"):
                problems.append(f"{rule['id']}: no {key}")
        if not rule.get("help", {}).get("text") or not rule["help"].get("markdown"):
            problems.append(f"{rule['id']}: help needs text and markdown")
        if rule.get("defaultConfiguration", {}).get("level") not in ("error", "warning", "note"):
            problems.append(f"{rule['id']}: no defaultConfiguration.level")
        anchor = urlsplit(rule.get("helpUri", "")).fragment
        if not rule.get("helpUri", "").endswith(f"docs/rules.md#{anchor}") or anchor not in anchors:
            problems.append(f"{rule['id']}: helpUri {rule.get('helpUri')} has no anchor in docs/rules.md")
    ids = [r["id"] for r in rules]
    for i, result in enumerate(run_["results"]):
        if ids[result["ruleIndex"]] != result["ruleId"]:
            problems.append(f"result {i}: ruleIndex does not name its rule")
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        parts = urlsplit(uri)
        if parts.scheme or uri.startswith("/") or parts.fragment or "#" in uri or " " in uri:
            problems.append(f"result {i}: uri {uri!r} is not a relative URI reference without fragment")
        if loc.get("region", {}).get("startLine", 0) < 1:
            problems.append(f"result {i}: no region.startLine")
        if not result.get("partialFingerprints"):
            problems.append(f"result {i}: no partialFingerprints")
    if "invocations" not in run_ or "executionSuccessful" not in run_["invocations"][0]:
        problems.append("no invocations[0].executionSuccessful")
    return problems


@needs_specs
def test_sarif_of_the_fixtures_meets_the_schema_and_githubs_requirements():
    code, log = sarif_of(FIXTURES)
    assert code == 1
    assert oasis_errors(log) == []
    assert github_requirements(log) == []
    run_ = log["runs"][0]
    assert len(run_["results"]) >= 40
    from archivekit.catalogue import all_rules
    assert set(all_rules()) <= {r["id"] for r in run_["tool"]["driver"]["rules"]}
    assert run_["invocations"][0]["executionSuccessful"] is True
    # WARC records: the file in the URI, the offset as a logical location and a property.
    warc = [r for r in run_["results"] if ".warc" in r["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"]]
    assert warc
    for r in warc:
        offset = r["properties"]["warcRecordOffset"]
        # A line of the record's page is not a line of the .warc.gz: line 1, and the message.
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
        assert f"WARC record at offset {offset}" in r["message"]["text"]
        assert any(ll["kind"] == "resource" and ll["fullyQualifiedName"].endswith(f"@{offset}")
                   for ll in r["locations"][0]["logicalLocations"])
    # Findings without a line still have a region: line 1.
    assert any(r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1 for r in run_["results"])


@needs_specs
def test_sarif_uris_are_relative_to_sarif_root_and_fingerprints_stable(tmp_path):
    _, from_root = sarif_of("fixtures/html")
    _, from_elsewhere = sarif_of(FIXTURES / "html", "--sarif-root", ROOT, cwd=tmp_path)
    _, absolute = sarif_of(FIXTURES / "html")

    def keyed(log):
        return [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                 r["partialFingerprints"]) for r in log["runs"][0]["results"]]

    assert keyed(from_root) == keyed(from_elsewhere) == keyed(absolute)
    assert all(uri.startswith("fixtures/html/") for _, uri, _ in keyed(from_root))


def test_fingerprints_ignore_line_numbers(tmp_path):
    page = tmp_path / "page.html"
    original = (FIXTURES / "html" / "qc-2016-credit-missing.html").read_bytes()
    page.write_bytes(original)
    _, before = sarif_of(page, "--sarif-root", tmp_path)
    page.write_bytes(b"\n\n\n" + original)  # the same findings, lines moved down
    _, after = sarif_of(page, "--sarif-root", tmp_path)
    lines = [[r["locations"][0]["physicalLocation"]["region"]["startLine"]
              for r in log["runs"][0]["results"]] for log in (before, after)]
    assert lines[0] != lines[1]
    prints = [sorted(v for r in log["runs"][0]["results"] for v in r["partialFingerprints"].values())
              for log in (before, after)]
    assert prints[0] == prints[1] and prints[0]


@needs_specs
def test_sarif_notes_each_unreadable_input(tmp_path):
    (tmp_path / "a.txt").write_bytes(DEFECTIVE)
    code, log = sarif_of(tmp_path / "a.txt", tmp_path / "missing.html", "--sarif-root", tmp_path)
    assert code == 3
    assert oasis_errors(log) == []
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert len(notes) == 1 and "missing.html" in notes[0]["message"]["text"]
    assert log["runs"][0]["results"]  # the readable input's findings are still there


@needs_specs
def test_junit_is_valid_for_jenkins_and_ant_schemas():
    proc = run("check", FIXTURES, "-f", "junit", "--progress", "never")
    assert proc.returncode == 1
    doc = etree.fromstring(proc.stdout)
    for xsd in ("jenkins-junit-10.xsd", "windyroad-JUnit.xsd"):
        schema = etree.XMLSchema(etree.parse(str(SPECS / xsd)))
        assert schema.validate(doc), (xsd, str(schema.error_log.last_error))
    suite = doc.find("testsuite")
    assert int(suite.get("tests")) == len(doc.findall(".//testcase")) >= 50
    assert int(suite.get("failures")) == len(doc.findall(".//failure")) > 0
    assert "warning" in suite.find("system-out").text  # warnings: the suite's system-out


def test_gitlab_code_quality_report_has_the_documented_fields():
    proc = run("check", FIXTURES, "-f", "gitlab", "--progress", "never")
    assert proc.returncode == 1
    issues = json.loads(proc.stdout)
    assert len(issues) >= 40
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert not issue["location"]["path"].startswith("/") and "#" not in issue["location"]["path"]
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_github_annotations_worst_first_and_job_summary(tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    proc = run("check", FIXTURES, "-f", "github", "--progress", "never",
               env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1
    lines = proc.stdout.decode().splitlines()
    levels = [line.split(" ", 1)[0] for line in lines]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)
    assert levels.count("::error") > 10 and "19 more errors" in lines[-1]
    warc = [line for line in lines if ".warc.gz" in line]
    assert warc and all("#" not in line.split("::")[1] and ",line=" not in line for line in warc)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, not replaced
    assert "## archivekit check" in text and "| `banner.missing` |" in text
    assert "### Failing articles" in text and "au-2016-headline-missing.html" in text


def test_no_article_found_is_exit_3_unless_allow_empty(tmp_path):
    empty = tmp_path / "dump"
    empty.mkdir()
    (empty / "notes.md").write_text("not an article\n")
    proc = run("check", empty)
    assert proc.returncode == 3
    assert f"no articles found in {empty}" in proc.stderr.decode()
    assert run("check", empty, "--allow-empty").returncode == 0
    proc = run("check", empty, "-f", "sarif")  # the report is still complete
    assert proc.returncode == 3 and json.loads(proc.stdout)["runs"][0]["results"] == []


# --- a hostile file name ---------------------------------------------------------------

@pytest.fixture()
def hostile(tmp_path) -> Path:
    try:
        (tmp_path / os.fsdecode(HOSTILE)).write_bytes(DEFECTIVE)
    except (OSError, UnicodeError) as exc:  # pragma: no cover - a file system that refuses it
        pytest.skip(f"cannot create the hostile name here: {exc}")
    return tmp_path


def hostile_run(directory: Path, fmt: str, **kw) -> bytes:
    proc = run("check", directory, "-f", fmt, "--progress", "never", "--sarif-root", directory, **kw)
    assert proc.returncode == 1, proc.stderr
    proc.stdout.decode("utf-8")  # valid UTF-8 in every format
    return proc.stdout


@needs_specs
def test_hostile_name_in_sarif_and_gitlab(hostile):
    log = json.loads(hostile_run(hostile, "sarif"))
    assert oasis_errors(log) == [] and github_requirements(log) == []
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote_to_bytes(uri) == HOSTILE  # the real bytes, percent-encoded
    issues = json.loads(hostile_run(hostile, "gitlab"))
    assert all("\n" not in i["location"]["path"] and "\x1b" not in i["location"]["path"] for i in issues)


@needs_specs
def test_hostile_name_in_junit(hostile):
    doc = etree.fromstring(hostile_run(hostile, "junit"))
    for xsd in ("jenkins-junit-10.xsd", "windyroad-JUnit.xsd"):
        schema = etree.XMLSchema(etree.parse(str(SPECS / xsd)))
        assert schema.validate(doc), (xsd, str(schema.error_log.last_error))


def test_hostile_name_cannot_forge_annotations(hostile):
    for fmt in ("text", "github"):
        out = hostile_run(hostile, fmt).decode("utf-8")
        assert "\x1b" not in out and "\r" not in out
        commands = [line for line in out.splitlines() if line.startswith("::")]
        if fmt == "text":
            assert commands == [], commands
        else:
            assert not any(line.startswith("::error file=forged") for line in commands)
            assert all(re.match(r"::(error|warning|notice) ", line) for line in out.splitlines())


def test_hostile_name_in_json_and_html(hostile):
    for line in hostile_run(hostile, "json").decode("utf-8").splitlines():
        json.loads(line)
    page = hostile_run(hostile, "html").decode("utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", page)  # no control characters
    import lxml.html

    shown = lxml.html.document_fromstring(page).text_content()
    assert "x\\x0a::error file=forged.txt,line=1::forged\\x1b[2J, #7 \\xff.txt" in shown
