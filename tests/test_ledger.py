"""The SQLite ledger: refusal of foreign files, migrations, two writers, kill -9."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_verify import build_collection, make_article

from archivekit import ledger as ledger_mod
from archivekit.ledger import SCHEMA_VERSION, Ledger, LedgerError

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "archivekit", *map(str, args)]


def _assert_refused(run_cli, coll: Path, ledger: Path, words: str) -> None:
    before = ledger.read_bytes()
    for verb in ("fingerprint", "verify"):
        proc = run_cli(verb, coll, "--ledger", ledger)
        assert proc.returncode == 3, (verb, proc.stdout, proc.stderr)
        assert proc.stderr.startswith("archivekit: error:") and words in proc.stderr
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert ledger.read_bytes() == before
    assert not Path(f"{ledger}-wal").exists()


def test_not_sqlite_is_refused_untouched(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 1)
    ledger = tmp_path / "notes.db"
    ledger.write_bytes(b"these are my notes, not a database\n" * 20)
    _assert_refused(run_cli, coll, ledger, "not an SQLite database")


def test_newer_schema_is_refused_untouched(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 1)
    ledger = tmp_path / "future.db"
    db = sqlite3.connect(ledger)
    db.execute("CREATE TABLE objects (path TEXT)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    _assert_refused(run_cli, coll, ledger, "newer")


def test_foreign_sqlite_database_is_refused(tmp_path):
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.commit()
    db.close()
    before = other.read_bytes()
    with pytest.raises(LedgerError, match="not an archivekit ledger"):
        Ledger(other)
    assert other.read_bytes() == before


def test_new_ledger_is_wal_and_versioned(tmp_path):
    with Ledger(tmp_path / "l.db") as book:
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert book.count() == 0


def test_migration_path_upgrades_in_place(tmp_path, monkeypatch):
    coll = build_collection(tmp_path / "coll", 2)
    path = tmp_path / "l.db"
    from test_verify import fingerprint_in_process

    fingerprint_in_process(coll, path)
    # A future schema version 2, with its migration step: the ledger upgrades in place
    # and keeps its data.
    monkeypatch.setattr(ledger_mod.schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(ledger_mod.MIGRATIONS, SCHEMA_VERSION,
                        "ALTER TABLE objects ADD COLUMN note TEXT")
    with Ledger(path) as book:
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert book.count() == 2
        columns = [r[1] for r in book.db.execute("PRAGMA table_info(objects)")]
        assert "note" in columns


def _consistent(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # Every fingerprinted object has its digest event (they are written in one transaction).
    orphans = db.execute(
        "SELECT count(*) FROM objects o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE "
        "e.path = o.path AND e.event_type = 'message digest calculation' AND e.run_id = o.run_id)"
    ).fetchone()[0]
    assert orphans == 0
    return db


def test_two_processes_writing_at_once(tmp_path):
    coll = build_collection(tmp_path / "coll", 150)
    ledger = tmp_path / "shared.db"
    procs = [subprocess.Popen(_cli("fingerprint", coll, "--ledger", ledger, "-f", "json"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
    db = _consistent(ledger)
    assert db.execute("SELECT count(*) FROM objects").fetchone()[0] == 150
    assert db.execute("SELECT count(*) FROM events WHERE event_type = "
                      "'message digest calculation'").fetchone()[0] == 300
    assert db.execute("SELECT count(*), min(status) FROM runs").fetchone() == (2, "complete")


def test_kill_9_during_fingerprint_then_next_run_completes(tmp_path):
    coll = tmp_path / "big"
    coll.mkdir()
    template = make_article(7, paragraphs=2)
    count = 3000
    for i in range(count):
        # Small distinct articles: a number in the headline makes each one unique.
        (coll / f"n{i:05}.txt").write_text(template.replace("\n\n", f"\n\nItem {i} ", 1))
    ledger = tmp_path / "k.db"
    proc = subprocess.Popen(_cli("fingerprint", coll, "--ledger", ledger, "-f", "json"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            probe = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1)
            committed = probe.execute("SELECT count(*) FROM objects").fetchone()[0]
            probe.close()
        except sqlite3.Error:
            continue
        if committed:
            break
    assert proc.poll() is None, "fingerprint finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    db = _consistent(ledger)
    done = db.execute("SELECT count(*) FROM objects").fetchone()[0]
    assert 0 < done < count
    assert db.execute("SELECT status FROM runs").fetchall() == [("running",)]
    db.close()

    again = subprocess.run(_cli("fingerprint", coll, "--ledger", ledger, "-f", "json"),
                           capture_output=True, cwd=ROOT, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.decode().count("\n") == count
    db = _consistent(ledger)
    assert db.execute("SELECT count(*) FROM objects").fetchone()[0] == count
    assert db.execute("SELECT status FROM runs ORDER BY id").fetchall() == \
        [("running",), ("complete",)]


def _open_and_write(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        with Ledger(path) as book:
            book.finish_run(book.begin_run("fingerprint", "/x"))
        results.put(None)
    except Exception as exc:  # noqa: BLE001 - the failure is the answer
        results.put(repr(exc))


def test_many_processes_opening_a_new_ledger_at_once(tmp_path):
    """Six processes open one new ledger at the same moment, 60 times: the switch to WAL
    (which SQLite can refuse at once, without the busy wait) is retried, so none fails
    (2 of 80 rounds failed before)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures = []
    for round_ in range(60):
        path = str(tmp_path / f"l{round_}.db")
        barrier, results = context.Barrier(6), context.Queue()
        procs = [context.Process(target=_open_and_write, args=(path, barrier, results))
                 for _ in range(6)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(60)
        failures += [r for r in (results.get(timeout=10) for _ in procs) if r]
    assert failures == []
    with Ledger(str(tmp_path / "l0.db")) as book:
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
