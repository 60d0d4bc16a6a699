"""Batched writes to the ledger: :class:`BatchWriter` commits every ``size`` articles or
``seconds``, so a killed run keeps what it had written."""

from __future__ import annotations

import json
import time
from typing import Any

from archivekit.dates import utc_now
from archivekit.digests import simhash_hex
from archivekit.ledger.store import AGENT, Ledger


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
