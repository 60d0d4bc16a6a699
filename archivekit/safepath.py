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

import errno
import os
import re
import stat
import unicodedata
from pathlib import Path

from archivekit.errors import InputError, UsageError
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


# --- the one guarded open: regular files only, no link followed out of its root ------------
class NotRegular(InputError, OSError):
    """A path that is not a regular file (FIFO, device, directory, socket) or a link refused."""


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _regular_fd(fd: int, shown: str) -> int:
    """``fd`` if it is a regular file (O_NONBLOCK cleared again), else closed and refused."""
    return _regular_fd_sized(fd, shown)[0]


def _regular_fd_sized(fd: int, shown: str) -> tuple[int, int]:
    """:func:`_regular_fd` and the file's size, from the one ``fstat``."""
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else \
                "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
            raise NotRegular(errno.EINVAL, f"{kind}, not read", shown)
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


def _link_refused(exc: OSError, shown: str) -> OSError:
    if exc.errno == errno.ELOOP:
        return NotRegular(errno.ELOOP, "a symbolic link, not followed", shown)
    return exc


def open_regular(path: str | os.PathLike, *, follow_symlinks: bool = False) -> int:
    """A read-only descriptor on the regular file ``path``, or :class:`OSError`.

    The last component is not followed if it is a symbolic link (``O_NOFOLLOW``) unless
    ``follow_symlinks``; FIFOs and devices are refused without blocking (``O_NONBLOCK``
    on the open, ``fstat`` after it), so a FIFO named ``x.html`` cannot hang a run.
    """
    return open_regular_sized(path, follow_symlinks=follow_symlinks)[0]


def open_regular_sized(path: str | os.PathLike, *, follow_symlinks: bool = False) -> tuple[int, int]:
    """:func:`open_regular` and the file's size as it was opened (one ``fstat`` for both)."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | (0 if follow_symlinks else _NOFOLLOW)
    shown = os.fspath(path)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _link_refused(exc, shown) from None
    return _regular_fd_sized(fd, shown)


def open_under(root: str | os.PathLike, name: str, *, follow_symlinks: bool = False) -> int:
    """A read-only descriptor on the regular file ``root/name``, openat-style.

    ``name`` must pass :func:`check_relative`; each directory on the way is opened
    relative to the one before with ``O_NOFOLLOW | O_DIRECTORY`` and the file with
    ``O_NOFOLLOW``, so no symbolic link under ``root`` is followed (none can be swapped
    in between a check and the open). With ``follow_symlinks`` links are followed but
    the file must still resolve inside ``root``.
    """
    relative = check_relative(name)
    shown = os.path.join(os.fspath(root), relative)
    if follow_symlinks:
        real_root = os.path.realpath(root)
        real = os.path.realpath(shown)
        if os.path.commonpath([real_root, real]) != real_root:
            raise NotRegular(errno.EXDEV, "leads out of its root through a symbolic link", shown)
        return open_regular(real, follow_symlinks=False)
    parts = relative.split("/")
    dir_fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    walked = os.fspath(root)
    try:
        for part in parts[:-1]:
            walked = os.path.join(walked, part)
            try:
                next_fd = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(walked):
                    raise NotRegular(errno.ELOOP, "goes through a symbolic link, not followed",
                                     shown) from None
                raise
            os.close(dir_fd)
            dir_fd = next_fd
        try:
            fd = os.open(parts[-1], os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            raise _link_refused(exc, shown) from None
    finally:
        os.close(dir_fd)
    return _regular_fd(fd, shown)


def read_bounded(fd: int, limit: int, shown: str, what: str = "limit") -> bytes:
    """All of ``fd`` (closed after), or :class:`OSError` when it holds over ``limit`` bytes."""
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise NotRegular(errno.EFBIG, f"over {limit:,} bytes ({what})", shown)
    return data


def create_fresh(path: str | os.PathLike, *, mode: int = 0o666) -> int:
    """A write descriptor on a new file at ``path`` that no planted link can redirect.

    Whatever is at ``path`` (a partial file of a killed run, a planted symbolic link) is
    removed first (``unlink`` removes a link, never its target); the file is then
    created with ``O_CREAT | O_EXCL | O_NOFOLLOW``, which refuses to go through a link.
    The directory holding ``path`` must not itself be a symbolic link.
    """
    target = os.fspath(path)
    parent = os.path.dirname(target) or "."
    if os.path.islink(parent):
        raise UnsafeName(f"output directory {parent} is a symbolic link: not written through")
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise UnsafeName(f"output name {target} is a directory") from None
    return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode)


def refuse_link(path: str | os.PathLike) -> Path:
    """``path``, or UnsafeName when it is a symbolic link (an output directory that would
    redirect what is written into it)."""
    target = Path(path)
    if target.is_symlink():
        raise UnsafeName(f"output directory {target} is a symbolic link: not written through")
    return target


def real_dir(path: str | os.PathLike) -> Path:
    """``path`` created if needed as a real directory (not a symbolic link), or UnsafeName."""
    target = refuse_link(path)
    target.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or not target.is_dir():
        raise UnsafeName(f"output directory {target} is not a directory")
    return target


def remove_planted(directory: str | os.PathLike, *names: str) -> None:
    """Remove each of ``names`` in ``directory`` that is a symbolic link (the link, never its
    target): a temporary name an output is about to be written under must not redirect it."""
    for name in names:
        path = os.path.join(directory, name)
        if os.path.islink(path):
            os.unlink(path)


def walk_tree(root, follow_symlinks: bool, errors: list[OSError]):
    """``os.walk(root)`` (errors collected into ``errors``), each real directory once when
    links are followed. Yields ``(dirpath, dirnames, filenames, again)``: ``again`` is
    None, or ``(first, loop)`` for a directory already walked as ``first`` (its
    sub-directories are not walked again; ``loop``: a link back to an ancestor)."""
    walked: dict[tuple[int, int], str] = {}
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append,
                                                followlinks=follow_symlinks):
        again = None
        if follow_symlinks:
            try:
                info = os.stat(dirpath)
            except OSError as exc:
                errors.append(exc)
                dirnames[:] = []
                continue
            first = walked.setdefault((info.st_dev, info.st_ino), dirpath)
            if first != dirpath:
                dirnames[:] = []
                again = (first, (dirpath + os.sep).startswith(first.rstrip(os.sep) + os.sep))
        yield dirpath, dirnames, filenames, again
