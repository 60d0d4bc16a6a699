"""The fixity ledger: one SQLite file with every article's fingerprint and its history.

Tables (schema version in ``PRAGMA user_version``, see :data:`MIGRATIONS`):

* ``runs``    one row per ``fingerprint`` / ``verify`` run: verb, agent, root, times, status
* ``objects`` the latest fingerprint of each article, keyed by its path relative to the
  collection root: size, raw digests, content digest, field digests, simhash
* ``events``  PREMIS-like events, one per article per action: when, event type
  (``message digest calculation``, ``validation``, ``fixity check``), agent, outcome,
  detail (JSON)

The file is opened in WAL mode with a busy timeout, so readers never block and two
writers take turns. Every write is one transaction (``BEGIN IMMEDIATE``); articles are
written in batches so a run's memory does not grow with the collection and a killed run
loses at most its last uncommitted batch.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from archivekit import __version__
from archivekit.dates import utc_now
from archivekit.digests import simhash_hex
from archivekit.errors import InputError

SCHEMA_VERSION = 1
DEFAULT_LEDGER = "archivekit.db"
AGENT = f"archivekit {__version__}"
SQLITE_MAGIC = b"SQLite format 3\x00"

# Event types, from the PREMIS event type vocabulary (id.loc.gov/vocabulary/preservation/eventType).
EVENT_DIGEST = "message digest calculation"
EVENT_VALIDATION = "validation"
EVENT_FIXITY = "fixity check"

_V1 = """
CREATE TABLE runs (
    id       INTEGER PRIMARY KEY,
    verb     TEXT NOT NULL,
    agent    TEXT NOT NULL,
    root     TEXT,
    args     TEXT,
    started  TEXT NOT NULL,
    finished TEXT,
    status   TEXT NOT NULL            -- running, complete (a killed run stays 'running')
);
CREATE TABLE objects (
    path           TEXT PRIMARY KEY,  -- relative to the collection root, '/' separated
    size           INTEGER NOT NULL,
    digests        TEXT NOT NULL,     -- JSON {"sha256": hex, ...}: the raw-byte digests
    sha256         TEXT,
    content_sha256 TEXT,
    fields         TEXT,              -- JSON {"headline": hex, "images/0/credit": hex, ...}
    simhash        TEXT,              -- 16 hex digits
    uri            TEXT,
    profile        TEXT,
    valid          INTEGER,
    run_id         INTEGER REFERENCES runs(id),
    fingerprinted  TEXT NOT NULL
);
CREATE INDEX objects_sha256 ON objects(sha256);
CREATE INDEX objects_content ON objects(content_sha256);
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    path       TEXT NOT NULL,
    run_id     INTEGER REFERENCES runs(id),
    event_time TEXT NOT NULL,
    event_type TEXT NOT NULL,
    agent      TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX events_path ON events(path, id);
"""

# MIGRATIONS[n] takes a ledger from user_version n to n + 1, in one transaction.
MIGRATIONS: dict[int, str] = {0: _V1}


class LedgerError(InputError):
    """A ledger file that cannot be used (not SQLite, newer schema, locked too long)."""


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
        _check_file(self.path, create and not readonly)
        try:
            if readonly:
                # A reader beside the run that writes (e.g. a pool worker of verify): no
                # migration, no pragma that writes; WAL lets it read while the writer writes.
                self.db = sqlite3.connect(_readonly_uri(self.path), uri=True, timeout=timeout,
                                          isolation_level=None, check_same_thread=False)
                self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                return
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._migrate()
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: cannot open the ledger: {exc}") from None

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(f"{self.path}: ledger schema version {version} is newer than this "
                              f"archivekit understands ({SCHEMA_VERSION}); upgrade archivekit")
        while version < SCHEMA_VERSION:
            with self.transaction():
                # Re-read inside the write lock: another process may have migrated meanwhile.
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                if version == 0 and self.db.execute(
                        "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise LedgerError(f"{self.path}: an SQLite database but not an archivekit "
                                      "ledger")
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                version += 1
                self.db.execute(f"PRAGMA user_version = {version}")

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


def _readonly_uri(path: str) -> str:
    quoted = os.path.abspath(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{quoted}?mode=ro"


def _check_file(path: str, create: bool) -> None:
    """Refuse, without writing a byte, a file that is not an SQLite database."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        if not create:
            raise LedgerError(f"{path}: no such ledger") from None
        return
    except IsADirectoryError:
        raise LedgerError(f"{path}: is a directory, not a ledger file") from None
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read the ledger: {exc.strerror or exc}") from None
    if head and head != SQLITE_MAGIC:
        raise LedgerError(f"{path}: not an SQLite database (not an archivekit ledger)")
    if head:
        # Read the version without opening for writing, so a newer ledger stays untouched.
        try:
            probe = sqlite3.connect(_readonly_uri(path), uri=True)
            try:
                version = probe.execute("PRAGMA user_version").fetchone()[0]
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{path}: cannot read the ledger: {exc}") from None
        if version > SCHEMA_VERSION:
            raise LedgerError(f"{path}: ledger schema version {version} is newer than this "
                              f"archivekit understands ({SCHEMA_VERSION}); upgrade archivekit")
    elif not create:
        raise LedgerError(f"{path}: empty file, not a ledger")


class BatchWriter:
    """Collects object rows and events and writes them in one transaction per batch
    (every ``size`` articles or ``seconds``), so memory stays flat and other writers
    get their turn between batches."""

    def __init__(self, ledger: Ledger, run_id: int, *, size: int = 500, seconds: float = 2.0):
        self.ledger = ledger
        self.run_id = run_id
        self.size = size
        self.seconds = seconds
        self._objects: list[tuple] = []
        self._events: list[tuple] = []
        self._pending = 0
        self._last = time.monotonic()

    def put_object(self, path: str, fp, *, uri: str | None, profile: str | None,
                   valid: bool | None) -> None:
        self._objects.append((
            path, fp.size, json.dumps(fp.digests, sort_keys=True), fp.sha256, fp.content_sha256,
            json.dumps(fp.fields) if fp.content_sha256 else None,  # record order
            simhash_hex(fp.simhash), uri, profile,
            None if valid is None else int(valid), self.run_id, utc_now()))

    def event(self, path: str, event_type: str, outcome: str, detail: Any = None,
              when: str | None = None) -> None:
        self._events.append((path, self.run_id, when or utc_now(), event_type, AGENT, outcome,
                             json.dumps(detail, ensure_ascii=False, sort_keys=True)
                             if detail is not None else None))

    def article_done(self) -> None:
        """Call after each article: writes the batch when it is full or old enough."""
        self._pending += 1
        if self._pending >= self.size or time.monotonic() - self._last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if self._objects or self._events:
            with self.ledger.transaction() as db:
                db.executemany(
                    "INSERT INTO objects (path, size, digests, sha256, content_sha256, fields, "
                    "simhash, uri, profile, valid, run_id, fingerprinted) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(path) DO UPDATE SET size=excluded.size, digests=excluded.digests, "
                    "sha256=excluded.sha256, content_sha256=excluded.content_sha256, "
                    "fields=excluded.fields, simhash=excluded.simhash, uri=excluded.uri, "
                    "profile=excluded.profile, valid=excluded.valid, run_id=excluded.run_id, "
                    "fingerprinted=excluded.fingerprinted", self._objects)
                db.executemany(
                    "INSERT INTO events (path, run_id, event_time, event_type, agent, outcome, "
                    "detail) VALUES (?, ?, ?, ?, ?, ?, ?)", self._events)
        self._objects.clear()
        self._events.clear()
        self._pending = 0
        self._last = time.monotonic()


# --- collection paths ------------------------------------------------------------------
def collection_root(inputs: list[str], root: str | None = None) -> str:
    """The directory ledger paths are relative to: ``root`` if given, else the one
    directory given as input, else the working directory. Keys relative to the root mean
    a collection moved or copied as a whole still verifies against its ledger."""
    if root is not None:
        return os.path.abspath(root)
    if len(inputs) == 1 and inputs[0] != "-" and os.path.isdir(inputs[0]):
        return os.path.abspath(inputs[0])
    return os.getcwd()


def ledger_key(path: str, root: str) -> str:
    """A document path (file, or ``file.warc.gz#offset``) as the ledger keys it."""
    if path == "-":
        return path
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def key_maker(inputs: list[str], root: str):
    """:func:`ledger_key` with a fast path for files found under an input directory that
    is the root (a prefix cut instead of two path normalisations per file)."""
    prefixes = [raw.rstrip(os.sep) + os.sep for raw in inputs
                if raw != "-" and raw.rstrip(os.sep) and os.path.isdir(raw)
                and os.path.abspath(raw) == root]

    def key(path: str) -> str:
        for prefix in prefixes:
            if path.startswith(prefix):
                tail = path[len(prefix):]
                return tail if os.sep == "/" else tail.replace(os.sep, "/")
        return ledger_key(path, root)

    return key
