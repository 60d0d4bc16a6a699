"""``archivekit verify`` (against the ledger, or a BagIt bag) and ``archivekit bag``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.archive_cmd import BagProfileName, BagProfileOpt
from archivekit.cli.common import (
    EXIT_INPUT,
    CheckArgs,
    FollowOpt,
    Format,
    FormatOpt,
    StrictOpt,
    check_options,
    collection_label,
    fail,
    input_error_log,
    report_results,
    warn,
    with_options,
)
from archivekit.cli.fingerprint_cmd import LedgerOpt, RootOpt

OptionalPaths = Annotated[list[str] | None, typer.Argument(
    help="The collection: files, directories (recursive), .warc/.warc.gz files.",
    show_default=False, metavar="PATH")]


@app.command(epilog="Examples:\n\n  archivekit verify collection/\n\n"
             "  archivekit verify collection/ --ledger fixity.db --format json --jobs 4\n\n"
             "  archivekit verify --bag exports/collection-bag")
@with_options(check_options("fmt", "strict", "profile", "profile_dir", "max_page_size",
                            "follow_symlinks", "jobs", "progress", "quiet"))
def verify(
    paths: OptionalPaths = None,
    ledger: LedgerOpt = "archivekit.db",
    bag: Annotated[str | None, typer.Option(
        "--bag", metavar="DIR", help="Check this BagIt bag instead: every changed, missing and unexpected "
        "payload file.", show_default=False)] = None,
    root: RootOpt = None,
    near_distance: Annotated[int, typer.Option(
        "--near-distance", min=0, max=32, metavar="BITS",
        help="Near-duplicate: bodies whose simhashes differ "
        "in at most this many of 64 bits (0 turns it off).")] = 6,
    **options,
) -> None:
    """Compare the collection with the ledger: unchanged, changed (which fields), missing,
    new, moved, duplicate, near-duplicate, unreadable, all in one run."""
    args = CheckArgs.parse(options)
    if bag is not None:  # the older spelling of verify-bag
        if paths:
            raise fail("give either PATH... or --bag DIR, not both")
        raise typer.Exit(run_verify_bag(bag, args.fmt, args.strict))
    if not paths:
        raise fail("give the collection PATH... to verify (or --bag DIR)")
    raise typer.Exit(run_verify(paths, args, ledger=ledger, root=root, near_distance=near_distance))


def run_verify(paths: list[str], args: CheckArgs, *, ledger: str, root: str | None,
               near_distance: int) -> int:
    from archivekit.ledger import Ledger
    from archivekit.verify import VerifyOptions, rule_catalogue, verify_paths

    checker = args.build_checker(keep_record=True)
    book = Ledger(ledger, create=False)
    input_errors, missing = input_error_log()
    settings = VerifyOptions(root=root, near_distance=near_distance,
                             follow_symlinks=args.follow_symlinks, args=sys.argv[1:], jobs=args.jobs)
    # Progress follows the reading pass (where the time goes); the report comes after it.
    shown = args.build_progress(paths, "verifying")
    with book:
        results = verify_paths(paths, book, checker, settings, on_error=missing, progress=shown)
        code = report_results(results, fmt=args.fmt, strict=args.strict, rules=rule_catalogue(),
                              collection=collection_label(paths), verb="verify",
                              input_errors=input_errors)
    return code if not input_errors else EXIT_INPUT


@app.command("verify-bag", epilog="Example:\n\n  archivekit verify-bag exports/collection-bag"
             "\n\n  archivekit verify --bag exports/collection-bag   # the same")
def verify_bag(
    bag_dir: Annotated[str, typer.Argument(help="The bag directory.", show_default=False,
                                           metavar="DIR")],
    fmt: FormatOpt = Format.text,
    strict: StrictOpt = False,
) -> None:
    """Check a BagIt bag (RFC 8493): every changed, missing and unexpected payload file, tag
    files and Payload-Oxum (also spelled verify --bag DIR)."""
    raise typer.Exit(run_verify_bag(bag_dir, fmt, strict))


def run_verify_bag(bag_dir: str, fmt: Format, strict: bool) -> int:
    from archivekit.export.bagit import bag_results, report_rules

    return report_results(bag_results(bag_dir), fmt=fmt, strict=strict, rules=report_rules(),
                          collection=bag_dir.rstrip("/"), verb="verify")


@app.command(epilog="Example:\n\n  archivekit bag collection/ -o exports/collection-bag "
             "--source-organization 'Example Library'")
def bag(
    paths: Annotated[list[str], typer.Argument(help="Files and directories to put in the bag.",
                                               show_default=False, metavar="PATH")],
    output: Annotated[str, typer.Option("--output", "-o", metavar="DIR", help="The bag directory to create "
                                        "(must not exist, or be empty).", show_default=False)],
    algorithm: Annotated[list[str] | None, typer.Option(
        "--algorithm", "-a", metavar="ALGORITHM",
        help="Manifest algorithm; repeat for several (default sha256 "
        "and sha512).", show_default=False)] = None,
    source_organization: Annotated[str | None, typer.Option(
        "--source-organization", metavar="NAME", help="Source-Organization in bag-info.txt.",
        show_default=False)] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", metavar="'LABEL: VALUE'", help="Another bag-info.txt line, 'Label: value'; repeatable.",
        show_default=False)] = None,
    root: RootOpt = None,
    follow_symlinks: FollowOpt = False,
    bag_profile: BagProfileOpt = BagProfileName.btr,
) -> None:
    """Write a BagIt 1.0 bag (RFC 8493) of every file of the collection, valid under the
    Beyond the Repository profile (default), APTrust 2.2's (as NAME.tar) or none."""
    from archivekit.export.bag_profiles import collection_files, write_profiled_bag

    extra: dict[str, list[str]] = {}
    for line in info or []:
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            raise fail(f"--info {line!r}: expected 'Label: value'")
        extra.setdefault(label.strip(), []).append(value.strip())
    try:
        found = collection_files(paths, follow_symlinks=follow_symlinks)
        files = found.keyed(paths, root)
        done = write_profiled_bag(files, output, profile=bag_profile.value, algorithms=algorithm,
                                  info=extra, source_organization=source_organization,
                                  left_out=found.left_out)
    except OSError as exc:
        raise fail(f"{exc.filename or output}: {exc.strerror or exc}", EXIT_INPUT) from None
    for path, why in found.left_out:
        warn(f"left out of the bag: {path}: {why}")
    warn(f"wrote bag {done} ({len(files)} files)")
