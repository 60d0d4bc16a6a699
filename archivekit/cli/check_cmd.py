"""``archivekit check``: extract and validate every article; the CI gate."""

from __future__ import annotations

import typer

from archivekit.checker import check_paths
from archivekit.cli.app import app
from archivekit.cli.common import (
    CHECK_OPTIONS,
    EXIT_INPUT,
    BaselineOpt,
    PathsArg,
    WriteBaselineOpt,
    collection_label,
    fail,
    input_error_log,
    load_checker,
    make_progress,
    report_results,
    warn,
    with_options,
)


@app.command(epilog="Examples:\n\n  archivekit check fixtures/\n\n"
             "  archivekit check dump.warc.gz --format sarif > results.sarif\n\n"
             "  cat page.html | archivekit check - --profile huffpost-au\n\n"
             "  archivekit check dump/ --write-baseline known.json   # adopt on an old dump\n\n"
             "  archivekit check dump/ --baseline known.json --jobs 4  # only new findings fail")
@with_options(CHECK_OPTIONS)
def check(
    paths: PathsArg,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    **options,
) -> None:
    """Extract every article and validate it against the schema (the CI gate)."""
    from archivekit.baseline import Baseline, apply_baseline

    fmt, strict, quiet = options["fmt"], options["strict"], options["quiet"]
    follow_symlinks = options["follow_symlinks"]
    checker = load_checker(schema=options["schema"], profile=options["profile"],
                           profile_dir=options["profile_dir"],
                           max_page_size=options["max_page_size"])
    known = Baseline.load(baseline) if baseline else None
    input_errors, missing = input_error_log()

    results = check_paths(paths, checker, jobs=options["jobs"], follow_symlinks=follow_symlinks,
                          on_error=missing)
    recorder = Baseline() if write_baseline else None
    if known is not None or recorder is not None:
        results = apply_baseline(results, known, recorder)
    shown = make_progress(options["progress"].value, quiet=quiet, inputs=paths,
                          follow_symlinks=follow_symlinks)
    code = report_results(results, fmt=fmt, strict=strict, collection=collection_label(paths),
                          rules=checker.schema.rules(), input_errors=input_errors,
                          progress=shown)
    if recorder is not None:
        try:
            recorder.write(write_baseline)
        except OSError as exc:
            raise fail(f"{write_baseline}: cannot write baseline: {exc.strerror or exc}",
                       EXIT_INPUT) from None
        if not quiet:
            warn(f"baseline of {sum(recorder.entries.values()):,} findings written to {write_baseline}")
    raise typer.Exit(code if not input_errors else EXIT_INPUT)

