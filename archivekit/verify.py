"""Fixity check of a collection against the ledger: every category in one run.

Each article on disk gets exactly one primary category

    unchanged | changed | new | moved | unreadable     (and ``missing`` for ledger
                                                        entries not found on disk)

plus the relations ``duplicate`` (same content as another article present now) and
``near_duplicate`` (body simhash within ``near_distance`` bits). A new article that is a
duplicate or near-duplicate is reported as that, not also as new. Relations are reported
on the later article of a pair (a new one rather than a known one, else the later path),
so the original stays ``unchanged``.

The work is two passes. Pass 1 streams the documents: an article whose raw digests match
the ledger is unchanged without being parsed; any other is checked and fingerprinted and
its field digests compared. That per-article work runs on the
:func:`~archivekit.runner.run_documents` pool (``jobs``), each worker reading the ledger
through its own read-only connection; the parent puts the rows in a temporary SQLite
table (not in memory) in input order. Pass 2
finds missing, moved, duplicates and near-duplicates with SQL over that table and the
ledger, then yields one :class:`~archivekit.record.Result` per article.

Pass 1 is :mod:`archivekit.verify_scan`, pass 2 :mod:`archivekit.verify_relations`, the
results and the ``fixity.*`` rules :mod:`archivekit.verify_results`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from archivekit.ledger import Ledger, collection_root
from archivekit.record import Result
from archivekit.sources import SourceError
from archivekit.verify_relations import find_duplicates, find_moves, find_near_duplicates
from archivekit.verify_results import RULES, finding, results, rule_catalogue
from archivekit.verify_scan import scan

DEFAULT_NEAR_DISTANCE = 6  # bits of 64; see docs/fixity.md
CATEGORIES = ("unchanged", "changed", "missing", "new", "moved", "duplicate", "near_duplicate",
              "unreadable")

__all__ = ["CATEGORIES", "DEFAULT_NEAR_DISTANCE", "RULES", "VerifyOptions", "finding", "rule_catalogue",
           "verify_paths"]


@dataclass
class VerifyOptions:
    root: str | None = None
    near_distance: int = DEFAULT_NEAR_DISTANCE
    follow_symlinks: bool = False
    record_events: bool = True
    args: list[str] | None = None
    jobs: int = 1  # worker processes for pass 1; 0 = one per core


_SEEN = """
CREATE TEMP TABLE seen (
    ord INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, display TEXT NOT NULL,
    category TEXT NOT NULL, is_new INTEGER NOT NULL, sha256 TEXT, content TEXT, simhash TEXT,
    fields TEXT, markup_only INTEGER, error TEXT, io INTEGER, uri TEXT, profile TEXT,
    other TEXT, relation TEXT, relation_other TEXT, distance INTEGER)
"""


def verify_paths(inputs: list[str], ledger: Ledger, checker, options: VerifyOptions | None = None,
                 on_error: Callable[[SourceError], None] | None = None,
                 progress=None) -> Iterator[Result]:
    """Compare the collection under ``inputs`` with the ledger; yield a result per article
    (and per missing ledger entry). ``checker`` must keep records.

    ``progress`` (e.g. from :func:`archivekit.progress.make_progress`) follows pass 1, the
    slow part: ``advance(result)`` for each article read, with its findings as far as they
    are known before moves and duplicates are sought, and ``close()`` when the pass ends.
    """
    options = options or VerifyOptions()
    root = collection_root(inputs, options.root)
    display_root = inputs[0] if options.root is None and len(inputs) == 1 and root != os.getcwd() \
        else (options.root or "")
    db = ledger.db
    db.execute("DROP TABLE IF EXISTS temp.seen")
    db.execute("DROP TABLE IF EXISTS temp.bands")
    db.execute(_SEEN)
    db.execute("CREATE TEMP TABLE bands (band INTEGER, value INTEGER, ord INTEGER)")
    try:
        scan(inputs, ledger, checker, root, options, on_error, progress)
        find_moves(db)
        find_duplicates(db)
        find_near_duplicates(db, options.near_distance)
        yield from results(ledger, root, display_root, options)
    finally:
        db.execute("DROP TABLE IF EXISTS temp.seen")
        db.execute("DROP TABLE IF EXISTS temp.bands")
