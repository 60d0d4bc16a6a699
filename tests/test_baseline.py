"""--write-baseline then --baseline: known findings reported as known and not failing."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES

from archivekit.baseline import Baseline, BaselineError, apply_baseline
from archivekit.record import Finding, Result


@pytest.fixture
def dump(tmp_path):
    root = tmp_path / "dump"
    shutil.copytree(FIXTURES / "html", root / "html")
    shutil.copytree(FIXTURES / "text", root / "text")
    return root


def test_round_trip_then_a_new_finding_fails(run_cli, dump, tmp_path):
    before = run_cli("check", dump, "-f", "json", "--progress", "never")
    assert before.returncode == 1  # the fixtures hold defective articles
    failing = [json.loads(line) for line in before.stdout.splitlines()]
    total = sum(len(r["findings"]) for r in failing)

    base = tmp_path / "known.json"
    written = run_cli("check", dump, "-f", "json", "--progress", "never", "--write-baseline", base)
    assert written.returncode == 0, written.stderr
    data = json.loads(base.read_text())
    assert data["archivekit_baseline"] == 1
    assert sum(item["count"] for item in data["findings"]) == total
    assert not list(tmp_path.glob(".known.json.*"))  # no temporary left behind

    again = run_cli("check", dump, "-f", "json", "--progress", "never", "--baseline", base)
    assert again.returncode == 0, again.stdout
    results = [json.loads(line) for line in again.stdout.splitlines()]
    assert all(r["findings"] == [] for r in results)
    assert sum(len(r.get("known_findings", [])) for r in results) == total
    text = run_cli("check", dump, "--progress", "never", "--baseline", base)
    assert f"{total} known from the baseline" in text.stdout

    # A new defective article is not in the baseline: it alone fails the run.
    defective = next(r["path"] for r in failing if not r["valid"])
    shutil.copy(defective, dump / "html" / "zz-new-defect.html")
    new = run_cli("check", dump, "-f", "json", "--progress", "never", "--baseline", base)
    assert new.returncode == 1
    failed = [json.loads(line)["path"] for line in new.stdout.splitlines()
              if json.loads(line)["findings"]]
    assert failed == [str(dump / "html" / "zz-new-defect.html")]


def test_bad_baseline_file_is_a_one_line_error(run_cli, dump, tmp_path):
    for content in ("not json", '{"something": "else"}'):
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        proc = run_cli("check", dump, "--baseline", bad)
        assert proc.returncode == 3
        assert proc.stderr.startswith("archivekit: error:") and "Traceback" not in proc.stderr
    missing = run_cli("check", dump, "--baseline", tmp_path / "nope.json")
    assert missing.returncode == 3 and "cannot read baseline" in missing.stderr


def _result(path, *rules, uri=None):
    return Result(path=path, uri=uri, profile=None,
                  findings=[Finding(rule, "error", "m", "/x") for rule in rules])


def test_counts_are_a_multiset_and_warc_places_use_the_uri(tmp_path):
    recorder = Baseline()
    list(apply_baseline([_result("a.html", "r", "r"), _result("d.warc.gz#100", "r", uri="u")],
                        writer=recorder))
    recorder.write(tmp_path / "b.json")
    known = Baseline.load(tmp_path / "b.json")
    assert known.entries[("d.warc.gz#u", "r", "/x")] == 1
    # three findings where the baseline knew two: one stays new
    out = known.apply(_result("a.html", "r", "r", "r"))
    assert len(out.known) == 2 and len(out.findings) == 1
    # the WARC rewritten: same URI at another offset is still known
    assert not known.apply(_result("d.warc.gz#999", "r", uri="u")).findings
    with pytest.raises(BaselineError):
        (tmp_path / "c.json").write_text('{"archivekit_baseline": 1, "findings": [{}]}')
        Baseline.load(tmp_path / "c.json")
