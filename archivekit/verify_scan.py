"""Pass 1 of ``verify``: read every document on the pool and put its row in ``temp.seen``.

An article whose raw digests match the ledger is unchanged without being parsed; any other
is checked and fingerprinted (:func:`archivekit.checker.fingerprint_document`) and its field
digests compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from archivekit.checker import checker_recipe, fingerprint_document
from archivekit.digests import raw_digests, simhash_hex
from archivekit.ledger import (
    Ledger,
    key_maker,
)
from archivekit.record import Document
from archivekit.runner import Recipe, resolve_jobs, run_documents
from archivekit.verify_results import SeenEntry, seen_result

if TYPE_CHECKING:  # pragma: no cover
    from archivekit.verify import VerifyOptions

# --- pass 1 ----------------------------------------------------------------------------
INSERT_SEEN = ("INSERT OR IGNORE INTO seen (key, display, category, is_new, sha256, content, "
                "simhash, fields, markup_only, error, io, uri, profile) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")


def scan(inputs, ledger: Ledger, checker, root: str, options: VerifyOptions, on_error,
          progress) -> None:
    db = ledger.db
    rows: list[tuple] = []
    jobs = options.jobs
    # With one process the worker reads through the caller's connection; pool workers
    # open the ledger read-only (an SQLite connection does not cross a process boundary).
    book = ledger if resolve_jobs(jobs) == 1 else None
    recipe = VerifyRecipe(checker_recipe(checker, jobs), book, ledger.path, tuple(inputs), root)
    try:
        for row in run_documents(
                inputs, verify_one, recipe=recipe, jobs=jobs,
                follow_symlinks=options.follow_symlinks, on_error=on_error,
                max_page_bytes=checker.max_page_bytes):
            rows.append(row)
            if progress is not None:
                progress.advance(seen_result(row.entry()))
            if len(rows) >= 500:
                db.executemany(INSERT_SEEN, rows)
                rows.clear()
        db.executemany(INSERT_SEEN, rows)
    finally:
        if progress is not None:
            progress.close()


class SeenRow(NamedTuple):
    """Pass 1's row for one article (the columns of ``INSERT_SEEN``, in order)."""

    key: str
    display: str
    category: str  # unchanged | changed | new | unreadable
    is_new: int
    sha256: str | None = None
    content: str | None = None
    simhash: str | None = None
    fields: str | None = None
    markup_only: int | None = None
    error: str | None = None
    io: int = 0
    uri: str | None = None
    profile: str | None = None

    def entry(self) -> SeenEntry:
        """The row as results read it, before pass 2 adds moves and relations."""
        return SeenEntry(self.key, self.display, self.category, self.sha256, self.content,
                         self.simhash, self.fields, self.markup_only, self.error, self.io,
                         self.uri, self.profile)


@dataclass
class ScanState:
    checker: object
    ledger: Ledger
    key_of: Callable[[str], str]
    own_ledger: bool


@dataclass(frozen=True)
class VerifyRecipe:
    """A pass-1 worker's state: the checker, and the ledger (the caller's with one process;
    opened read-only in each pool worker, as an SQLite connection does not cross processes)."""

    checker: Recipe
    ledger: Ledger | None
    ledger_path: str
    inputs: tuple[str, ...]
    root: str

    def build(self) -> ScanState:
        own = self.ledger is None
        ledger = Ledger(self.ledger_path, readonly=True) if own else self.ledger
        return ScanState(self.checker.build(), ledger, key_maker(list(self.inputs), self.root), own)

    def close(self, state: ScanState) -> None:
        if state.own_ledger:
            state.ledger.close()


def verify_one(document: Document, state: ScanState) -> SeenRow:
    """Pass 1 for one article (in a pool worker with ``jobs``): its row for ``temp.seen``.
    Digests first; the article is checked and fingerprinted only when they differ from
    the ledger's (or it is new)."""
    key = state.key_of(document.path)
    stored = state.ledger.get(key)
    is_new = int(stored is None)
    if document.read_error:
        return SeenRow(key, document.path, "unreadable", is_new, error=document.read_error,
                       io=int(document.io_error))
    algorithms = set(stored.digests) if stored else set()
    algorithms.add("sha256")
    digests = raw_digests(document.content, sorted(algorithms))
    if stored and all(digests[a] == d for a, d in stored.digests.items()):
        return SeenRow(key, document.path, "unchanged", 0, digests["sha256"], stored.content_sha256,
                       simhash_hex(stored.simhash), uri=stored.uri, profile=stored.profile)
    result, fp = fingerprint_document(document, state.checker, digests=digests)
    fields = markup_only = None
    if stored:
        markup_only = int(fp.content_sha256 is not None
                          and fp.content_sha256 == stored.content_sha256)
        fields = json.dumps(changed_fields(stored.fields, fp.fields))
    return SeenRow(key, document.path, "new" if is_new else "changed", is_new, digests["sha256"],
                   fp.content_sha256, simhash_hex(fp.simhash), fields, markup_only,
                   uri=result.uri, profile=result.profile)


def changed_fields(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Field keys whose digests differ, in record order (a field on one side only counts)."""
    order = list(old) + [k for k in new if k not in old]
    return [k for k in order if old.get(k) != new.get(k)]
