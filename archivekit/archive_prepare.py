"""The expensive half of ``archive``: :class:`ArticleWorker` reads, checks, fingerprints and
builds an article's JSON-LD and WARC record (digested, gzipped) in a pool worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archivekit import __version__
from archivekit.checker import Checker, fingerprint_documents
from archivekit.digests import Fingerprint
from archivekit.export.warc import (
    PreparedRecord,
    RecordMaker,
    WarcOptions,
    WarcRef,
    file_name,
)
from archivekit.record import Document, Result
from archivekit.runner import collector_paused

# Articles a batch (and a shard with --jobs): their prepared outputs (the WARC records and
# the JSON-LD, ~1.5x the page) are held until the batch is written.
ARCHIVE_BATCH = 32


@dataclass(frozen=True)
class WorkerRecipe:
    """What an :class:`ArticleWorker` needs besides the checker (it pickles)."""

    warc_options: WarcOptions | None  # None: no WARC output
    stamp: datetime
    jsonld: bool
    publishers: dict[str, tuple[str, str | None]]
    sd_publisher: str
    collection_name: str = "archivekit collection"
    replay_url: str | None = None
    page_text: bool = False  # the body as one text, for the WACZ page's full-text field


@dataclass(slots=True)
class PreparedArticle:
    """An article after the expensive work, ready for :meth:`Archiver.commit`."""

    result: Result        # without the record (the JSON-LD already holds what it needed)
    path: str
    io_error: bool
    exportable: bool      # has content and was read whole
    has_content: bool
    headline: str | None
    text: str | None      # the body, for the WACZ page's full-text field (with --wacz only)
    facts: dict | None    # what report.html shows of the record (report.html.article_facts)
    warc: PreparedRecord | None
    jsonld: bytes | None  # the NewsArticle, serialised with the WARC place ``jsonld_ref``
    jsonld_ref: tuple[str, str, str] | None
    jsonld_id: str | None


class SerialHint:
    """The number of the WARC file being written, for workers to build records against
    (a shared value across processes; a plain attribute with ``jobs=1``). A wrong guess
    (the file rolled meanwhile) costs the parent a rebuild, never a different output."""

    def __init__(self, shared: bool):
        if shared:
            import multiprocessing

            self._value = multiprocessing.RawValue("q", 0)
        else:
            from types import SimpleNamespace

            self._value = SimpleNamespace(value=0)

    @property
    def value(self) -> int:
        return self._value.value

    @value.setter
    def value(self, serial: int) -> None:
        self._value.value = serial


class ArticleWorker:
    """The expensive per-article work of ``archive`` and ``export`` (a pool worker's state)."""

    def __init__(self, checker: Checker, recipe: WorkerRecipe, serial: SerialHint):
        self.checker = checker
        self.recipe = recipe
        self.serial = serial
        self.maker = RecordMaker(recipe.warc_options, recipe.stamp) if recipe.warc_options else None
        self.context = None
        if recipe.jsonld:
            from archivekit.export.jsonld import ArticleContext

            self.context = ArticleContext(publishers=recipe.publishers,
                                          sd_publisher=recipe.sd_publisher,
                                          sd_date=recipe.stamp.date().isoformat(),
                                          collection=recipe.collection_name,
                                          replay_url=recipe.replay_url)

    def prepare(self, document: Document) -> PreparedArticle:
        return self.prepare_many([document])[0]

    def prepare_many(self, documents: list[Document]) -> list[PreparedArticle]:
        """:meth:`prepare` over a batch, a stage at a time: every check, every fingerprint,
        every WARC record, every JSON-LD document. The same outputs as one at a time, for
        ~30% less CPU a page in real time (docs/scale.md: measured, not modelled)."""
        with collector_paused():
            return self._prepare_many(documents)

    def _prepare_many(self, documents: list[Document]) -> list[PreparedArticle]:
        # The same fingerprint as `archivekit fingerprint` (size, simhash, per field).
        checked = fingerprint_documents(documents, self.checker, parsed_only=True)
        prepared = [self._start(document, result)
                    for document, (result, _) in zip(documents, checked, strict=True)]
        refs: list[WarcRef | None] = [None] * len(prepared)
        if self.maker is not None:
            refs = [self._warc(document, article, fp) if article.exportable else None
                    for document, article, (_, fp) in zip(documents, prepared, checked,
                                                          strict=True)]
        if self.context is not None:
            for article, ref, (result, fp) in zip(prepared, refs, checked, strict=True):
                if article.exportable and result.record is not None:
                    self._jsonld(article, ref, fp)
        for article in prepared:
            article.result.record = None  # keep memory flat and the pool's traffic small
        return prepared

    def _start(self, document: Document, result: Result) -> PreparedArticle:
        from archivekit.report.html import article_facts

        record = result.record
        return PreparedArticle(result=result, path=document.path, io_error=document.io_error,
                               exportable=bool(document.content) and not document.read_error,
                               has_content=bool(document.content),
                               headline=(record or {}).get("headline"), warc=None,
                               text=self._page_text(record),
                               facts=article_facts(record) if record is not None else None,
                               jsonld=None, jsonld_ref=None, jsonld_id=None)

    def _warc(self, document: Document, article: PreparedArticle,
              fp: Fingerprint | None) -> WarcRef:
        result = article.result
        metadata = {"software": f"archivekit/{__version__}", "source": document.path,
                    "result": result.to_dict(), "field_sha256": _fields(fp) or {}}
        serial = self.serial.value
        warc = article.warc = self.maker.prepare(document, result, metadata,
                                                 self.maker.warcinfo_id(serial))
        # Where the parent will most likely write it: the current file, no revisit.
        return WarcRef(filename=file_name(self.maker.options, self.maker.stamp, serial),
                       record_id=warc.record_id, record_type=warc.kind, metadata_id="",
                       target_uri=warc.uri, date=warc.date, payload_digest=warc.payload_digest)

    def _jsonld(self, article: PreparedArticle, ref: WarcRef | None,
                fp: Fingerprint | None) -> None:
        from archivekit.export.jsonld import article_jsonld, document_bytes

        doc = article_jsonld(article.result, ref, self.context, field_digests=_fields(fp))
        # An exact-size copy: the bytes orjson returns keep the buffer it grew them in,
        # and a batch holds 32 of them until written (archive's peak RSS on 600 pages:
        # 73 MB with orjson's own, 61 MB with the copy, as with the text before).
        article.jsonld = memoryview(document_bytes(doc)).tobytes()
        article.jsonld_id = doc.get("@id")
        article.jsonld_ref = ref_key(ref)

    def _page_text(self, record: dict | None) -> str | None:
        """Only for a WACZ (a copy of the body otherwise sent to the parent for nothing)."""
        if not self.recipe.page_text:
            return None
        return "\n\n".join((record or {}).get("body") or []) or None


def _fields(fp: Fingerprint | None) -> dict[str, str] | None:
    return fp.fields if fp is not None else None


def ref_key(ref: WarcRef | None) -> tuple[str, str, str] | None:
    """What of a WarcRef goes into the JSON-LD."""
    return (ref.filename, ref.record_id, ref.payload_digest) if ref is not None else None


@dataclass(frozen=True)
class ArticleRecipe:
    """A pool worker's state for ``archive``/``export``: its :class:`ArticleWorker`."""

    checker: object  # a Recipe of the Checker
    recipe: WorkerRecipe
    serial: SerialHint

    def build(self) -> ArticleWorker:
        return ArticleWorker(self.checker.build(), self.recipe, self.serial)


def prepare_article(document: Document, worker: ArticleWorker) -> PreparedArticle:
    """The pool's per-article function."""
    return worker.prepare(document)


def prepare_articles(documents: list[Document], worker: ArticleWorker) -> list[PreparedArticle]:
    """The pool's function over a batch of articles (the one the drivers use)."""
    return worker.prepare_many(documents)
