"""The main job: check, fingerprint and export a collection in one pass.

The per-article work is split in two. :class:`ArticleWorker` does the expensive part,
in a pool worker with ``jobs > 1`` (in this process with ``jobs=1``): read, check,
fingerprint, the JSON-LD document and the WARC record, digested and gzipped.
:class:`Archiver` then takes each :class:`PreparedArticle` in input order and writes
it: revisit or not, the metadata record, file rolling, the JSON-LD files, the report
line, the WACZ page; :meth:`Archiver.finish` completes every output. The bytes written
are the same for any ``jobs``.

:func:`archive_paths` streams a collection through both and yields each
:class:`~archivekit.record.Result` as soon as it is known, so a caller can report as it
goes. Every output is written under a temporary name and renamed when complete: a run
that stops early (exception, Ctrl-C, a consumer that stops iterating) leaves nothing
that looks complete, and running it again redoes the job.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archivekit import __version__
from archivekit.atomic import write_text
from archivekit.checker import Checker
from archivekit.export.warc import (
    PARTIAL_SUFFIX,
    PreparedRecord,
    RecordMaker,
    WarcExporter,
    WarcOptions,
    WarcRef,
    export_stamp,
    file_name,
)
from archivekit.fingerprint import fingerprint_checked
from archivekit.record import ERROR, Document, Finding, Result
from archivekit.report import Summary
from archivekit.report.jsonl import result_line
from archivekit.sources import SourceError, is_warc_name


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

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
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


@dataclass(frozen=True)
class WorkerRecipe:
    """What an :class:`ArticleWorker` needs besides the checker (it pickles)."""

    warc_options: WarcOptions | None  # None: no WARC output
    stamp: datetime
    jsonld: bool
    publishers: dict[str, tuple[str, str | None]]
    sd_publisher: str


@dataclass(slots=True)
class PreparedArticle:
    """An article after the expensive work, ready for :meth:`Archiver.commit`."""

    result: Result        # without the record (the JSON-LD already holds what it needed)
    path: str
    io_error: bool
    exportable: bool      # has content and was read whole
    has_content: bool
    headline: str | None
    warc: PreparedRecord | None
    jsonld: str | None    # the NewsArticle, serialised with the WARC place ``jsonld_ref``
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
        if not checker.keep_record:
            checker.keep_record = True
        self.checker = checker
        self.recipe = recipe
        self.serial = serial
        self.maker = RecordMaker(recipe.warc_options, recipe.stamp) if recipe.warc_options else None
        self.context = None
        if recipe.jsonld:
            from archivekit.export.jsonld import ArticleContext

            self.context = ArticleContext(publishers=recipe.publishers,
                                          sd_publisher=recipe.sd_publisher,
                                          sd_date=recipe.stamp.date().isoformat())

    def prepare(self, document: Document) -> PreparedArticle:
        result = self.checker.check(document)
        result.io_error = document.io_error
        digests = None
        if result.record is not None:
            # The same fingerprint as `archivekit fingerprint` (size, simhash, per field).
            fp = fingerprint_checked(document.content, result)
            result.fingerprint = fp.to_dict()
            digests = fp.fields
        exportable = bool(document.content) and not document.read_error
        record = result.record
        prepared = PreparedArticle(result=result, path=document.path, io_error=document.io_error,
                                   exportable=exportable, has_content=bool(document.content),
                                   headline=(record or {}).get("headline"), warc=None,
                                   jsonld=None, jsonld_ref=None, jsonld_id=None)
        if exportable:
            ref = None
            if self.maker is not None:
                metadata = {"software": f"archivekit/{__version__}", "source": document.path,
                            "result": result.to_dict(), "field_sha256": digests or {}}
                serial = self.serial.value
                warc = prepared.warc = self.maker.prepare(document, result, metadata,
                                                          self.maker.warcinfo_id(serial))
                # Where the parent will most likely write it: the current file, no revisit.
                ref = WarcRef(filename=file_name(self.maker.options, self.maker.stamp, serial),
                              record_id=warc.record_id, record_type=warc.kind, metadata_id="",
                              target_uri=warc.uri, date=warc.date,
                              payload_digest=warc.payload_digest)
            if self.context is not None and record is not None:
                from archivekit.export.jsonld import article_jsonld, dumps

                doc = article_jsonld(result, ref, self.context, field_digests=digests)
                prepared.jsonld, prepared.jsonld_id = dumps(doc), doc.get("@id")
                prepared.jsonld_ref = _ref_key(ref)
        result.record = None  # keep memory flat and the pool's traffic small
        return prepared


def _ref_key(ref: WarcRef | None) -> tuple[str, str, str] | None:
    """What of a WarcRef goes into the JSON-LD."""
    return (ref.filename, ref.record_id, ref.payload_digest) if ref is not None else None


def _setup_worker(checker_setup, checker_args, recipe: WorkerRecipe, serial: SerialHint):
    return ArticleWorker(checker_setup(*checker_args), recipe, serial)


def prepare_article(document: Document, worker: ArticleWorker) -> PreparedArticle:
    """The pool's per-article function."""
    return worker.prepare(document)


class Archiver:
    """Writes the outputs of ``archive`` and ``export`` from prepared articles, in input
    order; use as a context manager."""

    def __init__(self, settings: ArchiveSettings, checker: Checker, *, shared_serial: bool = False):
        if not checker.keep_record:
            checker.keep_record = True
        self.settings = settings
        self.checker = checker
        self.summary = Summary()
        out = settings.out_dir
        out.mkdir(parents=True, exist_ok=True)
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
                                       article_files=settings.jsonld_files)
        self.recipe = WorkerRecipe(warc_options=settings.warc_options if settings.warc else None,
                                   stamp=stamp, jsonld=settings.jsonld, publishers=publishers,
                                   sd_publisher=settings.sd_publisher)
        self.serial = SerialHint(shared_serial)
        self._worker: ArticleWorker | None = None
        self.pages = []
        self.bag_files: dict[str, str] = {}
        self._warc_reports: dict[str, object] = {}
        self._report = None
        if settings.report:
            self._report_path = out / "report.jsonl"
            # backslashreplace: a non-UTF-8 file name becomes \udcXX JSON escapes, not a crash.
            self._report = open(out / ("report.jsonl" + PARTIAL_SUFFIX), "w", encoding="utf-8",
                                errors="backslashreplace",
                                newline="\n")
            from archivekit.report.html import HtmlReport

            self._html = HtmlReport(title=f"archivekit report: {settings.collection_name}",
                                    rules=checker.schema.rules())
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
        if self._worker is None:
            self._worker = ArticleWorker(self.checker, self.recipe, self.serial)
        return self.commit(self._worker.prepare(document))

    def commit(self, prepared: PreparedArticle) -> Result:
        """Write an article prepared by :class:`ArticleWorker` (in input order)."""
        result = prepared.result
        problems = self._input_warc_problems(prepared.path)
        if problems:
            result.findings.extend(problems)
            self.skipped += prepared.has_content
        elif prepared.exportable:
            self._export(prepared)
        self._bag_source(prepared.path, prepared.io_error)
        self.summary.add(result, self.settings.strict)
        if self._report is not None:
            self._report.write(result_line(result) + "\n")
            self._html.add(result)
        return result

    def _export(self, prepared: PreparedArticle) -> None:
        ref: WarcRef | None = None
        if self.warc is not None and prepared.warc is not None:
            ref = self.warc.write(prepared.warc)
            self.serial.value = self.warc.serial
            if self.settings.wacz:
                from archivekit.export.wacz import Page

                self.pages.append(Page(id=ref.record_id.strip("<>").rsplit(":", 1)[-1],
                                       url=ref.target_uri, ts=ref.date, title=prepared.headline))
        if self.jsonld is not None and prepared.jsonld is not None:
            text = prepared.jsonld
            if _ref_key(ref) != prepared.jsonld_ref:  # a revisit, or the file rolled meanwhile
                from archivekit.export.jsonld import dumps, with_warc_ref, without_warc_ref

                text = dumps(with_warc_ref(without_warc_ref(json.loads(text)), ref))
            self.jsonld.add_text(text, prepared.path, prepared.jsonld_id)
        self.exported += 1

    def _input_warc_problems(self, source: str) -> list[Finding]:
        """Errors warc-check finds in the input WARC record this document came from."""
        if "#" not in source:
            return []
        path, _, offset_text = source.rpartition("#")
        if not is_warc_name(path) or not offset_text.isdigit():
            return []
        report = self._warc_reports.get(path)
        if report is None:
            from archivekit.warccheck import check_warc

            report = self._warc_reports[path] = check_warc(path)
        whole_file = [f for f in report.findings if f.severity == ERROR and (
            f.rule in ("warc.gzip.multi_record_member", "warc.not_warc"))]
        found = whole_file or report.errors_at(int(offset_text))
        return [Finding(rule=f.rule, severity=ERROR, pointer="/source",
                        message=f"input WARC record at offset {f.pointer.lstrip('/')}: "
                                f"{f.message}; not exported")
                for f in found]

    def _bag_source(self, source: str, io_error: bool) -> None:
        if not self.settings.bag or source == "-" or io_error:
            return
        path = source.rpartition("#")[0] if "#" in source and is_warc_name(
            source.rpartition("#")[0]) else source
        if path not in self.bag_files and os.path.isfile(path):
            self.bag_files[path] = _bag_name(path, self.settings.inputs)

    # --- the end --------------------------------------------------------------------------

    def finish(self) -> ArchiveOutcome:
        settings = self.settings
        outcome = ArchiveOutcome(summary=self.summary, exported=self.exported,
                                 skipped=self.skipped)
        if self.warc is not None:
            self.warc.close()
            outcome.warc_files = list(self.warc.files)
        if self.jsonld is not None:
            self.jsonld.close()
            outcome.jsonld_dir = self.jsonld.out_dir
        if settings.wacz:
            from archivekit.export.wacz import write_wacz

            outcome.wacz_file = write_wacz(
                settings.out_dir / f"{settings.warc_options.prefix}.wacz", outcome.warc_files,
                self.pages, date=settings.warc_options.date, title=settings.collection_name)
        if settings.bag:
            from archivekit.export.bagit import write_bag

            # Built beside the old bag and swapped in, so a rerun replaces a finished bag.
            fresh = settings.out_dir / ".bag.new"
            # Leftovers of a killed run: write_bag's ".<name>.tmp-<pid>" and our own.
            for stale in (fresh, *settings.out_dir.glob("..bag.new.tmp-*")):
                shutil.rmtree(stale, ignore_errors=True)
            write_bag(sorted(self.bag_files.items(), key=lambda p: p[1]), fresh)
            outcome.bag_dir = _swap_dir(fresh, settings.out_dir / "bag")
        if self._report is not None:
            self._report.close()
            os.replace(self._report.name, self._report_path)
            outcome.report_file = self._report_path
            self._html.input_errors = list(self.summary.input_errors)
            self._html.write(settings.out_dir / "report.html", generated=settings.warc_options.date)
            write_text(settings.out_dir / "summary.json",
                       json.dumps(self._summary_dict(outcome), indent=2, ensure_ascii=False) + "\n",
                       errors="backslashreplace")
        return outcome

    def abort(self) -> None:
        if self.warc is not None:
            self.warc.abort()
        if self.jsonld is not None:
            self.jsonld.abort()
        if self._report is not None:
            self._report.close()

    def _summary_dict(self, outcome: ArchiveOutcome) -> dict:
        s = self.summary
        out = self.settings.out_dir
        return {
            "software": f"archivekit/{__version__}",
            "articles": s.articles, "valid": s.valid, "failed": s.failed_articles,
            "errors": s.errors, "warnings": s.warnings, "by_rule": dict(sorted(s.by_rule.items())),
            "exported": outcome.exported, "skipped": outcome.skipped,
            "input_errors": s.input_errors,
            "outputs": {
                "warc": [str(p.relative_to(out)) for p in outcome.warc_files],
                "jsonld": str(outcome.jsonld_dir.relative_to(out)) if outcome.jsonld_dir else None,
                "wacz": outcome.wacz_file.name if outcome.wacz_file else None,
                "bag": "bag" if outcome.bag_dir else None,
                "report": "report.jsonl",
                "report_html": "report.html",
            },
        }


def archive_paths(inputs: Iterable[str], checker: Checker, settings: ArchiveSettings, *,
                  jobs: int = 1, follow_symlinks: bool = False,
                  on_error: Callable[[SourceError], None] | None = None,
                  on_finish: Callable[[ArchiveOutcome], None] | None = None) -> Iterator[Result]:
    """Yield each article's result while exporting; outputs complete when exhausted.

    ``jobs``: worker processes for the per-article work (0: one per core); the outputs
    are byte-identical for any value. Results come without their record dict.
    """
    from archivekit.runner import checker_state, resolve_jobs, run_documents

    inputs = list(inputs)
    if not settings.inputs:
        settings.inputs = tuple(inputs)
    archiver = Archiver(settings, checker, shared_serial=resolve_jobs(jobs) > 1)

    def input_error(exc: SourceError) -> None:
        archiver.summary.input_errors.append(str(exc))
        if on_error is not None:
            on_error(exc)

    checker_setup, checker_args = checker_state(checker, jobs)
    with archiver:
        for prepared in run_documents(
                inputs, prepare_article, setup=_setup_worker,
                setup_args=(checker_setup, checker_args, archiver.recipe, archiver.serial),
                jobs=jobs, follow_symlinks=follow_symlinks, on_error=input_error,
                max_page_bytes=checker.max_page_bytes):
            yield archiver.commit(prepared)
        outcome = archiver.finish()
    if on_finish is not None:
        on_finish(outcome)


def _bag_name(path: str, inputs: Iterable[str]) -> str:
    """The name under data/: the path relative to the input it was found under."""
    absolute = os.path.abspath(path)
    for raw in inputs:
        root = os.path.abspath(raw)
        if os.path.isdir(root) and absolute.startswith(root.rstrip(os.sep) + os.sep):
            base = os.path.basename(root.rstrip(os.sep)) or "collection"
            return f"{base}/{os.path.relpath(absolute, root)}".replace(os.sep, "/")
    return os.path.basename(path)


def _swap_dir(fresh: Path, target: Path) -> Path:
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return target




def default_date() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
