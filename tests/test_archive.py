"""`archivekit archive`: check + fingerprint + export + report in one pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, run_archivekit


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    shutil.copytree(FIXTURES / "html", root / "coll" / "html")
    shutil.copytree(FIXTURES / "text", root / "coll" / "text")
    proc = run_archivekit("archive", "coll", "-o", "out", "--date", "2024-05-01", "-f", "json",
                          "--bag", cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    check = run_archivekit("check", "coll", "-f", "json", cwd=root)
    return root, proc, check


def test_exit_code_and_stdout_match_check(job):
    _, proc, check = job
    assert proc.returncode == check.returncode == 1
    ours = [json.loads(line) for line in proc.stdout.splitlines()]
    theirs = [json.loads(line) for line in check.stdout.splitlines()]
    assert [(r["path"], r["valid"], [f["rule"] for f in r["findings"]]) for r in ours] == \
        [(r["path"], r["valid"], [f["rule"] for f in r["findings"]]) for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        for key in ("sha256", "content_sha256"):
            assert a["fingerprint"].get(key) == b["fingerprint"].get(key)
        if "content_sha256" in a["fingerprint"]:
            assert len(a["fingerprint"]["simhash"]) == 16


def test_report_file_and_summary(job):
    root, proc, check = job
    out = root / "out"
    report = [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
    assert report == [json.loads(line) for line in proc.stdout.splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["articles"] == len(report)
    assert summary["valid"] == sum(r["valid"] for r in report)
    assert summary["exported"] == len(report)
    rules = {}
    for r in report:
        for f in r["findings"]:
            rules[f["rule"]] = rules.get(f["rule"], 0) + 1
    assert summary["by_rule"] == rules
    assert summary["outputs"]["warc"] == [
        str(p.relative_to(out)) for p in sorted((out / "warc").glob("*.warc.gz"))]


def test_default_outputs_warc_and_jsonld(job):
    root, _, _ = job
    out = root / "out"
    assert [p.name for p in (out / "warc").glob("*.warc.gz")] == \
        ["archivekit-20240501000000-00000.warc.gz"]
    assert (out / "jsonld" / "collection.jsonld").exists()
    assert (out / "jsonld" / "articles.ndjson").exists()
    assert not list(out.rglob("*.open"))
    assert run_archivekit("warc-check", *sorted((out / "warc").glob("*.warc.gz"))).returncode == 0


def test_bag_of_the_inputs_validates_with_bagit(job):
    bagit = pytest.importorskip("bagit")
    root, _, _ = job
    bag = bagit.Bag(str(root / "out" / "bag"))
    bag.validate()
    names = {Path(p).name for p in bag.payload_files()}
    assert names == {p.name for p in (root / "coll").rglob("*") if p.is_file()}


def test_missing_input_is_exit_3_without_traceback(tmp_path):
    proc = run_archivekit("archive", str(tmp_path / "nope"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 3 and "Traceback" not in proc.stderr


def test_export_needs_an_output_kind(tmp_path):
    proc = run_archivekit("export", str(FIXTURES / "html"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "archivekit: error:" in proc.stderr
