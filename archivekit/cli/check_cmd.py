"""``archivekit check``: extract and validate every article; the CI gate."""

from __future__ import annotations

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    EXIT_INPUT,
    BaselineOpt,
    FollowOpt,
    Format,
    FormatOpt,
    JobsOpt,
    MaxPageOpt,
    PathsArg,
    ProfileDirOpt,
    ProfileOpt,
    Progress,
    ProgressOpt,
    QuietOpt,
    SchemaOpt,
    StrictOpt,
    WriteBaselineOpt,
    fail,
    make_progress,
    report_results,
    warn,
)
from archivekit.extract import DEFAULT_MAX_PAGE_BYTES
from archivekit.profiles import ProfileError
from archivekit.runner import RunnerError, check_paths
from archivekit.validate import SchemaLoadError


@app.command(epilog="Examples:\n\n  archivekit check fixtures/\n\n"
             "  archivekit check dump.warc.gz --format sarif > results.sarif\n\n"
             "  cat page.html | archivekit check - --profile huffpost-au\n\n"
             "  archivekit check dump/ --write-baseline known.json   # adopt on an old dump\n\n"
             "  archivekit check dump/ --baseline known.json --jobs 4  # only new findings fail")
def check(
    paths: PathsArg,
    fmt: FormatOpt = Format.text,
    strict: StrictOpt = False,
    schema: SchemaOpt = None,
    profile: ProfileOpt = None,
    profile_dir: ProfileDirOpt = None,
    max_page_size: MaxPageOpt = DEFAULT_MAX_PAGE_BYTES,
    follow_symlinks: FollowOpt = False,
    jobs: JobsOpt = 0,
    progress: ProgressOpt = Progress.auto,
    quiet: QuietOpt = False,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
) -> None:
    """Extract every article and validate it against the schema (the CI gate)."""
    from archivekit.baseline import Baseline, BaselineError, apply_baseline
    from archivekit.checker import Checker

    try:
        checker = Checker.from_options(schema=schema, profile=profile, profile_dir=profile_dir,
                                       max_page_bytes=max_page_size)
        known = Baseline.load(baseline) if baseline else None
    except (SchemaLoadError, ProfileError) as exc:
        raise fail(str(exc)) from None
    except BaselineError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    input_errors: list[str] = []

    def missing(exc: Exception) -> None:
        input_errors.append(str(exc))
        warn(f"error: {exc}")

    results = check_paths(paths, checker, jobs=jobs, follow_symlinks=follow_symlinks,
                          on_error=missing)
    recorder = Baseline() if write_baseline else None
    if known is not None or recorder is not None:
        results = apply_baseline(results, known, recorder)
    shown = make_progress(progress.value, quiet=quiet, inputs=paths, follow_symlinks=follow_symlinks)
    try:
        code = report_results(results, fmt=fmt, strict=strict, collection=_collection(paths),
                              rules=checker.schema.rules(), input_errors=input_errors,
                              progress=shown)
    except RunnerError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    if recorder is not None:
        try:
            recorder.write(write_baseline)
        except OSError as exc:
            raise fail(f"{write_baseline}: cannot write baseline: {exc.strerror or exc}",
                       EXIT_INPUT) from None
        if not quiet:
            warn(f"baseline of {sum(recorder.entries.values()):,} findings written to {write_baseline}")
    raise typer.Exit(code if not input_errors else EXIT_INPUT)


def _collection(paths: list[str]) -> str:
    return paths[0].rstrip("/") if len(paths) == 1 else "archivekit"
