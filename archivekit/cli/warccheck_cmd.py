"""``archivekit warc-check``: WARC 1.1 conformance and digest check of any WARC file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    EXIT_INPUT,
    Format,
    FormatOpt,
    QuietOpt,
    SarifRootOpt,
    StrictOpt,
    report_results,
    warn,
)


@app.command("warc-check", epilog="Examples:\n\n  archivekit warc-check crawl-00001.warc.gz\n\n"
             "  archivekit warc-check out/*.warc.gz -f json\n\n"
             "  archivekit warc-check --strict crawl-*.warc.gz\n\n"
             "  archivekit warc-check -q crawl.warc.gz && echo conformant   # exit code only")
def warc_check(
    files: Annotated[list[str], typer.Argument(help="WARC files (.warc or .warc.gz); an ARC "
                                               "file is reported as not a WARC (warc.arc).",
                                               show_default=False, metavar="FILE")],
    fmt: FormatOpt = Format.text,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
    sarif_root: SarifRootOpt = None,
) -> None:
    """Check WARC files against WARC 1.1: mandatory and allowed fields per record type,
    dates, target URIs, Content-Length, block and payload digests (HTTP payloads over the
    de-chunked entity-body), HTTP consistency inside records, one gzip member per record,
    truncation and trailing garbage. A broken record costs its own findings: the check
    goes on with the next record. --strict fails on warnings too."""
    from archivekit.warccheck import check_warcs

    missing = [f for f in files if not Path(f).is_file()]
    if not quiet:  # -q: the report and the exit code only (the report says what is missing)
        for name in missing:
            warn(f"error: {name}: no such file")
    code = report_results(check_warcs([f for f in files if f not in missing]), fmt=fmt,
                          strict=strict, collection=files[0] if len(files) == 1 else "warc-check",
                          verb="warc-check", input_errors=[f"{m}: no such file" for m in missing],
                          root=sarif_root)
    raise typer.Exit(EXIT_INPUT if missing else code)
