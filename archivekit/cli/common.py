"""What the verbs share: options, running a collection through a reporter, exit codes."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Annotated, Any

import typer

from archivekit.limits import DEFAULT_MAX_PAGE_BYTES
from archivekit.printable import printable, route_library_logs
from archivekit.progress import ProgressReporter, make_progress  # noqa: F401 (for the verbs)
from archivekit.record import Result
from archivekit.report import FORMATS, Summary, make_reporter, use_color

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3


# The --format choices: the reporter registry's names, in its order.
Format = StrEnum("Format", {name: name for name in FORMATS})


class Progress(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


# Metavars are words (FILE, DIR, N); flags show none (see cli.helpstyle).
PathsArg = Annotated[list[str], typer.Argument(
    help="Files, directories (recursive), .warc/.warc.gz files, or - for standard input.",
    show_default=False, metavar="PATH")]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", metavar="FORMAT", help="Report format on stdout: text, json (one object "
    "per line), junit, sarif, gitlab (code quality), github (workflow annotations) or html "
    "(the self-contained page).")]
StrictOpt = Annotated[bool, typer.Option(
    "--strict", help="Fail (exit 1) on warnings too, not only on errors (a flag: no value).")]
ProgressOpt = Annotated[Progress, typer.Option(
    "--progress", metavar="WHEN", help="Progress on stderr: auto (a bar on a terminal; "
    "elsewhere a line every 5% or 30 s once a run takes over 5 s), always or never.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or log lines on stderr.")]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", "-j", min=0, metavar="N", help="Worker processes; 0 (the default) means one per "
    "core. Output is the same for any value.")]
SchemaOpt = Annotated[str | None, typer.Option(
    "--schema", metavar="FILE", help="Validate against this JSON Schema (Draft 2020-12) "
    "instead of the shipped one; rules come from its x-rule keywords.", show_default=False)]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", metavar="NAME", help="Force this archive profile (e.g. huffpost-au) instead "
    "of picking it from the URL or banner.", show_default=False)]
ProfileDirOpt = Annotated[str | None, typer.Option(
    "--profile-dir", metavar="DIR", help="A directory of extra profile JSON files.",
    show_default=False)]
MaxPageOpt = Annotated[int, typer.Option(
    "--max-page-size", min=1, metavar="BYTES", help="Largest page read, in bytes; larger ones "
    "are reported as parse.unreadable.")]
BaselineOpt = Annotated[str | None, typer.Option(
    "--baseline", metavar="FILE", help="A baseline file (from --write-baseline): findings it "
    "records are reported as known and do not fail the run.", show_default=False)]
WriteBaselineOpt = Annotated[str | None, typer.Option(
    "--write-baseline", metavar="FILE", help="Record every finding of this run in a baseline "
    "file (written when the run completes); they are reported as known.", show_default=False)]
FollowOpt = Annotated[bool, typer.Option(
    "--follow-symlinks", help="Follow symbolic links in the collection (off by default).")]
SarifRootOpt = Annotated[str | None, typer.Option(
    "--sarif-root", metavar="DIR", help="The directory (the repository's checkout) that file "
    "paths in sarif and gitlab reports are relative to; default: the working directory.",
    show_default=False)]
AllowEmptyOpt = Annotated[bool, typer.Option(
    "--allow-empty", help="Exit 0 when the inputs hold no article at all (default: exit 3, "
    "'no articles found in PATH').")]


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print a one-line error on stderr and return the exit to raise."""
    typer.echo(f"archivekit: error: {printable(message)}", err=True)
    return typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"archivekit: {printable(message)}", err=True)


def report_results(results: Iterable[Result], *, fmt: Format, strict: bool,
                   collection: str, rules: dict | None = None, verb: str = "check",
                   input_errors: list[str] | None = None,
                   on_result: Callable[[Result], None] | None = None,
                   progress: ProgressReporter | None = None, root: str | None = None,
                   require_articles: list[str] | None = None) -> int:
    """Stream results through the chosen reporter and return the exit code.

    ``progress`` (from :func:`make_progress`) sees every result and draws on stderr; on a
    terminal it is taken off its line while each result is printed. ``root``: what sarif
    and gitlab paths are relative to. ``require_articles``: the input paths, when a run
    that finds no article at all must end with exit 3 ("no articles found in PATH").
    """
    stream = sys.stdout
    if hasattr(stream, "reconfigure"):
        # A file name that is not UTF-8 arrives as lone surrogates (surrogateescape): write
        # them as \udcXX escapes (also valid JSON escapes) instead of failing or emitting
        # invalid UTF-8, whatever the locale.
        stream.reconfigure(errors="backslashreplace")
    reporter = make_reporter(str(fmt), stream, color=use_color(stream), collection=collection,
                             rules=rules, verb=verb, root=root)
    # The bar and the results share a terminal: take the bar off its line for each result.
    shared_terminal = progress is not None and hasattr(stream, "isatty") and stream.isatty()
    summary = Summary()
    io_errors = 0
    try:
        for result in results:
            summary.add(result, strict)
            io_errors += result.io_error
            if shared_terminal:
                with progress.clear():
                    reporter.result(result)
                    stream.flush()
            else:
                reporter.result(result)
            if on_result is not None:
                on_result(result)
            if progress is not None:
                progress.advance(result)
    finally:
        if progress is not None:
            progress.close()
    summary.input_errors = list(input_errors or [])
    reporter.finish(summary)
    stream.flush()
    if summary.input_errors or io_errors:
        return EXIT_INPUT
    if require_articles is not None and summary.articles == 0:
        warn(f"error: no articles found in {' '.join(require_articles) or '(no PATH)'}")
        return EXIT_INPUT
    return EXIT_FINDINGS if summary.failed_articles else EXIT_OK


def load_checker(*, schema: str | None, profile: str | None, profile_dir: str | None,
                 max_page_size: int, keep_record: bool = False):
    """The Checker the shared options ask for; a bad schema or profile raises a
    :class:`~archivekit.errors.UsageError` (exit 2, caught in ``cli.main``)."""
    from archivekit.checker import Checker

    return Checker.from_options(schema=schema, profile=profile, profile_dir=profile_dir,
                                max_page_bytes=max_page_size, keep_record=keep_record)


def input_error_log() -> tuple[list[str], Callable[[Exception], None]]:
    """``(errors, on_error)``: ``on_error`` records a missing input and logs it on stderr."""
    errors: list[str] = []

    def on_error(exc: Exception) -> None:
        errors.append(str(exc))
        warn(f"error: {exc}")

    return errors, on_error


def collection_label(paths: list[str], default: str = "archivekit") -> str:
    """The one input's name, else ``default``: names the collection in reports."""
    return paths[0].rstrip("/") if len(paths) == 1 else default


def with_options(shared: dict[str, tuple[Any, Any]]) -> Callable[[Callable], Callable]:
    """Give a command the options several verbs declare alike, after its own.

    ``shared`` maps a parameter name to ``(annotated type, default)``; the command takes
    them as ``**options``. Typer sees one ordinary signature, so ``--help`` is unchanged.
    """

    def decorate(command: Callable) -> Callable:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        added = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   annotation=kind, default=default)
                 for name, (kind, default) in shared.items()]
        signature = inspect.Signature([*own, *added], return_annotation=None)

        @functools.wraps(command)
        def run(**values):
            return command(**values)

        run.__signature__ = signature
        run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return run

    return decorate


# The options of every verb that checks a collection (check, fingerprint, verify, archive,
# export), for ``with_options``.
CHECK_OPTIONS: dict[str, tuple[Any, Any]] = {
    "fmt": (FormatOpt, Format.text),
    "strict": (StrictOpt, False),
    "schema": (SchemaOpt, None),
    "profile": (ProfileOpt, None),
    "profile_dir": (ProfileDirOpt, None),
    "max_page_size": (MaxPageOpt, DEFAULT_MAX_PAGE_BYTES),
    "follow_symlinks": (FollowOpt, False),
    "jobs": (JobsOpt, 0),
    "progress": (ProgressOpt, Progress.auto),
    "quiet": (QuietOpt, False),
}


def check_options(*names: str) -> dict[str, tuple[Any, Any]]:
    """The named entries of :data:`CHECK_OPTIONS`, for verbs that take only some."""
    return {name: CHECK_OPTIONS[name] for name in names}


@dataclass(frozen=True)
class CheckArgs:
    """The shared options of the collection verbs (:data:`CHECK_OPTIONS`), parsed once: the
    verbs read these fields instead of ``options["..."]``."""

    fmt: Format = Format.text
    strict: bool = False
    schema: str | None = None
    profile: str | None = None
    profile_dir: str | None = None
    max_page_size: int = DEFAULT_MAX_PAGE_BYTES
    follow_symlinks: bool = False
    jobs: int = 0
    progress: Progress = Progress.auto
    quiet: bool = False

    @classmethod
    def parse(cls, options: dict[str, Any]) -> CheckArgs:
        names = {f.name for f in fields(cls)}
        unknown = set(options) - names
        if unknown:  # pragma: no cover - a verb declared an option it does not read
            raise TypeError(f"options not in CheckArgs: {sorted(unknown)}")
        route_library_logs(quiet=bool(options.get("quiet")))
        return cls(**options)

    def build_checker(self, *, keep_record: bool = False):
        """The Checker these options ask for (a bad schema or profile: UsageError, exit 2)."""
        return load_checker(schema=self.schema, profile=self.profile, profile_dir=self.profile_dir,
                            max_page_size=self.max_page_size, keep_record=keep_record)

    def build_progress(self, paths: list[str], label: str = "checking") -> ProgressReporter | None:
        return make_progress(self.progress.value, quiet=self.quiet, inputs=paths,
                             follow_symlinks=self.follow_symlinks, label=label)
