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

The package: ``schema`` (the SQL and the file checks), ``store`` (:class:`Ledger`),
``batch`` (:class:`BatchWriter`), ``keys`` (article paths as keys); every public name is
importable from here.
"""

from __future__ import annotations

from archivekit.ledger.batch import (
    BatchWriter,
)
from archivekit.ledger.keys import (
    collection_root,
    key_maker,
    ledger_key,
)
from archivekit.ledger.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SQLITE_MAGIC,
    LedgerError,
)
from archivekit.ledger.store import (
    AGENT,
    DEFAULT_LEDGER,
    EVENT_DIGEST,
    EVENT_FIXITY,
    EVENT_VALIDATION,
    Ledger,
    StoredObject,
)

__all__ = [
    "AGENT",
    "BatchWriter",
    "DEFAULT_LEDGER",
    "EVENT_DIGEST",
    "EVENT_FIXITY",
    "EVENT_VALIDATION",
    "Ledger",
    "LedgerError",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SQLITE_MAGIC",
    "StoredObject",
    "collection_root",
    "key_maker",
    "ledger_key",
]
