"""``archivekit export``: preservation outputs (WARC 1.1, JSON-LD, WACZ, BagIt)."""

from __future__ import annotations

from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.archive_cmd import (
    DateOpt,
    Digest,
    DigestOpt,
    GzipOpt,
    MaxSizeOpt,
    NameOpt,
    OperatorOpt,
    OutOpt,
    PrefixOpt,
    build_settings,
    run_job,
)
from archivekit.cli.common import (
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
    fail,
)
from archivekit.extract import DEFAULT_MAX_PAGE_BYTES


@app.command(epilog="Examples:\n\n  archivekit export fixtures/ -o out/ --warc --jsonld\n\n"
             "  archivekit export dump.warc.gz -o out/ --wacz --date 2024-06-01\n\n"
             "  archivekit export fixtures/ -o out/ --bag")
def export(
    paths: PathsArg,
    output: OutOpt,
    warc: Annotated[bool, typer.Option("--warc", help="WARC 1.1 files under DIR/warc/.")] = False,
    jsonld: Annotated[bool, typer.Option("--jsonld", help="schema.org JSON-LD under "
                                         "DIR/jsonld/ (files, NDJSON, collection).")] = False,
    wacz: Annotated[bool, typer.Option("--wacz", help="A WACZ 1.1.1 file (implies --warc; "
                                       "needs the wacz extra).")] = False,
    bag: Annotated[bool, typer.Option("--bag", help="A BagIt 1.0 bag of the input files "
                                      "under DIR/bag/.")] = False,
    date: DateOpt = None,
    digest: DigestOpt = Digest.sha1,
    gzip_level: GzipOpt = 6,
    max_size: MaxSizeOpt = 1_000_000_000,
    prefix: PrefixOpt = "archivekit",
    operator: OperatorOpt = None,
    name: NameOpt = None,
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
) -> None:
    """Export a collection for preservation: --warc, --jsonld, --wacz, --bag (any of them).
    Each article is checked on the way (its result goes into the WARC metadata record and
    to stdout); input WARC records that fail warc-check are skipped with a finding."""
    if not (warc or jsonld or wacz or bag):
        raise fail("choose at least one output: --warc, --jsonld, --wacz or --bag")
    settings = build_settings(output=output, warc=warc, jsonld=jsonld, wacz=wacz, bag=bag,
                              report=False, date=date, digest=digest, gzip_level=gzip_level,
                              max_size=max_size, prefix=prefix, operator=operator, name=name,
                              strict=strict, paths=paths)
    raise typer.Exit(run_job(paths, settings, fmt=fmt, strict=strict, quiet=quiet, schema=schema,
                             profile=profile, profile_dir=profile_dir,
                             max_page_size=max_page_size, follow_symlinks=follow_symlinks,
                             verb="export", jobs=jobs, progress=progress))
