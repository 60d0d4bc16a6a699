"""``archivekit extract``: print what was extracted from each article (to see why a
rule fired)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    EXIT_FINDINGS,
    EXIT_INPUT,
    FollowOpt,
    MaxPageOpt,
    PathsArg,
    ProfileDirOpt,
    ProfileOpt,
    fail,
    input_error_log,
    load_checker,
    warn,
)
from archivekit.extract import DEFAULT_MAX_PAGE_BYTES


class ExtractFormat(StrEnum):
    text = "text"
    json = "json"


ExtractFormatOpt = Annotated[ExtractFormat, typer.Option(
    "--format", "-f", metavar="FORMAT", help="text (readable) or json (one {path, uri, record} object per "
    "line, the record as the schema validates it).")]


@app.command(epilog="Examples:\n\n  archivekit extract page.html\n\n"
             "  archivekit extract dump.warc.gz --format json | jq .record.headline")
def extract(
    paths: PathsArg,
    fmt: ExtractFormatOpt = ExtractFormat.text,
    profile: ProfileOpt = None,
    profile_dir: ProfileDirOpt = None,
    max_page_size: MaxPageOpt = DEFAULT_MAX_PAGE_BYTES,
    follow_symlinks: FollowOpt = False,
) -> None:
    """Print the record extracted from every article: headline, authors, date, images
    with caption and credit, body.

    Exit codes as ``check``: 3 when an input could not be read (a one-line error for each
    on stderr) or no article was found, 1 when a page gave no record (empty, not a page)."""
    from archivekit.checker import check_paths
    from archivekit.extract.show import json_line, text_block
    from archivekit.runner import RunnerError

    checker = load_checker(schema=None, profile=profile, profile_dir=profile_dir,
                           max_page_size=max_page_size, keep_record=True)
    input_errors, missing = input_error_log()
    show = json_line if fmt is ExtractFormat.json else text_block
    articles = unreadable = no_record = 0
    try:
        for result in check_paths(paths, checker, jobs=1, follow_symlinks=follow_symlinks,
                                  on_error=missing):
            typer.echo(show(result))
            articles += 1
            if result.io_error:
                unreadable += 1
                reason = next((f.message for f in result.findings), "cannot read")
                warn(f"error: {result.path}: {reason}")
            elif result.record is None:
                no_record += 1
    except RunnerError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    if not articles and not input_errors:
        warn(f"error: no articles found in {' '.join(paths) or '(no PATH)'}")
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_INPUT if input_errors or unreadable else EXIT_FINDINGS if no_record else 0)
