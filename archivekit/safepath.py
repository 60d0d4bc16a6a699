"""Output-name safety for writers: nothing lands outside the output directory.

Names that exporters derive from untrusted input (a WARC-Target-URI, an input path,
a headline) go through these helpers before a file is created:

- :func:`safe_join` joins a relative name under a root and refuses ``..``, absolute
  paths, NUL, over-long components and (unless asked) symlinks on the way out;
- :func:`portable_name` turns a file name that is not valid UTF-8 (read with
  ``surrogateescape``) into a UTF-8 name with the stray bytes percent-encoded;
- :func:`slug` makes one safe file-name component out of any text.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from archivekit.errors import UsageError
from archivekit.limits import DEFAULT_LIMITS


class UnsafeName(UsageError, ValueError):
    """An output name that would escape the output directory or cannot be written."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _as_text(name: str | bytes | os.PathLike) -> str:
    if isinstance(name, bytes):
        return os.fsdecode(name)
    return os.fspath(name)


def check_relative(name: str | bytes | os.PathLike, *,
                   max_name_bytes: int = DEFAULT_LIMITS.max_name_bytes) -> str:
    """``name`` as a normalised relative POSIX path, or :class:`UnsafeName`.

    Backslashes count as separators (a name from a Windows path or a URL must not
    smuggle ``..\\``); empty and ``.`` components are dropped.
    """
    text = _as_text(name)
    if "\0" in text:
        raise UnsafeName(f"output name {text!r} contains a NUL byte")
    parts = text.replace("\\", "/").split("/")
    if not text or text.startswith(("/", "\\")) or os.path.isabs(text) or re.match(r"^[A-Za-z]:", text):
        raise UnsafeName(f"output name {text!r} is empty or absolute")
    kept = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            raise UnsafeName(f"output name {text!r} climbs out of the output directory ('..')")
        if len(os.fsencode(part)) > max_name_bytes:
            raise UnsafeName(f"output name component of {len(os.fsencode(part))} bytes is longer "
                             f"than {max_name_bytes} (limit max_name_bytes)")
        kept.append(part)
    if not kept:
        raise UnsafeName(f"output name {text!r} names no file")
    return "/".join(kept)


def safe_join(root: str | os.PathLike, name: str | bytes | os.PathLike, *,
              follow_symlinks: bool = False,
              max_name_bytes: int = DEFAULT_LIMITS.max_name_bytes) -> Path:
    """``root / name``, guaranteed to stay inside ``root``.

    Refuses what :func:`check_relative` refuses, and any existing component under
    ``root`` that is a symbolic link (a planted ``data/x -> /etc`` must not redirect a
    write) unless ``follow_symlinks``, in which case the resolved target must still be
    inside ``root``.
    """
    relative = check_relative(name, max_name_bytes=max_name_bytes)
    base = Path(root)
    target = base.joinpath(*relative.split("/"))
    current = base
    for part in relative.split("/"):
        current = current / part
        if current.is_symlink():
            if not follow_symlinks:
                raise UnsafeName(f"output name {relative!r} goes through the symbolic link {current}")
            resolved_root = base.resolve()
            if not current.resolve().is_relative_to(resolved_root):
                raise UnsafeName(f"output name {relative!r} leads out of {base} through {current}")
    return target


def portable_name(name: str | bytes) -> str:
    """A UTF-8 name for a file name that may hold undecodable bytes.

    Valid UTF-8 names come back unchanged; each byte that is not valid UTF-8 becomes
    ``%XX`` (and ``%`` itself ``%25`` only when something was escaped, so names stay
    readable and the mapping stays one-to-one).
    """
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    index = 0
    while index < len(raw):
        try:
            # Longest valid UTF-8 run from here.
            chunk = raw[index:].decode("utf-8")
            out.append(chunk.replace("%", "%25"))
            break
        except UnicodeDecodeError as exc:
            if exc.start:
                out.append(raw[index:index + exc.start].decode("utf-8").replace("%", "%25"))
            out.append(f"%{raw[index + exc.start]:02X}")
            index += exc.start + 1
    return "".join(out)


def slug(text: str, *, max_bytes: int = 80, default: str = "article") -> str:
    """One safe, readable file-name component from any text (URL, headline, path)."""
    text = unicodedata.normalize("NFKD", _CONTROL.sub(" ", text))
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text.encode("ascii", "ignore").decode()).strip("-.")
    return text[:max_bytes].rstrip("-.") or default
