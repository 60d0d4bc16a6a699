"""``archivekit archive``: the main job, check + fingerprint + export + report in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    CHECK_OPTIONS,
    EXIT_INPUT,
    CheckArgs,
    PathsArg,
    collection_label,
    fail,
    input_error_log,
    report_results,
    warn,
    with_options,
)


class Digest(StrEnum):
    sha1 = "sha1"
    sha256 = "sha256"


class BagProfileName(StrEnum):
    btr = "btr"
    aptrust = "aptrust"
    none = "none"


BagProfileOpt = Annotated[BagProfileName, typer.Option(
    "--bag-profile", help="BagIt profile of the bag: btr (Beyond the Repository), aptrust "
    "(APTrust 2.2: md5 manifest, aptrust-info.txt, NAME.tar) or none (plain RFC 8493).")]
ReplayOpt = Annotated[str | None, typer.Option(
    "--replay-url", metavar="URL", help="Wayback replay base of the JSON-LD archivedAt URLs "
    "(REPLAY/TIMESTAMP/URL); default http://localhost:8080/PREFIX/ (pywb).",
    show_default=False)]


OutOpt = Annotated[str, typer.Option("--output", "-o", metavar="DIR", help="Output directory (created if "
                                     "missing).", show_default=False)]
DateOpt = Annotated[str | None, typer.Option(
    "--date", metavar="DATE", help="Export date (ISO 8601, UTC if no zone): the WARC file names, warcinfo "
    "and JSON-LD sdDatePublished, and the capture date of local files (instead of their "
    "modification time). The same input and --date give byte-identical WARCs.",
    show_default=False)]
DigestOpt = Annotated[Digest, typer.Option(
    "--digest", metavar="ALGORITHM",
    help="WARC digest: sha1 (base32, the common default) or sha256 (lowercase hex).")]
GzipOpt = Annotated[int, typer.Option("--gzip-level", min=0, max=9, metavar="LEVEL",
                                      help="gzip level of each WARC record (0-9).")]
MaxSizeOpt = Annotated[int, typer.Option(
    "--max-size", min=1, metavar="BYTES", help="Start a new WARC file once one reaches this many bytes.")]
PrefixOpt = Annotated[str, typer.Option(
    "--prefix", metavar="PREFIX", help="WARC file name prefix: PREFIX-TIMESTAMP-SERIAL.warc.gz.")]
OperatorOpt = Annotated[str | None, typer.Option(
    "--operator", metavar="NAME", help="Operator named in the warcinfo record (person or organisation).",
    show_default=False)]
NameOpt = Annotated[str | None, typer.Option(
    "--name", metavar="NAME", help="Collection name for the JSON-LD collection and the WACZ title.",
    show_default=False)]


def command_line(argv: list[str] | None = None) -> str:
    """The warcinfo record's command line (the library's :func:`warcinfo_command_line`)."""
    from archivekit.export.warc import warcinfo_command_line

    return warcinfo_command_line(argv)


@dataclass(frozen=True)
class ExportArgs:
    """What archive and export write, parsed from :data:`EXPORT_OPTIONS` and the verb's own."""

    output: str
    warc: bool
    jsonld: bool
    wacz: bool
    bag: bool
    report: bool
    date: str | None = None
    digest: Digest = Digest.sha1
    gzip_level: int = 6
    max_size: int = 1_000_000_000
    prefix: str = "archivekit"
    operator: str | None = None
    name: str | None = None
    bag_profile: BagProfileName = BagProfileName.btr
    replay_url: str | None = None

    def build_settings(self, paths: list[str], strict: bool):
        """The library's ArchiveSettings; a bad option value is a UsageError (exit 2)."""
        from archivekit.archive import ArchiveSettings
        from archivekit.errors import UsageError
        from archivekit.export.warc import ExportError, WarcOptions, parse_date_option

        try:
            when = parse_date_option(self.date) if self.date else None
            options = WarcOptions(prefix=self.prefix, digest=self.digest.value,
                                  gzip_level=self.gzip_level, max_size=self.max_size, date=when,
                                  operator=self.operator, command_line=command_line())
        except ExportError as exc:  # a bad option value, not bad input
            raise UsageError(str(exc)) from None
        collection = self.name or collection_label(paths, "archivekit collection")
        return ArchiveSettings(out_dir=self.output, warc=self.warc, jsonld=self.jsonld,
                               wacz=self.wacz, bag=self.bag, report=self.report,
                               warc_options=options, collection_name=collection,
                               sd_publisher=self.operator or "archivekit", strict=strict,
                               inputs=tuple(paths), bag_profile=str(self.bag_profile),
                               replay_url=self.replay_url)


def run_job(verb: str, paths: list[str], export: ExportArgs, args: CheckArgs) -> int:
    """Run check + export over the collection, report on stdout; returns the exit code."""
    from archivekit.archive import archive_paths

    settings = export.build_settings(paths, args.strict)
    checker = args.build_checker(keep_record=True)
    input_errors, missing = input_error_log()
    outcomes = []
    results = archive_paths(paths, checker, settings, jobs=args.jobs,
                            follow_symlinks=args.follow_symlinks, on_error=missing,
                            on_finish=outcomes.append)
    shown = args.build_progress(paths, "archiving" if verb == "archive" else "exporting")
    try:
        code = report_results(results, fmt=args.fmt, strict=args.strict,
                              collection=settings.collection_name, rules=checker.schema.rules(),
                              verb=verb, input_errors=input_errors, progress=shown)
    except ImportError as exc:  # an optional module an output needs
        raise fail(f"{exc}") from None
    except OSError as exc:
        raise fail(f"cannot write output: {exc.strerror or exc}", EXIT_INPUT) from None
    if outcomes and not args.quiet:
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
        parts.append(outcome.bag_dir.name + ("" if outcome.bag_dir.suffix else "/"))
    return ", ".join(parts)


# The options archive and export share, besides CHECK_OPTIONS.
EXPORT_OPTIONS: dict[str, tuple[object, object]] = {
    "date": (DateOpt, None),
    "digest": (DigestOpt, Digest.sha1),
    "gzip_level": (GzipOpt, 6),
    "max_size": (MaxSizeOpt, 1_000_000_000),
    "prefix": (PrefixOpt, "archivekit"),
    "operator": (OperatorOpt, None),
    "name": (NameOpt, None),
    "bag_profile": (BagProfileOpt, BagProfileName.btr),
    "replay_url": (ReplayOpt, None),
}


def run_verb(verb: str, paths: list[str], output: str, *, warc: bool, jsonld: bool, wacz: bool,
             bag: bool, report: bool, **options) -> int:
    """``archive`` or ``export``: split the options into ExportArgs and CheckArgs, run."""
    own = {k: options.pop(k) for k in EXPORT_OPTIONS}
    export = ExportArgs(output=output, warc=warc, jsonld=jsonld, wacz=wacz, bag=bag,
                        report=report, **own)
    return run_job(verb, paths, export, CheckArgs.parse(options))


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
