"""``archivekit export``: preservation outputs (WARC 1.1, JSON-LD, WACZ, BagIt)."""

from __future__ import annotations

from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.archive_cmd import EXPORT_OPTIONS, OutOpt, run_verb
from archivekit.cli.common import CHECK_OPTIONS, PathsArg, fail, with_options


@app.command(epilog="Examples:\n\n  archivekit export fixtures/ -o out/ --warc --jsonld\n\n"
             "  archivekit export dump.warc.gz -o out/ --wacz --date 2024-06-01\n\n"
             "  archivekit export fixtures/ -o out/ --bag")
@with_options({**EXPORT_OPTIONS, **CHECK_OPTIONS})
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
    **options,
) -> None:
    """Export a collection for preservation: --warc, --jsonld, --wacz, --bag (any of them).
    Each article is checked on the way (its result goes into the WARC metadata record and
    to stdout); input WARC records that fail warc-check are skipped with a finding."""
    if not (warc or jsonld or wacz or bag):
        raise fail("choose at least one output: --warc, --jsonld, --wacz or --bag")
    raise typer.Exit(run_verb("export", paths, output, warc=warc, jsonld=jsonld, wacz=wacz,
                              bag=bag, report=False, **options))
