"""Run the per-article work over a collection, in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from archivekit.checker import Checker, check_document
from archivekit.record import Result
from archivekit.sources import SourceError, collect_paths, read_documents


def check_paths(inputs: Iterable[str], checker: Checker, *, jobs: int = 1,
                follow_symlinks: bool = False,
                on_error: Callable[[SourceError], None] | None = None) -> Iterator[Result]:
    paths = collect_paths(inputs, follow_symlinks=follow_symlinks, on_error=on_error)
    for document in read_documents(paths, max_page_bytes=checker.max_page_bytes):
        result = check_document(document, checker)
        result.io_error = document.io_error
        yield result
