"""verify on the process pool: the same report for --jobs 1 and 2 over a collection changed
in every way, fixity events for every article, and progress on stderr."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_verify import build_collection, change_in_every_way, fingerprint_in_process, json_results


def _categories(stdout: str) -> dict[str, tuple[list[str], list[str]]]:
    return {Path(p).name: (r["fingerprint"]["categories"], r["fingerprint"].get("fields", []))
            for p, r in json_results(stdout).items()}


def test_jobs_1_and_2_identical_json_over_every_change(tmp_path, run_cli):
    # 70 articles: several shards of 32, so both workers read some of them.
    coll = build_collection(tmp_path / "coll", 70)
    ledger = tmp_path / "fixity.db"
    fingerprint_in_process(coll, ledger)
    chmod_done = change_in_every_way(coll, tmp_path)

    runs = {}
    for jobs in (1, 2):
        proc = run_cli("verify", coll, "--ledger", ledger, "-f", "json", "--follow-symlinks",
                       "--jobs", jobs, "--progress", "never")
        assert "Traceback" not in proc.stderr, proc.stderr
        runs[jobs] = (proc.returncode, proc.stdout)
    assert runs[2] == runs[1]

    code, stdout = runs[1]
    assert code == 3  # the unreadable article
    got = _categories(stdout)
    assert len(got) == 70 + 3  # two new paths, one rename (counted once), one missing
    changed = {name: value for name, value in got.items() if value != (["unchanged"], [])}
    assert changed == {
        "a00.txt": (["changed"], ["images/0/credit"]),
        "a01.txt": (["changed"], []),
        "a02.txt": (["missing"], []),
        "zz-new.txt": (["new"], []),
        "renamed.txt": (["moved"], []),
        "copy-of-4.txt": (["duplicate"], []),
        "near-copy-of-5.txt": (["near_duplicate"], []),
        "a06.txt": (["unreadable"], []),
        "a07.txt": (["changed"], ["headline", "body"]),
        **({"a08.txt": (["unreadable"], [])} if chmod_done else {}),
    }

    # Each run recorded a fixity event per article, written by the parent.
    with sqlite3.connect(ledger) as db:
        per_run = db.execute("SELECT count(*) FROM events WHERE event_type = 'fixity check' "
                             "GROUP BY run_id ORDER BY run_id").fetchall()
        statuses = db.execute("SELECT status FROM runs WHERE verb = 'verify'").fetchall()
    assert per_run == [(len(got),), (len(got),)]
    assert statuses == [("complete",), ("complete",)]


def test_library_pool_matches_one_process(tmp_path):
    from archivekit.checker import Checker
    from archivekit.ledger import Ledger
    from archivekit.verify import VerifyOptions, verify_paths

    coll = build_collection(tmp_path / "coll", 40)
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    change_in_every_way(coll, tmp_path)
    out = {}
    for jobs in (1, 2):
        with Ledger(ledger, create=False) as book:
            out[jobs] = [r.to_dict() for r in verify_paths(
                [str(coll)], book, Checker(keep_record=True),
                VerifyOptions(jobs=jobs, follow_symlinks=True, record_events=False))]
    assert out[2] == out[1]
    assert {r["fingerprint"]["category"] for r in out[1]} >= {
        "unchanged", "changed", "missing", "new", "moved", "duplicate", "near_duplicate",
        "unreadable"}


def test_progress_lines_off_with_never_and_quiet(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 6)
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    (coll / "a00.txt").unlink()
    # --progress always: auto logs no lines for a run this short (issue 13).
    shown = run_cli("verify", coll, "--ledger", ledger, "-j", "2", "--progress", "always")
    assert shown.returncode == 1, shown.stderr
    lines = [line for line in shown.stderr.splitlines() if "verifying" in line]
    assert lines and lines[-1].startswith("archivekit: verifying 5/5 articles (100%)")
    assert "verifying" not in shown.stdout  # the report alone on stdout
    for flag in ("--quiet", "--progress=never"):
        silent = run_cli("verify", coll, "--ledger", ledger, "-j", "2", flag)
        assert silent.returncode == 1
        assert silent.stderr == "" and silent.stdout == shown.stdout
