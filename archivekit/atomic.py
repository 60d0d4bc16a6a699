"""Write a small output file atomically: under a hidden temporary name beside it, renamed
over the target when complete, so an interrupted run leaves no file that looks whole."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_text(path: str | os.PathLike, text: str, *, errors: str = "strict") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; the file gets the permissions a
    plain ``open`` gives it. ``errors`` is the encoder's: ``backslashreplace`` keeps a
    non-UTF-8 file name's lone surrogates visible instead of failing."""
    target = Path(path)
    # "x": a fresh file (created with the umask's permissions), never an existing one.
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", errors=errors) as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _remove_stale(target)
    return target


def _remove_stale(target: Path) -> None:
    """Temporaries of ``target`` that a killed earlier write left (SIGKILL runs no
    clean-up): the complete write makes them litter."""
    prefix = f".{target.name}."
    try:
        with os.scandir(target.parent) as entries:
            stale = [e.name for e in entries if e.name.startswith(prefix) and e.name.endswith(".tmp")
                     and _is_uuid_hex(e.name[len(prefix):-len(".tmp")]) and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for name in stale:
        try:
            os.unlink(target.parent / name)
        except OSError:
            pass


def _is_uuid_hex(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)
