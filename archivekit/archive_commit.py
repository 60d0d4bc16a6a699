"""The writing half of ``archive``: :class:`Archiver` takes each prepared article in input
order and writes it (revisit or not, metadata record, file rolling, JSON-LD, report line,
WACZ page); :meth:`Archiver.finish` completes every output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from archivekit.archive_prepare import (
    ARCHIVE_BATCH,
    ArticleWorker,
    PreparedArticle,
    SerialHint,
    WorkerRecipe,
    ref_key,
)
from archivekit.atomic import write_text
from archivekit.checker import Checker
from archivekit.export.bagit import BagError, bag_name
from archivekit.export.warc import (
    PARTIAL_SUFFIX,
    WarcExporter,
    WarcOptions,
    WarcRef,
    export_stamp,
)
from archivekit.locations import source_file
from archivekit.record import ERROR, Document, Finding, Result
from archivekit.report.base import Summary
from archivekit.report.jsonl import result_line
from archivekit.report.summary import summary_dict
from archivekit.safepath import create_fresh, real_dir, remove_planted


@dataclass
class ArchiveSettings:
    out_dir: Path
    warc: bool = True
    jsonld: bool = True
    jsonld_files: bool = False  # one JSON-LD file per article besides the NDJSON
    wacz: bool = False
    bag: bool = False
    report: bool = True
    warc_options: WarcOptions = field(default_factory=WarcOptions)
    collection_name: str = "archivekit collection"
    sd_publisher: str = "archivekit"
    strict: bool = False
    inputs: tuple[str, ...] = ()
    replay_url: str | None = None  # JSON-LD archivedAt's base; None: pywb's for the prefix
    bag_profile: str = "btr"

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        if self.replay_url is None:
            from archivekit.export.jsonld import default_replay_url

            self.replay_url = default_replay_url(self.warc_options.prefix)
        if self.wacz:
            self.warc = True


@dataclass
class ArchiveOutcome:
    """What a finished run wrote."""

    summary: Summary
    warc_files: list[Path] = field(default_factory=list)
    jsonld_dir: Path | None = None
    wacz_file: Path | None = None
    bag_dir: Path | None = None
    report_file: Path | None = None
    exported: int = 0
    skipped: int = 0


class Archiver:
    """Writes the outputs of ``archive`` and ``export`` from prepared articles, in input
    order; use as a context manager."""

    batch = ARCHIVE_BATCH  # the articles to give process_many at a time

    def __init__(self, settings: ArchiveSettings, checker: Checker, *, shared_serial: bool = False):
        if settings.wacz:
            # Before anything is written: a missing cdxj-indexer is a usage error (exit 2),
            # not a half-written output directory.
            from archivekit.export.wacz import require_indexer

            require_indexer()
        self.settings = settings
        self.checker = checker
        self.summary = Summary()
        out = settings.out_dir
        real_dir(out)
        # A link planted in -o DIR where an output directory goes is refused, not followed;
        # one where a temporary goes is removed (the link, never its target).
        for sub in ("warc", "jsonld", "bag"):
            if (out / sub).is_symlink():
                real_dir(out / sub)
        remove_planted(out, ".jsonld.open", ".bag.new", f"{settings.warc_options.prefix}.wacz.open")
        stamp = export_stamp(settings.warc_options)
        self.warc = WarcExporter(out / "warc", settings.warc_options, stamp=stamp) \
            if settings.warc else None
        self.jsonld = None
        publishers = {p.id: (p.publisher, p.publisher_url) for p in checker.profiles.profiles}
        if settings.jsonld:
            from archivekit.export.jsonld import JsonLdWriter

            self.jsonld = JsonLdWriter(out / "jsonld", collection_name=settings.collection_name,
                                       sd_publisher=settings.sd_publisher,
                                       date=stamp, publishers=publishers,
                                       replay_url=settings.replay_url,
                                       article_files=settings.jsonld_files)
        self.recipe = WorkerRecipe(warc_options=settings.warc_options if settings.warc else None,
                                   stamp=stamp, jsonld=settings.jsonld, publishers=publishers,
                                   sd_publisher=settings.sd_publisher,
                                   collection_name=settings.collection_name,
                                   replay_url=settings.replay_url, page_text=settings.wacz)
        self.serial = SerialHint(shared_serial)
        self._worker: ArticleWorker | None = None
        self.pages = None
        if settings.wacz:
            from archivekit.export.wacz import PagesWriter

            self.pages = PagesWriter(out / ("pages.jsonl" + PARTIAL_SUFFIX))
        self.bag_files: dict[str, str] = {}
        self._report = None
        if settings.report:
            self._report_path = out / "report.jsonl"
            # backslashreplace: a non-UTF-8 file name becomes \udcXX JSON escapes, not a crash.
            self._report = open(create_fresh(out / ("report.jsonl" + PARTIAL_SUFFIX)), "w",
                                encoding="utf-8", errors="backslashreplace", newline="\n")
            from archivekit.report.html import HtmlReport

            self._html = HtmlReport(title=f"archivekit report: {settings.collection_name}",
                                    rules=checker.schema.rules(),
                                    command_line=settings.warc_options.command_line,
                                    spool_dir=out)
        self.exported = 0
        self.skipped = 0

    def __enter__(self) -> Archiver:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()

    # --- one article ----------------------------------------------------------------------

    def process(self, document: Document) -> Result:
        """All the work for one article, in this process."""
        return self.process_many([document])[0]

    def process_many(self, documents: list[Document]) -> list[Result]:
        """:meth:`process` over a batch (prepared a stage at a time: faster, same bytes)."""
        if self._worker is None:
            self._worker = ArticleWorker(self.checker, self.recipe, self.serial)
        return [self.commit(prepared) for prepared in self._worker.prepare_many(documents)]

    def commit(self, prepared: PreparedArticle) -> Result:
        """Write an article prepared by :class:`ArticleWorker` (in input order)."""
        result = prepared.result
        if self._input_warc_problems(result):
            self.skipped += prepared.has_content
        elif prepared.exportable:
            self._export(prepared)
        self._bag_source(prepared.path, prepared.io_error)
        self.summary.add(result, self.settings.strict)
        if self._report is not None:
            self._report.write(result_line(result) + "\n")
            self._html.add(result, prepared.facts)
        return result

    def _export(self, prepared: PreparedArticle) -> None:
        ref: WarcRef | None = None
        if self.warc is not None and prepared.warc is not None:
            ref = self.warc.write(prepared.warc)
            self.serial.value = self.warc.serial
            if self.settings.wacz:
                from archivekit.export.wacz import Page

                self.pages.append(Page(id=ref.record_id.strip("<>").rsplit(":", 1)[-1],
                                       url=ref.target_uri, ts=ref.date, title=prepared.headline,
                                       text=prepared.text))
        if self.jsonld is not None and prepared.jsonld is not None:
            text = prepared.jsonld
            if ref_key(ref) != prepared.jsonld_ref:  # a revisit, or the file rolled meanwhile
                from archivekit.export.jsonld import document_bytes, with_warc_ref, without_warc_ref

                text = document_bytes(with_warc_ref(without_warc_ref(json.loads(text)), ref,
                                                   replay=self.settings.replay_url))
            self.jsonld.add_text(text, prepared.path, prepared.jsonld_id)
        self.exported += 1

    @staticmethod
    def _input_warc_problems(result: Result) -> list[Finding]:
        """The errors warc-check found in the input WARC record of this article (the page
        reader put them on it, from the same reading pass)."""
        return [f for f in result.findings if f.severity == ERROR and f.rule.startswith("warc.")]

    def _bag_source(self, source: str, io_error: bool) -> None:
        if not self.settings.bag or source == "-" or io_error:
            return
        path = source_file(source)
        if path not in self.bag_files and os.path.isfile(path):
            self.bag_files[path] = bag_name(path, self.settings.inputs)

    # --- the end --------------------------------------------------------------------------

    def finish(self) -> ArchiveOutcome:
        settings = self.settings
        outcome = ArchiveOutcome(summary=self.summary, exported=self.exported,
                                 skipped=self.skipped)
        bag_failed: BagError | None = None
        if self.warc is not None:
            self.warc.close()
            outcome.warc_files = list(self.warc.files)
        if self.jsonld is not None:
            self.jsonld.close()
            outcome.jsonld_dir = self.jsonld.out_dir
        if settings.wacz:
            from archivekit.export.wacz import write_wacz

            remove_planted(settings.out_dir, f"{settings.warc_options.prefix}.wacz.open")
            outcome.wacz_file = write_wacz(
                settings.out_dir / f"{settings.warc_options.prefix}.wacz", outcome.warc_files,
                self.pages, date=settings.warc_options.date, title=settings.collection_name)
        if settings.bag:
            from archivekit.export.bag_profiles import bag_collection

            # Every file of the collection (what is left out is listed in the bag, with why).
            try:
                outcome.bag_dir = bag_collection(settings.out_dir, settings.inputs, self.bag_files,
                                                 profile=settings.bag_profile,
                                                 source_organization=settings.warc_options.operator,
                                                 title=settings.collection_name)
            except BagError as exc:
                # The reports are still finished (and say why); the run then ends in the error.
                bag_failed = exc
                self.summary.input_errors.append(f"bag not written: {exc}")
        if self._report is not None:
            self._report.close()
            os.replace(self._report_path.with_name("report.jsonl" + PARTIAL_SUFFIX),
                       self._report_path)
            outcome.report_file = self._report_path
            self._html.input_errors = list(self.summary.input_errors)
            self._html.write(settings.out_dir / "report.html", generated=settings.warc_options.date)
            summary = summary_dict(self.summary, outcome, settings.out_dir)
            write_text(settings.out_dir / "summary.json",
                       json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                       errors="backslashreplace")
        if bag_failed is not None:
            raise bag_failed
        return outcome

    def abort(self) -> None:
        if self.warc is not None:
            self.warc.abort()
        if self.jsonld is not None:
            self.jsonld.abort()
        if self.pages is not None:
            self.pages.close()  # pages.jsonl.open stays, like the other .open files
        if self._report is not None:
            self._report.close()
