"""The main job: check, fingerprint and export a collection in one pass.

:class:`Archiver` does the per-article work (check, fingerprints, WARC records, JSON-LD,
WACZ page, report line) and :meth:`Archiver.finish` completes every output.
:func:`archive_paths` streams a collection through it and yields each
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
from archivekit.checker import Checker
from archivekit.export.warc import PARTIAL_SUFFIX, WarcExporter, WarcOptions, WarcRef
from archivekit.fingerprint import fingerprint_record
from archivekit.record import ERROR, Document, Finding, Result
from archivekit.report import Summary
from archivekit.sources import SourceError, collect_paths, is_warc_name, read_documents


@dataclass
class ArchiveSettings:
    out_dir: Path
    warc: bool = True
    jsonld: bool = True
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


class Archiver:
    """Per-article work for ``archive`` and ``export``; use as a context manager."""

    def __init__(self, settings: ArchiveSettings, checker: Checker):
        if not checker.keep_record:
            checker.keep_record = True
        self.settings = settings
        self.checker = checker
        self.summary = Summary()
        out = settings.out_dir
        out.mkdir(parents=True, exist_ok=True)
        self.warc = WarcExporter(out / "warc", settings.warc_options) if settings.warc else None
        self.jsonld = None
        if settings.jsonld:
            from archivekit.export.jsonld import JsonLdWriter

            publishers = {p.id: (p.publisher, p.publisher_url) for p in checker.profiles.profiles}
            self.jsonld = JsonLdWriter(out / "jsonld", collection_name=settings.collection_name,
                                       sd_publisher=settings.sd_publisher,
                                       date=settings.warc_options.date, publishers=publishers)
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
        result = self.checker.check(document)
        result.io_error = document.io_error
        digests = None
        if result.record is not None:
            # The same fingerprint as `archivekit fingerprint` (size, simhash, per field),
            # reusing the sha256 the check already took of the bytes.
            raw = {"sha256": result.fingerprint["sha256"]} if "sha256" in result.fingerprint \
                else None
            fp = fingerprint_record(document.content, result.record, digests=raw)
            result.fingerprint = fp.to_dict()
            digests = fp.fields
        problems = self._input_warc_problems(document)
        if problems:
            result.findings.extend(problems)
            self.skipped += bool(document.content)
        elif document.content and not document.read_error:
            self._export(document, result, digests)
        self._bag_source(document)
        self.summary.add(result, self.settings.strict)
        if self._report is not None:
            self._report.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            self._html.add(result)
        return result

    def _export(self, document: Document, result: Result, digests: dict | None) -> None:
        ref: WarcRef | None = None
        if self.warc is not None:
            metadata = {"software": f"archivekit/{__version__}", "source": document.path,
                        "result": result.to_dict(), "field_sha256": digests or {}}
            ref = self.warc.add(document, result, metadata)
            if self.settings.wacz:
                from archivekit.export.wacz import Page

                self.pages.append(Page(id=ref.record_id.strip("<>").rsplit(":", 1)[-1],
                                       url=ref.target_uri, ts=ref.date,
                                       title=(result.record or {}).get("headline")))
        if self.jsonld is not None and result.record is not None:
            self.jsonld.add(result, ref, digests)
        self.exported += 1

    def _input_warc_problems(self, document: Document) -> list[Finding]:
        """Errors warc-check finds in the input WARC record this document came from."""
        if "#" not in document.path:
            return []
        path, _, offset_text = document.path.rpartition("#")
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

    def _bag_source(self, document: Document) -> None:
        if not self.settings.bag or document.path == "-" or document.io_error:
            return
        path = document.path.rpartition("#")[0] if "#" in document.path and is_warc_name(
            document.path.rpartition("#")[0]) else document.path
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
            _write_json(settings.out_dir / "summary.json", self._summary_dict(outcome))
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
                  follow_symlinks: bool = False,
                  on_error: Callable[[SourceError], None] | None = None,
                  on_finish: Callable[[ArchiveOutcome], None] | None = None) -> Iterator[Result]:
    """Yield each article's result while exporting; outputs complete when exhausted."""
    inputs = list(inputs)
    if not settings.inputs:
        settings.inputs = tuple(inputs)
    archiver = Archiver(settings, checker)

    def input_error(exc: SourceError) -> None:
        archiver.summary.input_errors.append(str(exc))
        if on_error is not None:
            on_error(exc)

    with archiver:
        paths = collect_paths(inputs, follow_symlinks=follow_symlinks, on_error=input_error)
        for document in read_documents(paths, max_page_bytes=checker.max_page_bytes):
            yield archiver.process(document)
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


def _write_json(target: Path, value: dict) -> None:
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    partial.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8",
                       errors="backslashreplace")
    os.replace(partial, target)


def default_date() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
