"""``archivekit check``: extract and validate every article; the CI gate."""

from __future__ import annotations

import typer

from archivekit.checker import check_paths
from archivekit.cli.app import app
from archivekit.cli.common import (
    CHECK_OPTIONS,
    EXIT_INPUT,
    AllowEmptyOpt,
    BaselineOpt,
    CheckArgs,
    PathsArg,
    SarifRootOpt,
    WriteBaselineOpt,
    collection_label,
    fail,
    input_error_log,
    report_results,
    warn,
    with_options,
)


@app.command(epilog="Examples:\n\n  archivekit check fixtures/\n\n"
             "  archivekit check dump.warc.gz --format sarif > results.sarif\n\n"
             "  archivekit check pages/ -f gitlab > gl-code-quality-report.json\n\n"
             "  cat page.html | archivekit check - --profile huffpost-au\n\n"
             "  archivekit check dump/ --write-baseline known.json   # adopt on an old dump\n\n"
             "  archivekit check dump/ --baseline known.json --jobs 4  # only new findings fail")
@with_options(CHECK_OPTIONS)
def check(
    paths: PathsArg,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    sarif_root: SarifRootOpt = None,
    allow_empty: AllowEmptyOpt = False,
    **options,
) -> None:
    """Extract every article and validate it against the schema (the CI gate)."""
    raise typer.Exit(run_check(paths, CheckArgs.parse(options), baseline, write_baseline,
                               sarif_root=sarif_root, allow_empty=allow_empty))


def run_check(paths: list[str], args: CheckArgs, baseline: str | None,
              write_baseline: str | None, *, sarif_root: str | None = None,
              allow_empty: bool = False) -> int:
    from archivekit.baseline import Baseline, apply_baseline

    checker = args.build_checker()
    known = Baseline.load(baseline) if baseline else None
    input_errors, missing = input_error_log()
    results = check_paths(paths, checker, jobs=args.jobs, follow_symlinks=args.follow_symlinks,
                          on_error=missing)
    recorder = Baseline() if write_baseline else None
    if known is not None or recorder is not None:
        results = apply_baseline(results, known, recorder)
    code = report_results(results, fmt=args.fmt, strict=args.strict,
                          collection=collection_label(paths), rules=checker.schema.rules(),
                          input_errors=input_errors, progress=args.build_progress(paths),
                          root=sarif_root, require_articles=None if allow_empty else paths)
    if recorder is not None:
        try:
            recorder.write(write_baseline)
        except OSError as exc:
            raise fail(f"{write_baseline}: cannot write baseline: {exc.strerror or exc}",
                       EXIT_INPUT) from None
        if not args.quiet:
            warn(f"baseline of {sum(recorder.entries.values()):,} findings written to {write_baseline}")
    return code if not input_errors else EXIT_INPUT
