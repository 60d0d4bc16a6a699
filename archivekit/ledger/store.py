"""The ledger's store: :class:`Ledger` (runs, objects, events) and :class:`StoredObject`."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from archivekit import __version__
from archivekit.dates import utc_now
from archivekit.ledger.schema import LedgerError, check_file, migrate, readonly_uri

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
        return cls(path, size, json.loads(digests), content, json.loads(fields or "{}"),
                   int(simhash, 16) if simhash else None, uri, profile)


_OBJECT_COLUMNS = "path, size, digests, content_sha256, fields, simhash, uri, profile"


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
                self.db = sqlite3.connect(readonly_uri(self.path), uri=True, timeout=timeout,
                                          isolation_level=None, check_same_thread=False)
                self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                return
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            migrate(self.db, self.path, self.transaction)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: cannot open the ledger: {exc}") from None

    def transaction(self) -> _Transaction:
        return _Transaction(self.db)

    # -- runs -----------------------------------------------------------------------------
    def begin_run(self, verb: str, root: str | None, args: list[str] | None = None) -> int:
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO runs (verb, agent, root, args, started, status) "
                "VALUES (?, ?, ?, ?, ?, 'running')",
                (verb, AGENT, root, json.dumps(args or []), utc_now()))
        return cur.lastrowid

    def finish_run(self, run_id: int, status: str = "complete") -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, status = ? WHERE id = ?",
                            (utc_now(), status, run_id))

    # -- reads ----------------------------------------------------------------------------
    def get(self, path: str) -> StoredObject | None:
        row = self.db.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE path = ?",
                              (path,)).fetchone()
        return StoredObject.from_row(row) if row else None

    def objects(self) -> Iterator[StoredObject]:
        for row in self.db.execute(f"SELECT {_OBJECT_COLUMNS} FROM objects ORDER BY path"):
            yield StoredObject.from_row(row)

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM objects").fetchone()[0]

    def history(self, paths: Iterable[str]) -> list[dict[str, Any]]:
        paths = list(dict.fromkeys(paths))
        marks = ",".join("?" * len(paths))
        rows = self.db.execute(
            "SELECT e.path, e.event_time, e.event_type, e.agent, e.outcome, e.detail, e.run_id "
            f"FROM events e WHERE e.path IN ({marks}) ORDER BY e.id", paths).fetchall()
        return [{"path": p, "time": t, "type": ty, "agent": a, "outcome": o,
                 "detail": json.loads(d) if d else None, "run": r}
                for p, t, ty, a, o, d, r in rows]

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

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
