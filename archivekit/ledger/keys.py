"""How the ledger names an article: its path relative to the collection root."""

from __future__ import annotations

import os

from archivekit.ledger.schema import LedgerError
from archivekit.printable import printable


# --- collection paths ------------------------------------------------------------------
def collection_root(inputs: list[str], root: str | None = None) -> str:
    """The directory ledger paths are relative to: ``root`` if given, else the one
    directory given as input, else the working directory. Keys relative to the root mean
    a collection moved or copied as a whole still verifies against its ledger."""
    if root is not None:
        return os.path.abspath(root)
    if len(inputs) == 1 and inputs[0] != "-" and os.path.isdir(inputs[0]):
        return os.path.abspath(inputs[0])
    return os.getcwd()


def ledger_key(path: str, root: str) -> str:
    """A document path (file, or ``file.warc.gz#offset``) as the ledger keys it."""
    if path == "-":
        return path
    return _text(os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/"))


def _text(key: str) -> str:
    """``key``, which SQLite keeps as UTF-8 text: a file name that is not UTF-8 (its
    undecodable bytes are lone surrogates here) is refused in one line."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        raise LedgerError(f"{printable(key)}: the file name is not UTF-8 and the ledger keys "
                          "articles by UTF-8 names: rename it, or leave it out of the run") from None
    return key


def key_maker(inputs: list[str], root: str):
    """:func:`ledger_key` with a fast path for files found under an input directory that
    is the root (a prefix cut instead of two path normalisations per file)."""
    prefixes = [raw.rstrip(os.sep) + os.sep for raw in inputs
                if raw != "-" and raw.rstrip(os.sep) and os.path.isdir(raw)
                and os.path.abspath(raw) == root]

    def key(path: str) -> str:
        for prefix in prefixes:
            if path.startswith(prefix):
                tail = path[len(prefix):]
                return _text(tail if os.sep == "/" else tail.replace(os.sep, "/"))
        return ledger_key(path, root)

    return key
