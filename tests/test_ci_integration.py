"""The integration files hold commands that work: the pre-commit hook, the composite
action and every snippet of docs/ci.md are parsed (YAML) and their commands run on the
fixtures, with an ``archivekit`` on PATH that is this checkout."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT
from lxml import etree

BASH = "/bin/bash"
needs_bash = pytest.mark.skipif(not os.path.exists(BASH), reason="needs bash")


@pytest.fixture()
def shell_env(tmp_path) -> dict[str, str]:
    """An environment whose ``archivekit`` runs this checkout's code."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "archivekit"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m archivekit "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", PYTHONPATH=str(ROOT), NO_COLOR="1")
    return env


def bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([BASH, "-c", script], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def doc_blocks() -> list[dict]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_pre_commit_hook_runs_on_the_fixtures(shell_env):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "archivekit-check")
    assert hook["language"] == "python" and hook["entry"].startswith("archivekit check")
    # pre-commit passes the staged files its `files` pattern matches.
    pattern = re.compile(hook["files"])
    files = sorted(str(p.relative_to(ROOT)) for p in FIXTURES.rglob("*") if p.is_file()
                   and pattern.search(str(p.relative_to(ROOT))))
    assert any(f.endswith(".html") for f in files) and any(f.endswith(".txt") for f in files)
    assert not any(f.endswith((".py", ".json", ".md", ".gz")) for f in files)
    valid = [f for f in files if f.startswith("fixtures/html/") and f.endswith("-valid.html")]
    proc = subprocess.run([*shlex.split(hook["entry"]), *valid], env=shell_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([*shlex.split(hook["entry"]), *files], env=shell_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "banner.missing" in proc.stdout  # a failing commit


@needs_bash
def test_action_check_step_writes_sarif_and_its_exit_code(shell_env, tmp_path):
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    check = next(s for s in steps if s.get("id") == "check")
    assert "${{" not in check["run"]  # inputs come in through env, not pasted into the script
    out = tmp_path / "github_output"
    env = {**shell_env, "GITHUB_OUTPUT": str(out), "AK_PATHS": f"{FIXTURES / 'html'} {FIXTURES / 'text'}",
           "AK_ARGS": "--jobs 1"}
    proc = bash(check["run"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr  # the step itself passes; the last step fails
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["exit-code"] == "1" and outputs["sarif"] == "archivekit.sarif"
    log = json.loads((tmp_path / outputs["sarif"]).read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    fail = steps[-1]
    assert bash(fail["run"], {**shell_env, "AK_CODE": outputs["exit-code"]}, tmp_path).returncode == 1


def test_docs_github_workflows_parse_and_use_the_action():
    workflows = [b for b in doc_blocks() if "jobs" in b]
    assert len(workflows) == 2
    for wf in workflows:
        assert wf["permissions"]["security-events"] == "write"
    uses = [s.get("uses", "") for wf in workflows for job in wf["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("archivekit/archivekit@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


@needs_bash
def test_docs_github_steps_run_on_the_fixtures(shell_env, tmp_path):
    wf = next(b for b in doc_blocks() if "jobs" in b and "env" in next(iter(b["jobs"].values())))
    job = next(iter(wf["jobs"].values()))
    summary = tmp_path / "summary.md"
    env = {**shell_env, **job["env"], "ARCHIVE_DIR": str(FIXTURES), "GITHUB_STEP_SUMMARY": str(summary)}
    runs = [s["run"] for s in job["steps"] if "run" in s and not s["run"].startswith("pip ")]
    assert len(runs) == 2
    assert bash(runs[0], env, tmp_path).returncode == 0  # `|| true`: the upload still runs
    assert json.loads((tmp_path / "archivekit.sarif").read_text())["runs"][0]["results"]
    gate = bash(runs[1], env, tmp_path)
    assert gate.returncode == 1 and gate.stdout.startswith("::error ")
    assert "## archivekit check" in summary.read_text()


@needs_bash
def test_docs_gitlab_job_writes_both_reports(shell_env, tmp_path):
    block = next(b for b in doc_blocks() if "archivekit" in b and "script" in b["archivekit"])
    job = block["archivekit"]
    reports = job["artifacts"]["reports"]
    assert set(reports) == {"codequality", "junit"} and job["artifacts"]["when"] == "always"
    env = {**shell_env, **job["variables"], "ARCHIVE_DIR": str(FIXTURES)}
    codes = [bash(line, env, tmp_path).returncode for line in job["script"]
             if not line.startswith("pip ")]
    assert codes == [0, 1]  # junit's `|| true`, then the gate's findings fail the job
    issues = json.loads((tmp_path / reports["codequality"]).read_text())
    assert issues and {"description", "check_name", "fingerprint", "severity", "location"} <= set(issues[0])
    assert etree.parse(str(tmp_path / reports["junit"])).getroot().tag == "testsuites"


def test_docs_pre_commit_config_names_the_hook():
    config = next(b for b in doc_blocks() if "repos" in b)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    ids = {h["id"] for h in hooks}
    used = [h for repo in config["repos"] for h in repo["hooks"]]
    assert used and all(h["id"] in ids for h in used)
    args = [a.replace("profiles/", str(FIXTURES / "profiles")) for a in used[0].get("args", [])]
    entry = shlex.split(next(h["entry"] for h in hooks if h["id"] == used[0]["id"]))
    proc = subprocess.run([sys.executable, "-m", "archivekit", *entry[1:], *args,
                           str(FIXTURES / "courier" / "courier-2019-valid.html")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
