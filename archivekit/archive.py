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

The halves live in :mod:`archivekit.archive_prepare` and :mod:`archivekit.archive_commit`;
this module is the driver and re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from archivekit.archive_commit import ArchiveOutcome, Archiver, ArchiveSettings
from archivekit.archive_prepare import (  # noqa: F401 - re-exported
    ArticleRecipe,
    ArticleWorker,
    PreparedArticle,
    SerialHint,
    WorkerRecipe,
    prepare_article,
    prepare_articles,
)
from archivekit.checker import Checker, checker_recipe
from archivekit.record import Result
from archivekit.sources import SourceError

__all__ = ["ArchiveOutcome", "ArchiveSettings", "Archiver", "ArticleWorker", "PreparedArticle",
           "archive_paths"]


def archive_paths(inputs: Iterable[str], checker: Checker, settings: ArchiveSettings, *,
                  jobs: int = 1, follow_symlinks: bool = False,
                  on_error: Callable[[SourceError], None] | None = None,
                  on_finish: Callable[[ArchiveOutcome], None] | None = None) -> Iterator[Result]:
    """Yield each article's result while exporting; outputs complete when exhausted.

    ``jobs``: worker processes for the per-article work (0: one per core); the outputs
    are byte-identical for any value. Results come without their record dict.
    """
    from archivekit.runner import resolve_jobs, run_documents

    inputs = list(inputs)
    if not settings.inputs:
        settings.inputs = tuple(inputs)
    archiver = Archiver(settings, checker, shared_serial=resolve_jobs(jobs) > 1)

    def input_error(exc: SourceError) -> None:
        archiver.summary.input_errors.append(str(exc))
        if on_error is not None:
            on_error(exc)

    recipe = ArticleRecipe(checker_recipe(checker, jobs), archiver.recipe, archiver.serial)
    with archiver:
        for prepared in run_documents(
                inputs, prepare_article, many=prepare_articles, recipe=recipe, jobs=jobs,
                follow_symlinks=follow_symlinks, on_error=input_error,
                max_page_bytes=checker.max_page_bytes, chunk=archiver.batch):
            yield archiver.commit(prepared)
        outcome = archiver.finish()
    if on_finish is not None:
        on_finish(outcome)
