"""Progress on stderr while a collection runs; results stay on stdout.

On a terminal a rich bar (done/total, rate, ETA, findings so far), cleared from its line
whenever a result is printed to the same terminal (:meth:`ProgressReporter.clear`), so a
result line never carries a frame of it; elsewhere (CI logs, files) a plain line every
5 % of the total or every 30 s, and with ``--progress auto`` only once the run has taken
a few seconds and then at most one line every few seconds: a short run logs none. The total is
counted in a background thread, as honestly as it can be without reading the
collection twice: one per page file, and for a WARC file an estimate from its size
(shown with ``~``) since its number of records is only known once it is read.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TextIO

from archivekit.record import Result
from archivekit.sources import collect_paths, is_warc_name

# A ~50 KB page compresses to ~12 KB in a .warc.gz; plain .warc records are larger.
WARC_GZ_BYTES_PER_RECORD = 12_000
WARC_BYTES_PER_RECORD = 50_000
LINE_EVERY_FRACTION = 0.05
LINE_EVERY_SECONDS = 30.0
# --progress auto off a terminal: no line before a run has taken this long, and lines at
# least this far apart (a CI log of a short run stays results only).
QUIET_SECONDS = 5.0


class CollectionSize:
    """Counts the articles a run will see, in a daemon thread so the run starts at once."""

    def __init__(self, inputs: Iterable[str], follow_symlinks: bool = False):
        self._inputs = list(inputs)
        self._follow = follow_symlinks
        self.total: int | None = None
        self.estimated = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if "-" in self._inputs:
            return  # standard input: no total
        self._thread = threading.Thread(target=self._count, name="archivekit-count", daemon=True)
        self._thread.start()

    def _count(self) -> None:
        total = 0
        estimated = False
        for path in collect_paths(self._inputs, follow_symlinks=self._follow, on_error=_ignore):
            if isinstance(path, str) and is_warc_name(path):
                estimated = True
                try:
                    size = os.path.getsize(path)
                except OSError:
                    size = 0
                per = WARC_GZ_BYTES_PER_RECORD if path.lower().endswith(".gz") else WARC_BYTES_PER_RECORD
                total += max(1, round(size / per))
            else:
                total += 1
        self.estimated = estimated
        self.total = total


def _ignore(_exc) -> None:
    pass


class ProgressReporter:
    """Receives every result (``advance``) and shows progress; ``close`` at the end."""

    def __init__(self, size: CollectionSize | None = None, *, stream: TextIO | None = None,
                 bar: bool = False, label: str = "checking", quiet_for: float = 0.0):
        self.size = size
        self.stream = stream or sys.stderr
        self.label = label
        self.done = 0
        self.findings = 0
        self.failed = 0
        self._use_bar = bar
        self._quiet_for = quiet_for  # no plain line before this many seconds, none closer
        self._bar = None
        self._task = None
        self._created = time.monotonic()
        self._started = 0.0
        self._last_line_at = 0.0
        self._last_line_done = 0

    # The count thread and the bar's refresh thread start with the first result, after
    # the worker pool has forked.
    def _start(self) -> None:
        self._started = self._last_line_at = time.monotonic()
        if self.size is not None:
            self.size.start()
        if self._use_bar:
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(file=self.stream, no_color=bool(os.environ.get("NO_COLOR")) or None)
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"), TimeRemainingColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[findings]} findings"),
            console=console, transient=False, refresh_per_second=4)
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=None, rate="0", findings=0)

    def advance(self, result: Result) -> None:
        if not self._started:
            self._start()
        self.done += 1
        self.findings += len(result.findings)
        self.failed += not result.valid
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, total=self._total(),
                             rate=f"{self._rate():,.0f}", findings=self.findings)
        else:
            self._maybe_line()

    def _total(self) -> int | None:
        total = self.size.total if self.size is not None else None
        if total is not None and self.done > total:
            return self.done  # the estimate was low; never show more than 100 %
        return total

    def _rate(self) -> float:
        elapsed = time.monotonic() - self._created
        return self.done / elapsed if elapsed > 0 else 0.0

    def _maybe_line(self) -> None:
        now = time.monotonic()
        if now - self._last_line_at < self._quiet_for:
            return
        total = self._total()
        due = now - self._last_line_at >= LINE_EVERY_SECONDS
        if total:
            due = due or self.done - self._last_line_done >= max(1, total * LINE_EVERY_FRACTION)
        if due:
            self._line(now, total)

    @contextlib.contextmanager
    def clear(self) -> Iterator[None]:
        """Take the bar off its line while the caller prints a result to the same terminal;
        the bar's next refresh draws it again below the result."""
        live = getattr(self._bar, "live", None)
        if live is None:
            yield
            return
        with live._lock:  # the refresh thread draws under this lock
            render = getattr(live, "_live_render", None)
            if render is not None and getattr(render, "_shape", None) is not None:
                height = render._shape[1]
                # Back to the bar's first line, erasing each of its lines on the way.
                self.stream.write("\r\x1b[2K" + "\x1b[1A\x1b[2K" * (height - 1))
                self.stream.flush()
                render._shape = None  # nothing drawn now: the next refresh draws afresh
            yield

    def _line(self, now: float, total: int | None) -> None:
        estimated = "~" if self.size is not None and self.size.estimated else ""
        if total:
            share = f"{self.done:,}/{estimated}{total:,} articles ({100 * self.done / total:.0f}%)"
            rate = self._rate()
            eta = f", ETA {_duration((total - self.done) / rate)}" if rate > 0 else ""
        else:
            share, eta = f"{self.done:,} articles", ""
        self.stream.write(f"archivekit: {self.label} {share}, {self._rate():,.0f}/s{eta}, "
                          f"{self.findings:,} findings in {self.failed:,} failing articles\n")
        self.stream.flush()
        self._last_line_at, self._last_line_done = now, self.done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, total=self.done)
            self._bar.stop()
        elif self._started and self.done != self._last_line_done:
            now = time.monotonic()
            if now - self._started >= self._quiet_for:  # a short run: no closing line either
                self._line(now, self.done)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def make_progress(mode: str, *, quiet: bool = False, inputs: Iterable[str] = (),
                  follow_symlinks: bool = False, stream: TextIO | None = None,
                  label: str = "checking") -> ProgressReporter | None:
    """The progress display ``--progress MODE`` and ``--quiet`` ask for, or None.

    ``auto``: a bar on a terminal, plain lines elsewhere once the run has taken a few
    seconds (:data:`QUIET_SECONDS`); off with ``--quiet``. ``always``: the bar, or a line
    every 5 % from the start, even with ``--quiet``. ``never``: nothing.
    """
    stream = stream or sys.stderr
    if mode == "never" or (quiet and mode != "always"):
        return None
    on_terminal = hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"
    return ProgressReporter(CollectionSize(inputs, follow_symlinks), stream=stream,
                            bar=on_terminal, label=label,
                            quiet_for=QUIET_SECONDS if mode == "auto" else 0.0)
