"""``archivekit archive``: the main job, check + fingerprint + export + report in one pass."""

from __future__ import annotations

import shlex
import sys
from enum import StrEnum
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    CHECK_OPTIONS,
    EXIT_INPUT,
    Format,
    PathsArg,
    Progress,
    collection_label,
    fail,
    input_error_log,
    load_checker,
    make_progress,
    report_results,
    warn,
    with_options,
)


class Digest(StrEnum):
    sha1 = "sha1"
    sha256 = "sha256"


class Compressor(StrEnum):
    zlib_ng = "zlib-ng"
    isal = "isal"


OutOpt = Annotated[str, typer.Option("--output", "-o", help="Output directory (created if "
                                     "missing).", show_default=False)]
DateOpt = Annotated[str | None, typer.Option(
    "--date", help="Export date (ISO 8601, UTC if no zone): the WARC file names, warcinfo "
    "and JSON-LD sdDatePublished, and the capture date of local files (instead of their "
    "modification time). The same input and --date give byte-identical WARCs.",
    show_default=False)]
DigestOpt = Annotated[Digest, typer.Option(
    "--digest", help="WARC digest: sha1 (base32, the common default) or sha256 (lowercase hex).")]
GzipOpt = Annotated[int, typer.Option("--gzip-level", min=0, max=9,
                                      help="gzip level of each WARC record (0-9).")]
CompressorOpt = Annotated[Compressor, typer.Option(
    "--compressor", help="Deflate engine of the WARC's gzip members: zlib-ng (zlib's levels "
    "and sizes) or isal (ISA-L, the isal extra: ~6x faster at level 6, ~9% larger files; "
    "--gzip-level 1-3/4-6/7-8/9 mean ISA-L 0/1/2/3). Both write standard gzip.")]
JsonLdFilesOpt = Annotated[bool, typer.Option(
    "--jsonld-files", help="Also write one JSON-LD file per article under DIR/jsonld/ (the "
    "NDJSON and the collection document are always written).")]
MaxSizeOpt = Annotated[int, typer.Option(
    "--max-size", min=1, help="Start a new WARC file once one reaches this many bytes.")]
PrefixOpt = Annotated[str, typer.Option(
    "--prefix", help="WARC file name prefix: PREFIX-TIMESTAMP-SERIAL.warc.gz.")]
OperatorOpt = Annotated[str | None, typer.Option(
    "--operator", help="Operator named in the warcinfo record (person or organisation).",
    show_default=False)]
NameOpt = Annotated[str | None, typer.Option(
    "--name", help="Collection name for the JSON-LD collection and the WACZ title.",
    show_default=False)]


# Options that change how a run goes, not what it writes: left out of the command line
# the warcinfo record keeps, so --jobs 1 and --jobs 8 write the same bytes.
_RUN_ONLY = {"--jobs": True, "-j": True, "--progress": True, "--quiet": False, "-q": False}


def command_line(argv: list[str] | None = None) -> str:
    """The command line for the warcinfo record, without the run-only options."""
    args = list(sys.argv[1:] if argv is None else argv)
    kept: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":  # the rest are paths
            kept += args[index - 1:]
            break
        name = arg.split("=", 1)[0]
        if name in _RUN_ONLY:
            index += _RUN_ONLY[name] and "=" not in arg  # skip its value too
        elif not (arg.startswith("-j") and arg[2:].isdigit()):  # -j4
            kept.append(arg)
    return "archivekit " + shlex.join(kept)


def build_settings(*, output: str, warc: bool, jsonld: bool, wacz: bool, bag: bool,
                   report: bool, date: str | None, digest: Digest, gzip_level: int,
                   max_size: int, prefix: str, operator: str | None, name: str | None,
                   strict: bool, paths: list[str], compressor: Compressor = Compressor.zlib_ng,
                   jsonld_files: bool = False):
    from archivekit.archive import ArchiveSettings
    from archivekit.export.warc import ExportError, WarcOptions, parse_date_option

    try:
        when = parse_date_option(date) if date else None
        options = WarcOptions(prefix=prefix, digest=digest.value, gzip_level=gzip_level,
                              compressor=compressor.value, max_size=max_size, date=when, operator=operator,
                              command_line=command_line())
    except ExportError as exc:
        raise fail(str(exc)) from None
    collection = name or collection_label(paths, "archivekit collection")
    return ArchiveSettings(out_dir=output, warc=warc, jsonld=jsonld, jsonld_files=jsonld_files,
                           wacz=wacz, bag=bag,
                           report=report, warc_options=options, collection_name=collection,
                           sd_publisher=operator or "archivekit", strict=strict,
                           inputs=tuple(paths))


def run_job(paths: list[str], settings, *, fmt: Format, strict: bool, quiet: bool,
            schema: str | None, profile: str | None, profile_dir: str | None,
            max_page_size: int, follow_symlinks: bool, verb: str, jobs: int = 1,
            progress: Progress = Progress.never) -> int:
    """Run check + export over the collection, report on stdout; returns the exit code."""
    from archivekit.archive import archive_paths
    from archivekit.export.warc import ExportError
    from archivekit.runner import RunnerError

    checker = load_checker(schema=schema, profile=profile, profile_dir=profile_dir,
                           max_page_size=max_page_size, keep_record=True)
    input_errors, missing = input_error_log()
    outcomes = []
    results = archive_paths(paths, checker, settings, jobs=jobs, follow_symlinks=follow_symlinks,
                            on_error=missing, on_finish=outcomes.append)
    shown = make_progress(progress.value, quiet=quiet, inputs=paths, follow_symlinks=follow_symlinks,
                          label="archiving" if verb == "archive" else "exporting")
    try:
        code = report_results(results, fmt=fmt, strict=strict, collection=settings.collection_name,
                              rules=checker.schema.rules(), verb=verb, input_errors=input_errors,
                              progress=shown)
    except (ExportError, RunnerError) as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except ImportError as exc:
        raise fail(f"{exc}") from None
    except OSError as exc:
        raise fail(f"cannot write output: {exc.strerror or exc}", EXIT_INPUT) from None
    if outcomes and not quiet:
        warn(f"{settings.out_dir}: " + _outcome_line(outcomes[0]))
    return EXIT_INPUT if input_errors else code


def _outcome_line(outcome) -> str:
    parts = [f"{outcome.exported} exported"]
    if outcome.skipped:
        parts.append(f"{outcome.skipped} skipped (bad input WARC records)")
    if outcome.warc_files:
        parts.append(f"{len(outcome.warc_files)} WARC file(s)")
    if outcome.wacz_file:
        parts.append(f"WACZ {outcome.wacz_file.name}")
    if outcome.bag_dir:
        parts.append("bag/")
    return ", ".join(parts)


# The options archive and export share, besides CHECK_OPTIONS.
EXPORT_OPTIONS: dict[str, tuple[object, object]] = {
    "date": (DateOpt, None),
    "digest": (DigestOpt, Digest.sha1),
    "gzip_level": (GzipOpt, 6),
    "compressor": (CompressorOpt, Compressor.zlib_ng),
    "jsonld_files": (JsonLdFilesOpt, False),
    "max_size": (MaxSizeOpt, 1_000_000_000),
    "prefix": (PrefixOpt, "archivekit"),
    "operator": (OperatorOpt, None),
    "name": (NameOpt, None),
}


def run_verb(verb: str, paths: list[str], output: str, *, warc: bool, jsonld: bool, wacz: bool,
             bag: bool, report: bool, date: str | None, digest: Digest, gzip_level: int,
             max_size: int, prefix: str, operator: str | None, name: str | None,
             compressor: Compressor = Compressor.zlib_ng, jsonld_files: bool = False,
             **check_options) -> int:
    """``archive`` or ``export`` with the options of both; returns the exit code."""
    settings = build_settings(output=output, warc=warc, jsonld=jsonld, wacz=wacz, bag=bag,
                              report=report, date=date, digest=digest, gzip_level=gzip_level,
                              max_size=max_size, prefix=prefix, operator=operator, name=name,
                              strict=check_options["strict"], paths=paths, compressor=compressor,
                              jsonld_files=jsonld_files)
    return run_job(paths, settings, verb=verb, **check_options)


@app.command(epilog="Examples:\n\n  archivekit archive fixtures/ -o out/\n\n"
             "  archivekit archive dump.warc.gz -o out/ --date 2024-06-01 --wacz\n\n"
             "  archivekit archive dump/ -o out/ --jobs 4   # the same bytes as --jobs 1")
@with_options({**EXPORT_OPTIONS, **CHECK_OPTIONS})
def archive(
    paths: PathsArg,
    output: OutOpt,
    wacz: Annotated[bool, typer.Option("--wacz", help="Also write a WACZ file.")] = False,
    bag: Annotated[bool, typer.Option("--bag", help="Also write a BagIt bag of the inputs.")]
    = False,
    no_jsonld: Annotated[bool, typer.Option("--no-jsonld", help="Skip the JSON-LD output.")]
    = False,
    **options,
) -> None:
    """The main job: check, fingerprint, export and report in one pass.

    Writes WARC 1.1 and JSON-LD (and WACZ, a bag on request) under -o DIR, with
    report.jsonl, report.html and summary.json. The report also goes to stdout; exit
    codes as check."""
    raise typer.Exit(run_verb("archive", paths, output, warc=True, jsonld=not no_jsonld,
                              wacz=wacz, bag=bag, report=True, **options))
