"""``archivekit history``: an article's events from the fixity ledger."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.fingerprint_cmd import LedgerOpt
from archivekit.printable import printable


@app.command(epilog="Example:\n\n  archivekit history collection/2017/defector.html")
def history(
    paths: Annotated[list[str], typer.Argument(help="Articles, as on disk or as the ledger "
                                               "names them.", show_default=False, metavar="PATH")],
    ledger: LedgerOpt = "archivekit.db",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per event.")] = False,
) -> None:
    """Show each article's events (fingerprints, checks, fixity checks), oldest first."""
    from archivekit.ledger import Ledger, ledger_key

    # Read-only: history never writes, so it works on read-only media (a WAL ledger there
    # is opened immutable).
    book = Ledger(ledger, create=False, readonly=True)
    found_all = True
    with book:
        roots = book.roots()
        for path in paths:
            keys = [path.replace(os.sep, "/").removeprefix("./")]
            keys += [ledger_key(path, root) for root in roots]
            events = book.history(keys)
            if not events:
                found_all = False
                typer.echo(printable(f"archivekit: no events for {path} in {ledger}"), err=True)
                continue
            if as_json:
                for event in events:
                    typer.echo(json.dumps(event, ensure_ascii=False))
                continue
            # Rows come from a file that may be hostile: control characters shown escaped.
            typer.echo(printable(events[0]["path"]))
            for e in events:
                typer.echo(printable(f"  {e['time']}  {e['type']:<27} {e['outcome']:<8} "
                                     f"{e['agent']}  {_summary(e['detail'])}"))
    raise typer.Exit(0 if found_all else 1)


def _summary(detail) -> str:
    if not isinstance(detail, dict):
        return ""
    parts = []
    for key in ("sha256", "content_sha256", "categories", "fields", "findings", "other", "error"):
        if detail.get(key):
            value = detail[key]
            value = ",".join(value) if isinstance(value, list) else str(value)
            parts.append(f"{key}={value[:16] + '…' if key.endswith('sha256') else value}")
    return " ".join(parts)
