"""Check one article (extract, validate), and the ``check`` verb's driver. Orchestration only.

:func:`check_document` is the per-article function that the local pool and the Spark job
share; :func:`fingerprint_document` is "check, then fingerprint from the same bytes", which
``fingerprint``, ``verify`` and ``archive`` all call. :class:`Checker` bundles the settings
they need, and :class:`CheckerRecipe` rebuilds it in a worker process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from archivekit.digests import (
    DEFAULT_ALGORITHMS,
    Fingerprint,
    content_digest,
    fingerprint_record,
    raw_digests,
)
from archivekit.extract import Unreadable, extract
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES, LimitExceeded
from archivekit.profiles import ProfileSet, load_profiles
from archivekit.record import ERROR, Document, Extraction, Finding, Result
from archivekit.runner import DEFAULT_CHUNK, Ready, resolve_jobs, run_documents
from archivekit.sources import SourceError
from archivekit.validate import ArticleSchema, load_schema, validate


@dataclass
class Checker:
    """Settings for checking articles; build once, use for a whole collection.

    ``keep_record`` is the default of :func:`check_document`'s own ``keep_record``; the
    drivers that need the record ask for it per call instead of setting it here.
    """

    schema: ArticleSchema = field(default_factory=load_schema)
    profiles: ProfileSet = field(default_factory=load_profiles)
    forced_profile: str | None = None
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    keep_record: bool = False

    @classmethod
    def from_options(cls, *, schema: str | None = None, profile: str | None = None,
                     profile_dir: str | None = None,
                     max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
                     keep_record: bool = False) -> Checker:
        profiles = load_profiles(profile_dir)
        if profile:
            profiles.get(profile)  # raises ProfileError for an unknown id
        return cls(schema=load_schema(schema), profiles=profiles, forced_profile=profile,
                   max_page_bytes=max_page_bytes, keep_record=keep_record)

    def extract(self, document: Document) -> Extraction:
        try:
            return extract(document, self.profiles, forced_profile=self.forced_profile,
                           max_page_bytes=self.max_page_bytes)
        except LimitExceeded as exc:
            # Any limit hit while extracting (a user pattern's time bound in the text
            # path or the profile match, the parser's): the page's finding, not the run's.
            raise Unreadable(str(exc)) from None

    def check(self, document: Document, *, keep_record: bool | None = None) -> Result:
        return check_document(document, self, keep_record=keep_record)

    def check_all(self, documents: Iterable[Document]) -> Iterator[Result]:
        for document in documents:
            yield check_document(document, self)


def unreadable_finding(message: str) -> Finding:
    return Finding(rule="parse.unreadable", severity=ERROR, message=message, pointer="/parse")


def check_document(document: Document, checker: Checker, *,
                   keep_record: bool | None = None) -> Result:
    """Extract and validate one document. The result carries the document's ``io_error``,
    and its record when ``keep_record`` (default: ``checker.keep_record``)."""
    keep = checker.keep_record if keep_record is None else keep_record
    fingerprint = {"sha256": hashlib.sha256(document.content).hexdigest()} \
        if not document.read_error else {}
    try:
        extraction = checker.extract(document)
    except Unreadable as exc:
        return Result(path=document.path, uri=document.uri, profile=checker.forced_profile,
                      findings=[unreadable_finding(str(exc))], fingerprint=fingerprint,
                      io_error=document.io_error)
    findings = validate(extraction, checker.schema)
    if document.warc_findings:
        findings = [*document.warc_findings, *findings]
    fingerprint["content_sha256"] = content_digest(extraction.data)
    return Result(path=document.path, uri=extraction.data.get("url") or document.uri,
                  profile=extraction.data.get("profile"), findings=findings,
                  fingerprint=fingerprint, record=extraction.data if keep else None,
                  io_error=document.io_error)


# --- check, then fingerprint -----------------------------------------------------------

def fingerprint_checked(content: bytes, result: Result, algorithms=DEFAULT_ALGORITHMS,
                        digests: dict[str, str] | None = None) -> Fingerprint:
    """The fingerprint of a document ``check`` has just read, reusing the sha256 and the
    content digest that the check already took (``result.fingerprint``)."""
    known = result.fingerprint
    if digests is None:
        reuse = "sha256" in algorithms and "sha256" in known
        digests = raw_digests(content, [a for a in algorithms if not (reuse and a == "sha256")])
        if reuse:
            digests = {a: known["sha256"] if a == "sha256" else digests[a] for a in algorithms}
    return fingerprint_record(content, result.record, algorithms, digests,
                              content_sha256=known.get("content_sha256"))


def fingerprint_document(document: Document, checker: Checker, algorithms=DEFAULT_ALGORITHMS,
                         *, digests: dict[str, str] | None = None,
                         parsed_only: bool = False) -> tuple[Result, Fingerprint | None]:
    """Check one document and fingerprint it from the same bytes.

    Returns the check's result (with its record, and its ``fingerprint`` filled with every
    digest) and the fingerprint, or None when the source could not read the document at
    all (or, with ``parsed_only``, when it could not be parsed as a page: its result then
    keeps the check's sha256 alone). ``digests``: raw digests already taken.
    """
    result = check_document(document, checker, keep_record=True)
    return result, _fingerprint_result(document, result, algorithms, digests, parsed_only)


def fingerprint_documents(documents: list[Document], checker: Checker,
                          algorithms=DEFAULT_ALGORITHMS, *,
                          parsed_only: bool = False) -> list[tuple[Result, Fingerprint | None]]:
    """:func:`fingerprint_document` over a batch, a stage at a time: every check, then every
    fingerprint (see :meth:`archivekit.archive.ArticleWorker.prepare_many`)."""
    results = [check_document(document, checker, keep_record=True) for document in documents]
    return [(result, _fingerprint_result(document, result, algorithms, None, parsed_only))
            for document, result in zip(documents, results, strict=True)]


def _fingerprint_result(document: Document, result: Result, algorithms,
                        digests: dict[str, str] | None, parsed_only: bool) -> Fingerprint | None:
    if document.read_error or (parsed_only and result.record is None):
        return None
    fp = fingerprint_checked(document.content, result, algorithms, digests)
    result.fingerprint = fp.to_dict()
    return fp


# --- the check driver ------------------------------------------------------------------

@dataclass(frozen=True)
class CheckerRecipe:
    """What it takes to rebuild a :class:`Checker` in another process (it does not pickle)."""

    schema_source: str
    profiles: ProfileSet
    forced_profile: str | None
    max_page_bytes: int
    keep_record: bool
    # The checker itself. A worker forked from this process holds a copy of it and uses
    # that (~0.2 s of schema and profile compiling saved a worker); it is never pickled,
    # so a spawned or forkserver worker and a Spark task build their own.
    built: Checker | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, checker: Checker) -> CheckerRecipe:
        return cls(checker.schema.source, checker.profiles, checker.forced_profile,
                   checker.max_page_bytes, checker.keep_record, built=checker)

    def __reduce__(self):
        return type(self), (self.schema_source, self.profiles, self.forced_profile,
                            self.max_page_bytes, self.keep_record)

    def build(self) -> Checker:
        if self.built is not None:
            return self.built
        return Checker(schema=load_schema(self.schema_source), profiles=self.profiles,
                       forced_profile=self.forced_profile, max_page_bytes=self.max_page_bytes,
                       keep_record=self.keep_record)


def checker_recipe(checker: Checker, jobs: int) -> Ready[Checker] | CheckerRecipe:
    """The recipe giving ``checker`` in every process of a run with ``jobs``."""
    return Ready(checker) if resolve_jobs(jobs) == 1 else CheckerRecipe.of(checker)


def check_one(document: Document, checker: Checker) -> Result:
    """The per-article work of ``check`` (shared by the pool and the Spark job)."""
    return check_document(document, checker)


def check_paths(inputs: Iterable[str], checker: Checker, *, jobs: int = 1,
                follow_symlinks: bool = False,
                on_error: Callable[[SourceError], None] | None = None,
                chunk: int = DEFAULT_CHUNK) -> Iterator[Result]:
    """Check every article of ``inputs``; results in input order whatever ``jobs`` is."""
    return run_documents(inputs, check_one, recipe=checker_recipe(checker, jobs), jobs=jobs,
                         follow_symlinks=follow_symlinks, on_error=on_error,
                         max_page_bytes=checker.max_page_bytes, chunk=chunk)
