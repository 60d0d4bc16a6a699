"""The process pool every verb's driver runs its per-article work on.

:func:`run_documents` expands the inputs, cuts them into shards (a batch of page paths,
read by the worker; or a batch of documents the parent read from a WARC file or standard
input), runs a worker function on every document and yields the worker's results **in
input order**. At most ``2 * jobs + 2`` shards are in flight, so memory stays flat however
large the collection is. With ``jobs=1`` everything runs in this process, no pool.

The worker is a picklable top-level function ``worker(document, state)``; a driver
may also give ``many(documents, state)``, the same work over a batch of documents (a
shard's, up to ``MAX_BATCH_BYTES`` of pages), done a stage at a time: a job of several
heavy stages (check, fingerprint, deflate, ...) then runs each over the whole batch
before the next, which is measurably faster than one page through every stage.
``state`` is built once per process by ``recipe.build()``: a recipe is a small picklable
value (e.g. a :class:`~archivekit.checker.CheckerRecipe`), because what the worker needs
(compiled validators, an open ledger) does not pickle. A recipe's optional ``close(state)`` runs
when each process ends. :class:`Ready` wraps a value already built, for ``jobs=1``. The
drivers that use the pool live with their verbs: :func:`archivekit.checker.check_paths`,
:func:`archivekit.fingerprint.fingerprint_paths`, :func:`archivekit.verify.verify_paths`,
:func:`archivekit.archive.archive_paths`.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Generic, Protocol, TypeVar

from archivekit.errors import InputError
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES
from archivekit.record import Document
from archivekit.sources import SourceError, collect_paths, is_warc_name, read_documents, read_file

R = TypeVar("R")
Worker = Callable[[Document, Any], R]
BatchWorker = Callable[[list[Document], Any], list[R]]

# Documents per shard (~0.15 s of work). Each shard costs ~1.2 ms of the parent's CPU and
# ~5 ms of a worker's on top of its pages (measured: check --jobs 2 on 10,000 pages, 56 ->
# 27 us a page in the parent from 32 to 128, 7.9 -> 7.2 s wall); a bigger one would
# leave a worker idle longer at the end of a run.
DEFAULT_CHUNK = 128
MAX_SHARD_BYTES = 16 * 1024 * 1024  # bound on page bytes a parent-read shard carries
# Bound on the page bytes of a batch given to a batch worker at once (its outputs, a few
# times that, are held until the batch is done).
MAX_BATCH_BYTES = 4 * 1024 * 1024


class RunnerError(InputError, RuntimeError):
    """The pool itself failed (a worker process died, e.g. killed for memory)."""


def resolve_jobs(jobs: int) -> int:
    """``jobs`` as a process count: 0 (or less) means one per usable core."""
    if jobs > 0:
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


S = TypeVar("S")


class Recipe(Protocol[S]):
    """What builds a worker's state in each process (picklable for ``jobs > 1``)."""

    def build(self) -> S: ...


@dataclass(frozen=True)
class Ready(Generic[S]):
    """A state already built: the recipe for a run in this process (``jobs=1``)."""

    value: S

    def build(self) -> S:
        return self.value


@dataclass(frozen=True)
class _Setup:
    """``setup(*setup_args)`` (and ``teardown``) as a recipe: the older, lower-level form."""

    setup: Callable[..., Any] | None
    setup_args: tuple
    teardown: Callable[[Any], None] | None

    def build(self) -> Any:
        return self.setup(*self.setup_args) if self.setup is not None else None

    def close(self, state: Any) -> None:
        if self.teardown is not None:
            self.teardown(state)


def _close(recipe, state) -> None:
    close = getattr(recipe, "close", None)
    if close is not None:
        close(state)


def run_documents(inputs: Iterable[str], worker: Worker, *, recipe: Recipe | None = None,
                  setup: Callable[..., Any] | None = None, setup_args: tuple = (),
                  teardown: Callable[[Any], None] | None = None,
                  jobs: int = 0, follow_symlinks: bool = False,
                  on_error: Callable[[SourceError], None] | None = None,
                  max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
                  chunk: int = DEFAULT_CHUNK, many: BatchWorker | None = None) -> Iterator[R]:
    """Yield ``worker(document, recipe.build())`` for every document of ``inputs``, in
    input order (``setup``/``setup_args``/``teardown`` instead of ``recipe`` also work).
    ``many``: the worker over a batch of documents (its results in their order), used
    instead of ``worker`` on batches of up to ``chunk`` documents.

    ``inputs`` are what the CLI takes: files, directories, WARC files, ``-``.
    Missing inputs go to ``on_error`` (or raise :class:`SourceError`).
    """
    if recipe is None:
        recipe = _Setup(setup, setup_args, teardown)
    paths = collect_paths(inputs, follow_symlinks=follow_symlinks, on_error=on_error)
    processes = resolve_jobs(jobs)
    chunk = max(1, chunk)
    if processes > 1:
        head = list(islice(paths, 2))
        if len(head) < 2 and not any(_read_in_parent(path) for path in head):
            processes = 1  # one page: a pool would start its processes for nothing
        paths = chain(head, paths)
    if processes == 1:
        yield from _run_here(paths, worker, many, recipe, max_page_bytes, chunk)
    else:
        yield from _run_pool(paths, worker, many, recipe, max_page_bytes, processes, chunk)


def _run_here(paths, worker, many, recipe, max_page_bytes, chunk) -> Iterator:
    state = recipe.build()
    try:
        documents = read_documents(paths, max_page_bytes=max_page_bytes)
        if many is None:
            for document in documents:
                yield worker(document, state)
        else:
            for batch in document_batches(documents, chunk):
                yield from many(batch, state)
    finally:
        _close(recipe, state)


def document_batches(documents: Iterable[Document], chunk: int = DEFAULT_CHUNK) -> Iterator[list[Document]]:
    """Up to ``chunk`` documents at a time, and no more than ``MAX_BATCH_BYTES`` of pages
    (a batch of large pages is cut short: memory stays bounded)."""
    batch: list[Document] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += len(document.content)
        if len(batch) >= chunk or size >= MAX_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a batch is worked on, as it was after.

    A batch's articles (records, results, WARC records, JSON-LD) all live until the batch
    ends: ~1,000 tracked objects, which set off collections in the middle of it that walk
    them, and move them to older generations, to free nothing (``archive``: 20-60 us a
    page, against ~3 us paused). They are freed by their reference counts when the batch
    ends, so pausing costs no memory; a batch is bounded (``document_batches``)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_pool(paths, worker, many, recipe, max_page_bytes, processes, chunk) -> Iterator:
    # Imported here: a --jobs 1 run (and every start-up) does without them (~10 ms).
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=processes, mp_context=_context(),
                               initializer=_init_worker, initargs=(recipe,))
    window = 2 * processes + 2
    pending: deque = deque()
    try:
        for shard in _split_tail(_shards(paths, max_page_bytes, chunk), processes):
            pending.append(pool.submit(_run_shard, worker, many, shard, max_page_bytes))
            while len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool:
        raise RunnerError("a worker process died unexpectedly (out of memory?); "
                          "rerun with fewer --jobs") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _split_tail(shards: Iterable[list], keep: int, pieces: int = 4) -> Iterator[list]:
    """The shards in order, the last ``keep`` shards of page paths each cut into ``pieces``:
    the workers then finish together instead of one running a whole shard alone at the
    end. Shards of documents (read by the parent) are not held back."""
    ahead: deque[list] = deque()
    for shard in shards:
        if not all(isinstance(item, str) for item in shard):
            yield from ahead
            ahead.clear()
            yield shard
            continue
        ahead.append(shard)
        if len(ahead) > keep:
            yield ahead.popleft()
    for shard in ahead:
        step = max(1, -(-len(shard) // pieces))
        for start in range(0, len(shard), step):
            yield shard[start:start + step]


def _context():
    # fork is fastest (workers inherit the imported modules and need no __main__
    # import), but forking while another thread runs can deadlock a child: then
    # forkserver (Linux) or spawn, which start clean processes.
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(["archivekit.runner"])
    return ctx


def _read_in_parent(path) -> bool:
    """A WARC file, standard input or a directory not listed: what the parent reads."""
    return not isinstance(path, str) or path == "-" or is_warc_name(path)


def _shards(paths: Iterable[str], max_page_bytes: int, chunk: int) -> Iterator[list]:
    """Batches of work items: page paths (the worker reads them) or read documents.

    WARC files and standard input are read here, in the parent, and their documents
    shipped in batches: this keeps a single large WARC spread over every worker.
    """
    shard: list = []
    size = 0
    for path in paths:
        if _read_in_parent(path):
            for document in read_documents([path], max_page_bytes=max_page_bytes):
                shard.append(document)
                size += len(document.content)
                if len(shard) >= chunk or size >= MAX_SHARD_BYTES:
                    yield shard
                    shard, size = [], 0
        else:
            shard.append(path)
            if len(shard) >= chunk:
                yield shard
                shard, size = [], 0
    if shard:
        yield shard


# --- in the worker process -------------------------------------------------------

_state: Any = None


def _exit_with_parent() -> None:
    """On Linux, have the kernel end this worker when its parent dies.

    A worker blocks on the task queue, whose write end it also holds, so it would never
    see the parent go: a parent killed with SIGKILL would leave its workers behind.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(recipe) -> None:
    global _state
    _exit_with_parent()
    # Ctrl-C goes to the whole process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state = recipe.build()
    if getattr(recipe, "close", None) is not None:
        import multiprocessing.util

        multiprocessing.util.Finalize(None, _close, args=(recipe, _state), exitpriority=10)


def _run_shard(worker, many, shard: list, max_page_bytes: int) -> list:
    documents = (read_file(item, max_page_bytes) if isinstance(item, str) else item
                 for item in shard)
    if many is None:
        return [worker(document, _state) for document in documents]
    out = []
    for batch in document_batches(documents, len(shard)):
        out.extend(many(batch, _state))
    return out
