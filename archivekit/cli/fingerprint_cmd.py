"""``archivekit fingerprint``: digests for every article, recorded in the fixity ledger."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.common import (
    EXIT_INPUT,
    EXIT_OK,
    CheckArgs,
    PathsArg,
    check_options,
    collection_label,
    input_error_log,
    report_results,
    with_options,
)


class Algorithm(StrEnum):
    sha256 = "sha256"
    sha512 = "sha512"
    sha1 = "sha1"
    md5 = "md5"
    blake2b = "blake2b"


LedgerOpt = Annotated[str, typer.Option(
    "--ledger", metavar="FILE", help="The ledger file (SQLite); created by fingerprint if absent.")]
RootOpt = Annotated[str | None, typer.Option(
    "--root", metavar="DIR", help="Store paths relative to this directory (default: the one directory "
    "given, else the working directory).", show_default=False)]
AlgorithmOpt = Annotated[list[Algorithm] | None, typer.Option(
    "--algorithm", "-a", metavar="ALGORITHM",
    help="Raw-byte digest algorithm; repeat for several (default sha256).",
    show_default=False)]


@app.command(epilog="Examples:\n\n  archivekit fingerprint collection/\n\n"
             "  archivekit fingerprint collection/ --ledger fixity.db -a sha256 -a sha512")
@with_options(check_options("fmt", "schema", "profile", "profile_dir", "max_page_size",
                            "follow_symlinks", "jobs", "progress", "quiet"))
def fingerprint(
    paths: PathsArg,
    ledger: LedgerOpt = "archivekit.db",
    algorithm: AlgorithmOpt = None,
    root: RootOpt = None,
    **options,
) -> None:
    """Fingerprint every article (raw digests, content digest, field digests, simhash) and
    record it, with its check outcome, in the ledger."""
    algorithms = tuple(dict.fromkeys(a.value for a in algorithm)) if algorithm else ("sha256",)
    raise typer.Exit(run_fingerprint(paths, CheckArgs.parse(options), ledger=ledger,
                                     algorithms=algorithms, root=root))


def run_fingerprint(paths: list[str], args: CheckArgs, *, ledger: str,
                    algorithms: tuple[str, ...], root: str | None) -> int:
    from archivekit.fingerprint import fingerprint_paths, readable_only
    from archivekit.ledger import Ledger

    checker = args.build_checker(keep_record=True)
    input_errors, missing = input_error_log()
    with Ledger(ledger) as book:
        results = fingerprint_paths(paths, book, checker, algorithms=algorithms, root=root,
                                    follow_symlinks=args.follow_symlinks, on_error=missing,
                                    args=sys.argv[1:], jobs=args.jobs)
        unread: list[str] = []

        def reported(results):
            # What is left with findings could not be fingerprinted at all (a truncated
            # WARC record, an unreadable file): per the contract, exit 3, not 1.
            for result in readable_only(results):
                if result.findings:
                    unread.append(result.path)
                yield result

        report_results(reported(results), fmt=args.fmt, strict=False,
                              collection=collection_label(paths), verb="fingerprint",
                              input_errors=input_errors,
                              progress=args.build_progress(paths, "fingerprinting"))
    return EXIT_INPUT if input_errors or unread else EXIT_OK
