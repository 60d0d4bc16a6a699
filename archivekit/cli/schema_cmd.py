"""``archivekit schema``: print the shipped schema, or the rule catalogue."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from archivekit.cli.app import app


@app.command()
def schema(
    rules: Annotated[bool, typer.Option("--rules", help="List the rule ids, severities "
                                        "and messages the schema defines instead.")] = False,
) -> None:
    """Print the shipped article schema (JSON Schema Draft 2020-12), for editors and CI."""
    from archivekit.resources import schema_path
    from archivekit.validate import load_schema

    if rules:
        for rule_id, info in sorted(load_schema().rules().items()):
            typer.echo(f"{rule_id:<26} {info['severity']:<8} {info['message']}")
        return
    typer.echo(json.dumps(json.loads(schema_path().read_text(encoding="utf-8")), indent=2,
                          ensure_ascii=False))
