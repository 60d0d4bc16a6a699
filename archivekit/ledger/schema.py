"""The ledger file: its SQL schema and migrations, and the checks before opening one (an
SQLite file, of a schema this version knows)."""

from __future__ import annotations

import os
import sqlite3

from archivekit.errors import InputError

SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
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


def readonly_uri(path: str, immutable: bool = False) -> str:
    quoted = os.path.abspath(path).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


def connect_readonly(path: str, **kwargs) -> sqlite3.Connection:
    """A read-only connection. A WAL ledger on read-only media (no -shm can be made) is
    opened ``immutable=1``: nothing can write it there, so nothing can change under us."""
    db = sqlite3.connect(readonly_uri(path), uri=True, **kwargs)
    try:
        db.execute("PRAGMA user_version").fetchone()
        return db
    except sqlite3.OperationalError:
        db.close()
        if os.access(os.path.dirname(os.path.abspath(path)), os.W_OK) and \
                os.access(path, os.W_OK) and not _read_only_mount(path):
            raise
    return sqlite3.connect(readonly_uri(path, immutable=True), uri=True, **kwargs)


def _read_only_mount(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_file(path: str, create: bool) -> None:
    """Refuse, without writing a byte, a file that is not an SQLite database (or a dangling
    symbolic link, which SQLite would follow to create the database at its target)."""
    if os.path.islink(path) and not os.path.exists(path):
        raise LedgerError(f"{path}: a symbolic link to nothing (not followed to create a ledger)")
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
            probe = connect_readonly(path)
            try:
                version = probe.execute("PRAGMA user_version").fetchone()[0]
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{path}: cannot read the ledger: {exc}") from None
        if version > SCHEMA_VERSION:
            raise newer_schema(path, version)
    elif not create:
        raise LedgerError(f"{path}: empty file, not a ledger")


def newer_schema(path: str, version: int) -> LedgerError:
    return LedgerError(f"{path}: ledger schema version {version} is newer than this "
                       f"archivekit understands ({SCHEMA_VERSION}); upgrade archivekit")


def migrate(db: sqlite3.Connection, path: str, transaction) -> None:
    """Bring the ledger at ``path`` to :data:`SCHEMA_VERSION`, one MIGRATIONS step at a time
    (``transaction()``: the store's write lock)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise newer_schema(path, version)
    while version < SCHEMA_VERSION:
        with transaction():
            # Re-read inside the write lock: another process may have migrated meanwhile.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                break
            if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise LedgerError(f"{path}: an SQLite database but not an archivekit ledger")
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    db.execute(statement)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")
