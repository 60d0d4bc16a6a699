"""Fuzz targets for issue 12's hostile inputs: bags, ledgers, user schemas, profiles and
baselines, and the text / junit / github reporters fed hostile names.

Each target takes arbitrary bytes and checks the contract: the only exceptions are
archivekit's own one-line errors (``ArchivekitError``); bag checks and reporters never
raise; text output holds no raw control character; junit output is well-formed XML;
github output is one workflow command per line. Files are made under one private
temporary directory per process and never outside it.
"""

from __future__ import annotations

import atexit
import io
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

from archivekit.errors import ArchivekitError
from archivekit.record import ERROR, WARNING, Finding, Result

_WORK = Path(tempfile.mkdtemp(prefix="archivekit-h12-fuzz-"))


def _fresh(name: str) -> Path:
    path = _WORK / name
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
    return path


def _split(data: bytes, parts: int) -> list[bytes]:
    pieces = data.split(b"\n--\n", parts - 1)
    return pieces + [b""] * (parts - len(pieces))


# --- bag -------------------------------------------------------------------------------

def bag(data: bytes) -> None:
    """A bag from the bytes: bagit.txt, bag-info.txt, manifest, tag manifest, and payload
    files whose names are the manifest's names (hostile ones included)."""
    from archivekit.export.bagit import bag_results, check_bag
    from archivekit.safepath import UnsafeName, check_relative

    root = _fresh("bag")
    (root / "data").mkdir(parents=True)
    declaration, info, manifest, tags, payload = _split(data, 5)
    (root / "bagit.txt").write_bytes(declaration)
    (root / "bag-info.txt").write_bytes(info)
    (root / "manifest-sha256.txt").write_bytes(manifest)
    (root / "tagmanifest-sha256.txt").write_bytes(tags)
    for number, line in enumerate(manifest.splitlines()[:20]):
        name = line.partition(b" ")[2].lstrip(b" *").decode("utf-8", "surrogateescape")
        try:
            relative = check_relative(name)
        except UnsafeName:
            continue
        if not relative.startswith("data/") or len(relative) > 200:
            continue
        target = root / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if number % 5 == 4:
                target.symlink_to("/etc/hostname")  # must be refused, never read
            else:
                target.write_bytes(payload[number::7])
        except OSError:
            continue
    check = check_bag(root)
    assert all(p.kind for p in check.problems)
    results = list(bag_results(str(root)))
    _through_reporters(results, "bag")


# --- ledger ----------------------------------------------------------------------------

def ledger(data: bytes) -> None:
    """The bytes as a ledger file: every read the verbs make, only LedgerError allowed."""
    from archivekit.ledger import Ledger

    path = _fresh("ledger.db")
    for suffix in ("-wal", "-shm"):
        _fresh("ledger.db" + suffix)
    path.write_bytes(data)
    try:
        with Ledger(path, create=False, readonly=True) as book:
            count = book.count()
            for n, stored in enumerate(book.objects()):
                book.get(stored.path)
                if n > 50:
                    break
            book.history([f"a{n}.html" for n in range(5)])
            book.roots()
            assert count >= 0
    except ArchivekitError:
        pass
    except sqlite3.Error as exc:  # the CLI turns these into one line too; the store should
        raise AssertionError(f"sqlite3 error escaped the ledger store: {exc!r}") from None


# --- user schemas, profiles, baselines ----------------------------------------------------

def schema(data: bytes) -> None:
    from archivekit.checker import Checker, check_document
    from archivekit.record import Document
    from archivekit.validate import load_schema

    path = _fresh("schema.json")
    path.write_bytes(data)
    try:
        loaded = load_schema.__wrapped__(str(path))
        checker = Checker(schema=loaded, profiles=_default_checker().profiles)
        check_document(Document(path="x.html", content=_page()), checker)
    except ArchivekitError:
        pass


def profile(data: bytes) -> None:
    from archivekit.checker import Checker, check_document
    from archivekit.profiles import load_profiles
    from archivekit.record import Document

    folder = _fresh("profiles")
    folder.mkdir()
    (folder / "user.json").write_bytes(data)
    try:
        profiles = load_profiles.__wrapped__(str(folder))
        checker = Checker(schema=_default_checker().schema, profiles=profiles)
        for content in (_page(), _page().replace(b"HuffPost Australia", b"The Example Courier")):
            check_document(Document(path="x.html", content=content), checker)
    except ArchivekitError:
        pass


def baseline(data: bytes) -> None:
    from archivekit.baseline import Baseline

    path = _fresh("baseline.json")
    path.write_bytes(data)
    try:
        known = Baseline.load(path)
    except ArchivekitError:
        return
    result = Result(path="x.html", uri=None, profile=None,
                    findings=[Finding(rule="banner.missing", severity=ERROR, message="m")])
    known.apply(result)


# --- reporters with hostile names ----------------------------------------------------------

def reporters(data: bytes) -> None:
    """Results whose path, profile, messages and collection name come from the bytes."""
    text = data.decode("utf-8", "surrogateescape")
    pieces = (text.split("\x00") + [""] * 4)[:4]
    path, message, collection, pointer = pieces
    result = Result(path=path or "x", uri=None, profile=message[:20] or None, findings=[
        Finding(rule="parse.unreadable", severity=ERROR, message=message, pointer=pointer),
        Finding(rule="image.credit.missing", severity=WARNING, message=path, line=3)])
    _through_reporters([result, Result(path=collection or "y", uri=None, profile=None,
                                       findings=[])], collection or "c")


_CONTROL = {chr(c) for c in range(32) if c != 10} | {"\x7f"}


def _through_reporters(results: list[Result], collection: str) -> None:
    from lxml import etree

    from archivekit.report import make_reporter
    from archivekit.report.base import Summary

    for fmt in ("text", "junit", "github", "json"):
        stream = io.StringIO()
        reporter = make_reporter(fmt, stream, collection=collection, verb="check")
        summary = Summary()
        for result in results:
            reporter.result(result)
            summary.add(result)
        reporter.finish(summary)
        out = stream.getvalue()
        if fmt == "text":
            bad = _CONTROL.intersection(out)
            assert not bad, f"raw control characters {sorted(map(ord, bad))} in text output"
            lines = out.split("\n")
            assert not any(line.startswith("::") for line in lines), "text output forges a command"
        elif fmt == "junit":
            etree.fromstring(out.encode("utf-8", "surrogateescape"))
        elif fmt == "github":
            lines = out.rstrip("\n").split("\n")  # the runner splits commands on LF only
            findings = sum(len(r.findings) for r in results)
            assert len(lines) == findings + 1, "a name broke a workflow command over lines"
            assert all(line.startswith("::") for line in lines)
        else:
            for line in out.split("\n"):  # JSON Lines: LF-separated (no results: empty)
                if line:
                    json.loads(line)


# --- shared ---------------------------------------------------------------------------------

_CHECKER = None


def _default_checker():
    global _CHECKER
    if _CHECKER is None:
        from archivekit.checker import Checker

        _CHECKER = Checker()
    return _CHECKER


def _page() -> bytes:
    import seeds

    return seeds.article_html(0)


TARGETS = {"bag": bag, "ledger": ledger, "schema": schema, "profile": profile,
           "baseline": baseline, "reporters": reporters}


@atexit.register
def cleanup() -> None:
    shutil.rmtree(_WORK, ignore_errors=True)

