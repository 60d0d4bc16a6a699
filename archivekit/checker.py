"""Check one article: extract, validate, fingerprint. Orchestration only.

:func:`check_document` is the per-article function that the local pool and the
Spark job share; :class:`Checker` bundles the settings it needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from archivekit.extract import DEFAULT_MAX_PAGE_BYTES, Unreadable, extract
from archivekit.fingerprint import content_digest
from archivekit.profiles import ProfileSet, load_profiles
from archivekit.record import ERROR, Document, Extraction, Finding, Result
from archivekit.validate import ArticleSchema, load_schema, validate


@dataclass
class Checker:
    """Settings for checking articles; build once, use for a whole collection."""

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
        return extract(document, self.profiles, forced_profile=self.forced_profile,
                       max_page_bytes=self.max_page_bytes)

    def check(self, document: Document) -> Result:
        return check_document(document, self)

    def check_all(self, documents: Iterable[Document]) -> Iterator[Result]:
        for document in documents:
            yield check_document(document, self)


def unreadable_finding(message: str) -> Finding:
    return Finding(rule="parse.unreadable", severity=ERROR, message=message, pointer="/parse")


def check_document(document: Document, checker: Checker) -> Result:
    fingerprint = {"sha256": hashlib.sha256(document.content).hexdigest()} \
        if not document.read_error else {}
    try:
        extraction = checker.extract(document)
    except Unreadable as exc:
        return Result(path=document.path, uri=document.uri, profile=checker.forced_profile,
                      findings=[unreadable_finding(str(exc))], fingerprint=fingerprint)
    findings = validate(extraction, checker.schema)
    if document.warc_findings:
        findings = [*document.warc_findings, *findings]
    fingerprint["content_sha256"] = content_digest(extraction.data)
    return Result(path=document.path, uri=extraction.data.get("url") or document.uri,
                  profile=extraction.data.get("profile"), findings=findings,
                  fingerprint=fingerprint,
                  record=extraction.data if checker.keep_record else None)

