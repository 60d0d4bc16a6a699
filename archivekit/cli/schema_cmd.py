"""``archivekit schema``: print the shipped schema, or the rule catalogue."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from archivekit.cli.app import app


@app.command(epilog="Examples:\n\n  archivekit schema > article.schema.json  # edit, then --schema FILE\n\n"
             "  archivekit schema --rules\n\n"
             "  archivekit schema --rules | grep '^warc'")
def schema(
    rules: Annotated[bool, typer.Option("--rules", help="List every rule id archivekit can "
                                        "emit (schema, fixity, bag, WARC), with severity and "
                                        "message, instead.")] = False,
) -> None:
    """Print the shipped article schema (JSON Schema Draft 2020-12), for editors and CI."""
    from archivekit.resources import schema_path

    if rules:
        from archivekit.catalogue import all_rules

        catalogue = all_rules()
        width = max(map(len, catalogue))
        for rule in catalogue.values():
            typer.echo(f"{rule.id:<{width}} {rule.severity:<8} {rule.message}")
        return
    typer.echo(json.dumps(json.loads(schema_path().read_text(encoding="utf-8")), indent=2,
                          ensure_ascii=False))
