"""``archivekit verify`` (against the ledger, or a BagIt bag) and ``archivekit bag``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Annotated

import typer

from archivekit.cli.app import app
from archivekit.cli.archive_cmd import BagProfileName, BagProfileOpt
from archivekit.cli.common import (
    EXIT_INPUT,
    FollowOpt,
    Format,
    check_options,
    collection_label,
    fail,
    input_error_log,
    load_checker,
    make_progress,
    report_results,
    warn,
    with_options,
)
from archivekit.cli.fingerprint_cmd import LedgerOpt, RootOpt
from archivekit.record import ERROR, Finding, Result

OptionalPaths = Annotated[list[str] | None, typer.Argument(
    help="The collection: files, directories (recursive), .warc/.warc.gz files.",
    show_default=False)]


@app.command(epilog="Examples:\n\n  archivekit verify collection/\n\n"
             "  archivekit verify collection/ --ledger fixity.db --format json --jobs 4\n\n"
             "  archivekit verify --bag exports/collection-bag")
@with_options(check_options("fmt", "strict", "profile", "profile_dir", "max_page_size",
                            "follow_symlinks", "jobs", "progress", "quiet"))
def verify(
    paths: OptionalPaths = None,
    ledger: LedgerOpt = "archivekit.db",
    bag: Annotated[str | None, typer.Option(
        "--bag", help="Check this BagIt bag instead: every changed, missing and unexpected "
        "payload file.", show_default=False)] = None,
    root: RootOpt = None,
    near_distance: Annotated[int, typer.Option(
        "--near-distance", min=0, max=32, help="Near-duplicate: bodies whose simhashes differ "
        "in at most this many of 64 bits (0 turns it off).")] = 6,
    **options,
) -> None:
    """Compare the collection with the ledger: unchanged, changed (which fields), missing,
    new, moved, duplicate, near-duplicate, unreadable, all in one run."""
    fmt, strict, follow_symlinks = options["fmt"], options["strict"], options["follow_symlinks"]
    if bag is not None:
        if paths:
            raise fail("give either PATH... or --bag DIR, not both")
        _verify_bag(bag, fmt, strict)
        return
    if not paths:
        raise fail("give the collection PATH... to verify (or --bag DIR)")
    from archivekit.ledger import Ledger, LedgerError
    from archivekit.runner import RunnerError
    from archivekit.verify import VerifyOptions, rule_catalogue, verify_paths

    checker = load_checker(schema=None, profile=options["profile"],
                           profile_dir=options["profile_dir"],
                           max_page_size=options["max_page_size"], keep_record=True)
    try:
        book = Ledger(ledger, create=False)
    except LedgerError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    input_errors, missing = input_error_log()

    settings = VerifyOptions(root=root, near_distance=near_distance,
                             follow_symlinks=follow_symlinks, args=sys.argv[1:],
                             jobs=options["jobs"])
    # Progress follows the reading pass (where the time goes); the report comes after it.
    shown = make_progress(options["progress"].value, quiet=options["quiet"], inputs=paths,
                          follow_symlinks=follow_symlinks, label="verifying")
    with book:
        results = verify_paths(paths, book, checker, settings, on_error=missing, progress=shown)
        try:
            code = report_results(results, fmt=fmt, strict=strict, rules=rule_catalogue(),
                                  collection=collection_label(paths), verb="verify",
                                  input_errors=input_errors)
        except RunnerError as exc:
            raise fail(str(exc), EXIT_INPUT) from None
    raise typer.Exit(code if not input_errors else EXIT_INPUT)


_BAG_RULES = {
    "changed": "bag.changed", "missing": "bag.missing", "unexpected": "bag.unexpected",
    "unreadable": "bag.unreadable", "tag_changed": "bag.tag_changed",
    "tag_missing": "bag.tag_missing", "oxum": "bag.oxum", "invalid": "bag.invalid",
}


def bag_results(bag_dir: str) -> Iterator[Result]:
    """One result per payload file (and per faulty tag file), findings for every fault."""
    from archivekit.export.bagit import check_bag

    checked = check_bag(bag_dir)
    by_path: dict[str, list[Finding]] = {}
    for problem in checked.problems:
        by_path.setdefault(problem.path, []).append(Finding(
            rule=_BAG_RULES[problem.kind], severity=ERROR, message=problem.message))
    for name in sorted(set(checked.payload) | set(by_path)):
        yield Result(path=f"{bag_dir.rstrip('/')}/{name}" if name else bag_dir, uri=None,
                     profile=None, findings=by_path.get(name, []))


def _verify_bag(bag_dir: str, fmt: Format, strict: bool) -> None:
    rules = {rule: {"severity": ERROR, "message": kind.replace("_", " ")}
             for kind, rule in _BAG_RULES.items()}
    code = report_results(bag_results(bag_dir), fmt=fmt, strict=strict, rules=rules,
                          collection=bag_dir.rstrip("/"), verb="verify")
    raise typer.Exit(code)


@app.command(epilog="Example:\n\n  archivekit bag collection/ -o exports/collection-bag "
             "--source-organization 'Example Library'")
def bag(
    paths: Annotated[list[str], typer.Argument(help="Files and directories to put in the bag.",
                                               show_default=False)],
    output: Annotated[str, typer.Option("--output", "-o", help="The bag directory to create "
                                        "(must not exist, or be empty).", show_default=False)],
    algorithm: Annotated[list[str] | None, typer.Option(
        "--algorithm", "-a", help="Manifest algorithm; repeat for several (default sha256 "
        "and sha512).", show_default=False)] = None,
    source_organization: Annotated[str | None, typer.Option(
        "--source-organization", help="Source-Organization in bag-info.txt.",
        show_default=False)] = None,
    info: Annotated[list[str] | None, typer.Option(
        "--info", help="Another bag-info.txt line, 'Label: value'; repeatable.",
        show_default=False)] = None,
    root: RootOpt = None,
    follow_symlinks: FollowOpt = False,
    bag_profile: BagProfileOpt = BagProfileName.btr,
) -> None:
    """Write a BagIt 1.0 bag (RFC 8493) of every file of the collection, valid under the
    Beyond the Repository profile (default), APTrust 2.2's (as NAME.tar) or none."""
    from archivekit.errors import ArchivekitError
    from archivekit.export.bag_profiles import collection_files, write_profiled_bag
    from archivekit.export.bagit import BagError
    from archivekit.ledger import collection_root, ledger_key

    extra: dict[str, list[str]] = {}
    for line in info or []:
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            raise fail(f"--info {line!r}: expected 'Label: value'")
        extra.setdefault(label.strip(), []).append(value.strip())
    base = collection_root(paths, root)
    try:
        found = collection_files(paths, follow_symlinks=follow_symlinks)
        files = [(p, ledger_key(p, base)) for p in found.files]
        done = write_profiled_bag(files, output, profile=bag_profile.value, algorithms=algorithm,
                                  info=extra, source_organization=source_organization,
                                  left_out=found.left_out)
    except ArchivekitError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except BagError as exc:
        raise fail(str(exc), EXIT_INPUT) from None
    except OSError as exc:
        raise fail(f"{exc.filename or output}: {exc.strerror or exc}", EXIT_INPUT) from None
    for path, why in found.left_out:
        warn(f"left out of the bag: {path}: {why}")
    warn(f"wrote bag {done} ({len(files)} files)")
