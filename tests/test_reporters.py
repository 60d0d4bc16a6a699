"""Every report format, read back by an independent parser (XML, SARIF schema, NDJSON)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

VALID = """This article exists as part of the online archive for HuffPost Australia, which closed in 2021.

Harbour Ferry Timetable Rewritten After Commuter Survey

Harbour Ferry Timetable Rewritten After Commuter Survey

Transport officials on Monday published a new ferry timetable after a survey of commuters, Reuters reported.

The changes add an early service on weekdays and move the last sailing to midnight.

Passengers wait at the wharf on a rainy morning.
Lena Ortiz / Reuters
Passengers wait at the wharf on a rainy morning.
Close
This article exists as part of the online archive for HuffPost Australia. Certain site features have been disabled.
"""

# No banner (so no profile either), and an image without credit: two errors and two
# warnings with the uncaptioned image.
DEFECTIVE = """Council Approves Rooftop Garden Plan

Council Approves Rooftop Garden Plan

The council voted on Tuesday to approve rooftop gardens on three libraries, AAP reported.

A rooftop planted with herbs.
A rooftop planted with herbs.
Close
Mira Tan via Getty Images
Close
This article exists as part of the online archive for HuffPost Australia. Certain site features have been disabled.
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "archivekit", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture()
def collection(tmp_path: Path) -> Path:
    root = tmp_path / "collection"
    root.mkdir()
    (root / "good.txt").write_text(VALID, encoding="utf-8")
    (root / "bad, one.txt").write_text(DEFECTIVE, encoding="utf-8")
    return root


def test_json_lines_carry_the_documented_fields(collection: Path) -> None:
    proc = run("check", str(collection), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [Path(r["path"]).name for r in results] == ["bad, one.txt", "good.txt"]
    for r in results:
        assert set(r) >= {"path", "uri", "profile", "valid", "findings", "fingerprint"}
        assert set(r["fingerprint"]) >= {"sha256", "content_sha256"}
    bad, good = results
    assert good["valid"] is True and good["findings"] == []
    assert bad["valid"] is False
    rules = {(f["rule"], f["severity"], f["pointer"]) for f in bad["findings"]}
    assert rules == {("banner.missing", "error", "/banner"),
                     ("profile.unknown", "warning", "/profile"),
                     ("image.credit.missing", "error", "/images/0/credit"),
                     ("image.caption.missing", "warning", "/images/1/caption")}
    assert all(isinstance(f["line"], int) for f in bad["findings"] if f["rule"].startswith("image"))


def test_junit_has_one_testcase_per_article(collection: Path) -> None:
    proc = run("check", str(collection), "--format", "junit")
    assert proc.returncode == 1
    root = etree.fromstring(proc.stdout.encode("utf-8"))
    cases = root.findall(".//testcase")
    assert len(cases) == 2
    assert {c.get("classname") for c in cases} == {str(collection)}
    failed = [c for c in cases if c.find("failure") is not None]
    assert [Path(c.get("name")).name for c in failed] == ["bad, one.txt"]
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


def _sarif_schema(cache: Path) -> dict:
    """The SARIF 2.1.0 schema, from an npm package that ships it (MIT licensed)."""
    override = os.environ.get("ARCHIVEKIT_SARIF_SCHEMA")
    if override:
        return json.loads(Path(override).read_text(encoding="utf-8"))
    target = cache / "sarif-2.1.0-rtm.5.json"
    if not target.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("SARIF schema unavailable: npm is not installed to fetch it")
        cache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([npm, "pack", "@microsoft/jest-sarif@1.0.0-beta.0", "--silent"],
                              cwd=cache, capture_output=True, text=True, timeout=120)
        tarballs = list(cache.glob("microsoft-jest-sarif-*.tgz"))
        if proc.returncode != 0 or not tarballs:
            pytest.skip(f"SARIF schema unavailable: npm pack failed: {proc.stderr.strip()[:200]}")
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile("package/lib/schemas/sarif-2.1.0-rtm.5.json")
            target.write_bytes(member.read())
    return json.loads(target.read_text(encoding="utf-8"))


def test_sarif_validates_against_the_sarif_schema(collection: Path, pytestconfig) -> None:
    proc = run("check", str(collection), "--format", "sarif")
    assert proc.returncode == 1
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0"
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"banner.missing", "image.credit.missing",
                                             "image.caption.missing", "profile.unknown"}
    credit = next(r for r in results if r["ruleId"] == "image.credit.missing")
    assert credit["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    rule_ids = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"banner.missing", "image.credit.malformed", "date.after_closure"} <= rule_ids
    cache = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache_dir = Path(cache.mkdir("sarif-schema")) if cache else \
        Path(tempfile.gettempdir()) / "archivekit-sarif-schema"
    schema = _sarif_schema(cache_dir)
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))
    assert errors == [], [e.message for e in errors[:3]]


def test_github_annotations_escape_properties(collection: Path) -> None:
    proc = run("check", str(collection), "--format", "github")
    lines = proc.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 2
    # The comma in the file name is escaped so the runner does not split on it.
    assert all("bad%2C one.txt" in line for line in errors)
    assert any(line.startswith("::warning ") and "title=image.caption.missing" in line
               for line in lines)


def test_text_report_groups_by_file_without_colour_off_a_terminal(collection: Path) -> None:
    proc = run("check", str(collection))
    assert "\x1b[" not in proc.stdout
    assert "good.txt: ok" in proc.stdout
    assert "banner.missing" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("2 articles: 1 valid, 1 with errors")


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    page = tmp_path / "warn.txt"
    page.write_text(VALID.replace("Lena Ortiz / Reuters", "courtesy of the ferry operator"),
                    encoding="utf-8")
    # A credit that fits no known form is a warning (image.credit.malformed).
    assert run("check", str(page)).returncode == 0
    assert run("check", str(page), "--strict").returncode == 1


def test_every_registered_format_is_a_cli_format_and_a_reporter():
    import io

    from archivekit.cli.common import Format
    from archivekit.report import FORMATS, REPORTER_BY_NAME, make_reporter
    from archivekit.report.base import Reporter, Summary

    assert [f.value for f in Format] == list(FORMATS) == list(REPORTER_BY_NAME)
    for name in FORMATS:
        stream = io.StringIO()
        reporter = make_reporter(name, stream)
        assert isinstance(reporter, Reporter)
        reporter.finish(Summary())


def test_html_format_writes_the_report_page(run_cli):
    from conftest import FIXTURES

    proc = run_cli("check", FIXTURES / "html", "-f", "html", "-q")
    assert proc.returncode == 1
    assert proc.stdout.startswith("<!DOCTYPE html>") and "banner.missing" in proc.stdout
