"""The ``fingerprint`` verb's driver: check and fingerprint every article into the ledger.

The per-article work (:func:`archivekit.checker.fingerprint_document`) runs on the pool
(``jobs``); only the ledger writes happen in this process, in input order. The digest
functions themselves are in :mod:`archivekit.digests` (re-exported here, where they lived
before the split).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from archivekit.checker import Checker, checker_recipe, fingerprint_checked, fingerprint_document
from archivekit.dates import utc_now
from archivekit.digests import (  # noqa: F401 - the public names of this module before the split
    CONTENT_FIELDS,
    DEFAULT_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
    Fingerprint,
    canonical_fields,
    content_digest,
    field_digests,
    fingerprint_record,
    hamming,
    raw_digests,
    simhash,
    simhash_hex,
)
from archivekit.errors import ArchivekitError
from archivekit.ledger import (
    EVENT_DIGEST,
    EVENT_VALIDATION,
    BatchWriter,
    Ledger,
    collection_root,
    key_maker,
)
from archivekit.record import Document, Result
from archivekit.runner import Recipe, run_documents

__all__ = ["fingerprint_checked", "fingerprint_document", "fingerprint_paths", "readable_only"]


def fingerprint_paths(inputs: list[str], ledger: Ledger, checker: Checker, *,
                      algorithms=("sha256",), root: str | None = None,
                      follow_symlinks: bool = False, on_error=None,
                      batch_size: int = 500, args: list[str] | None = None,
                      jobs: int = 1) -> Iterator[Result]:
    """Check and fingerprint every article under ``inputs``, recording each in the ledger
    (object row, a ``message digest calculation`` and a ``validation`` event), and yield
    each :class:`~archivekit.record.Result` with its digests."""
    root = collection_root(inputs, root)
    run_id = ledger.begin_run("fingerprint", root, args)
    writer = BatchWriter(ledger, run_id, size=batch_size)
    key_of = key_maker(inputs, root)
    recipe = FingerprintRecipe(checker_recipe(checker, jobs), tuple(algorithms))
    results = run_documents(inputs, _fingerprint_one, recipe=recipe, jobs=jobs,
                            follow_symlinks=follow_symlinks, on_error=on_error,
                            max_page_bytes=checker.max_page_bytes)
    for path, read_error, result, fp in results:
        try:
            key = key_of(path)
        except ArchivekitError:
            writer.flush()  # what came before is kept
            raise
        when = utc_now()
        if fp is None:
            writer.event(key, EVENT_DIGEST, "failure", {"error": read_error}, when)
        else:
            writer.put_object(key, fp, uri=result.uri, profile=result.profile,
                              valid=result.valid if fp.content_sha256 else None)
            writer.event(key, EVENT_DIGEST, "success", result.fingerprint, when)
            writer.event(key, EVENT_VALIDATION, "success" if result.valid else "failure",
                         {"findings": [f.rule for f in result.findings],
                          "profile": result.profile}, when)
        writer.article_done()
        yield result
    writer.flush()
    ledger.finish_run(run_id)


@dataclass(frozen=True)
class FingerprintRecipe:
    """A worker's state for ``fingerprint``: the checker and the digest algorithms."""

    checker: Recipe
    algorithms: tuple[str, ...]

    def build(self) -> tuple[Checker, tuple[str, ...]]:
        return self.checker.build(), self.algorithms


def _fingerprint_one(document: Document, state) -> tuple:
    """Per-article work of ``fingerprint`` (runs in a pool worker with --jobs)."""
    checker, algorithms = state
    result, fp = fingerprint_document(document, checker, algorithms)
    result.record = None  # the fingerprint holds what the ledger needs; do not ship the record
    return document.path, document.read_error, result, fp


def readable_only(results: Iterable[Result]) -> Iterator[Result]:
    """What ``fingerprint`` reports: the check's findings are recorded as validation
    events; the report lists the digests, and findings only for what could not be
    fingerprinted at all."""
    for result in results:
        if result.fingerprint:
            result.findings = []
        yield result
