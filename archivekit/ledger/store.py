"""The ledger's store: :class:`Ledger` (runs, objects, events) and :class:`StoredObject`."""

from __future__ import annotations

import functools
import inspect
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from archivekit import __version__
from archivekit.dates import utc_now
from archivekit.ledger.schema import LedgerError, check_file, connect_readonly, migrate

DEFAULT_LEDGER = "archivekit.db"
AGENT = f"archivekit {__version__}"
# Event types, from the PREMIS event type vocabulary (id.loc.gov/vocabulary/preservation/eventType).
EVENT_DIGEST = "message digest calculation"
EVENT_VALIDATION = "validation"
EVENT_FIXITY = "fixity check"


@dataclass(slots=True)
class StoredObject:
    path: str
    size: int
    digests: dict[str, str]
    content_sha256: str | None
    fields: dict[str, str]
    simhash: int | None
    uri: str | None
    profile: str | None

    @classmethod
    def from_row(cls, row: tuple) -> StoredObject:
        path, size, digests, content, fields, simhash, uri, profile = row
        try:
            out = cls(path, size, json.loads(digests), content, json.loads(fields or "{}"),
                      int(simhash, 16) if simhash else None, uri, profile)
        except (ValueError, TypeError, RecursionError) as exc:
            raise LedgerError(f"a corrupt row for {path!r}: {type(exc).__name__}: "
                              f"{str(exc)[:200]}") from None
        if not isinstance(out.digests, dict) or not isinstance(out.fields, dict) or \
                not all(isinstance(v, str) for v in (*out.digests.values(), *out.fields.values())):
            raise LedgerError(f"a corrupt row for {path!r}: digests or fields are not "
                              "objects of strings")
        return out


def _sqlite_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _guarded(method):
    """Any SQLite error (a page corrupted mid-file, a read-only or full disk, a lock) or a
    hostile row after the open: a :class:`LedgerError` (one line, exit 3), never a traceback."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise LedgerError(f"{self.path}: ledger error: {_sqlite_message(exc)}") from None
            except LedgerError as exc:
                raise LedgerError(f"{self.path}: {exc}") from None
        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: ledger error: {_sqlite_message(exc)}") from None
        except (ValueError, TypeError, RecursionError) as exc:  # json.loads of a hostile column
            raise LedgerError(f"{self.path}: a corrupt row: {type(exc).__name__}: "
                              f"{str(exc)[:200]}") from None
    return wrapper


_OBJECT_COLUMNS = "path, size, digests, content_sha256, fields, simhash, uri, profile"


def temp_files_beside(db: sqlite3.Connection, path: str) -> None:
    """SQLite's temporary files (statement journals, spilled sorts, verify's temp tables)
    in the ledger's own directory, not ``/var/tmp``: nothing is opened outside the
    ledger's place, and a large spill goes to the disk the ledger is on. SQLite creates
    them ``O_EXCL | O_NOFOLLOW`` and unlinks them at once; where that directory is not
    writable (read-only media) it falls back to its usual ones."""
    folder = os.path.dirname(os.path.abspath(path))
    quoted = folder.replace("'", "''")
    try:
        db.execute(f"PRAGMA temp_store_directory = '{quoted}'")
    except sqlite3.Error:  # a build without the (deprecated) pragma: SQLite's default
        pass


def _set_wal(db: sqlite3.Connection, timeout: float) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another process holds the file: the
    switch out of a rollback journal (a new ledger two runs open at once) can answer
    "database is locked" at once, without the busy timeout's wait."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


class Ledger:
    """An open ledger. Use as a context manager; :meth:`close` when done."""

    def __init__(self, path: str | os.PathLike = DEFAULT_LEDGER, *, timeout: float = 60.0,
                 create: bool = True, readonly: bool = False):
        self.path = os.fspath(path)
        check_file(self.path, create and not readonly)
        try:
            if readonly:
                # A reader beside the run that writes (e.g. a pool worker of verify): no
                # migration, no pragma that writes; WAL lets it read while the writer writes.
                self.db = connect_readonly(self.path, timeout=timeout, isolation_level=None,
                                           check_same_thread=False)
                self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                temp_files_beside(self.db, self.path)
                return
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            temp_files_beside(self.db, self.path)
            migrate(self.db, self.path, self.transaction)
            _set_wal(self.db, timeout)
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: cannot open the ledger: {_sqlite_message(exc)}") from None

    def transaction(self) -> _Transaction:
        return _Transaction(self.db, self.path)

    # -- runs -----------------------------------------------------------------------------
    @_guarded
    def begin_run(self, verb: str, root: str | None, args: list[str] | None = None) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs (verb, agent, root, args, started, status) "
                "VALUES (?, ?, ?, ?, ?, 'running')",
                (verb, AGENT, root, json.dumps(args or []), utc_now()))
        return cur.lastrowid

    @_guarded
    def finish_run(self, run_id: int, status: str = "complete") -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?",
                            (utc_now(), status, run_id))

    # -- reads ----------------------------------------------------------------------------
    @_guarded
    def get(self, path: str) -> StoredObject | None:
        row = self.db.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE path = ?",
                              (path,)).fetchone()
        return StoredObject.from_row(row) if row else None

    @_guarded
    def objects(self) -> Iterator[StoredObject]:
        for row in self.db.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects ORDER BY path"):
            yield StoredObject.from_row(row)

    @_guarded
    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM objects").fetchone()[0]

    @_guarded
    def history(self, paths: Iterable[str]) -> list[dict[str, Any]]:
        paths = list(dict.fromkeys(paths))
        marks = ",".join("?" * len(paths))
        rows = self.db.execute(
            "SELECT e.path, e.event_time, e.event_type, e.agent, e.outcome, e.detail, e.run_id "
            f"FROM events e WHERE e.path IN ({marks}) ORDER BY e.id", paths).fetchall()
        return [{"path": p, "time": t, "type": ty, "agent": a, "outcome": o,
                 "detail": json.loads(d) if d else None, "run": r}
                for p, t, ty, a, o, d, r in rows]

    @_guarded
    def roots(self) -> list[str]:
        return [r for (r,) in self.db.execute(
            "SELECT DISTINCT root FROM runs WHERE root IS NOT NULL")]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error): takes the write lock
    up front, so two writers wait for each other (busy timeout) instead of deadlocking."""

    def __init__(self, db: sqlite3.Connection, path: str = ""):
        self.db = db
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LedgerError(f"{self.path}: ledger error: {_sqlite_message(exc)}") from None
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.db.execute("COMMIT")
                return
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error as error:
            if self.db.in_transaction:
                try:
                    self.db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise LedgerError(f"{self.path}: ledger error: {_sqlite_message(error)}") from None
        if isinstance(exc, sqlite3.Error):
            # A write inside the transaction failed (disk full, read-only, corrupt page).
            raise LedgerError(f"{self.path}: ledger error: {_sqlite_message(exc)}") from None
