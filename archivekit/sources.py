"""Where articles come from: files, directories, WARC files and standard input.

Every source is a generator of :class:`~archivekit.record.Document`, one article in
memory at a time. A problem with one input becomes a document carrying
``read_error`` (reported as ``parse.unreadable``), never an exception, so the rest of
the collection is still read. Only a path that does not exist at all raises
:class:`SourceError`.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archivekit.errors import InputError
from archivekit.extract import HTML_SUFFIXES, TEXT_SUFFIXES
from archivekit.limits import DEFAULT_MAX_PAGE_BYTES
from archivekit.locations import WARC_SUFFIXES, is_warc_name
from archivekit.record import Document
from archivekit.safepath import open_regular_sized, walk_tree

__all__ = ["WARC_SUFFIXES", "is_warc_name"]  # re-exported: they live in archivekit.locations

ARTICLE_SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES


class SourceError(InputError):
    """An input path that cannot be used at all (missing, not a file or directory)."""


@dataclass(frozen=True, slots=True)
class UnlistedDir:
    """A directory met while walking the inputs that could not be listed: a value in the
    stream of paths (reported as ``parse.unreadable``), so the rest is still read."""

    path: str
    reason: str

    def document(self) -> Document:
        return Document(path=self.path, content=b"", read_error=f"cannot list directory: {self.reason}",
                        io_error=True)


def collect_paths(inputs: Iterable[str], *, follow_symlinks: bool = False,
                  on_error: Callable[[SourceError], None] | None = None) -> Iterator[str | UnlistedDir]:
    """Expand inputs to the list of files to read, directories recursively in sorted order.

    An input that does not exist raises :class:`SourceError`, or is passed to
    ``on_error`` and skipped so the rest is still read. Within a directory only files
    with an article or WARC suffix are taken; hidden entries are skipped. A sub-directory
    that cannot be listed comes as an :class:`UnlistedDir` value.
    """
    for raw in inputs:
        try:
            yield from _expand(raw, follow_symlinks)
        except SourceError as exc:
            if on_error is None:
                raise
            on_error(exc)


def _expand(raw: str, follow_symlinks: bool) -> Iterator[str | UnlistedDir]:
    if raw == "-":
        yield "-"
        return
    path = Path(raw)
    try:
        # A symlink given by name is followed only with follow_symlinks.
        mode = path.stat().st_mode if follow_symlinks else path.lstat().st_mode
    except OSError as exc:
        raise SourceError(f"{raw}: {exc.strerror or 'cannot access'}") from None
    if stat.S_ISDIR(mode):
        yield from _walk(path, follow_symlinks)
    elif stat.S_ISREG(mode):
        yield str(path)
    elif stat.S_ISLNK(mode):
        raise SourceError(f"{raw}: a symbolic link (use --follow-symlinks to read it)")
    else:
        raise SourceError(f"{raw}: not a file or directory")


def _walk(root: Path, follow_symlinks: bool) -> Iterator[str | UnlistedDir]:
    errors: list[OSError] = []
    # With --follow-symlinks, each real directory is walked once: a link back to an
    # ancestor (a loop) is reported, a second link to a walked directory skipped.
    for dirpath, dirnames, filenames, again in walk_tree(root, follow_symlinks, errors):
        if again:
            first, loop = again
            if loop:
                yield UnlistedDir(dirpath, f"a symbolic link loop (back to {first}): not "
                                           "walked again")
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        # os.walk lists symlinked files too: they may point out of the collection.
        links = () if follow_symlinks else _links_in(dirpath, filenames)
        prefix = os.path.join(dirpath, "")  # os.path.join(dirpath, name) is prefix + name
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            lowered = name.lower()
            if (lowered.endswith(ARTICLE_SUFFIXES) or is_warc_name(lowered)) and name not in links:
                yield prefix + name
    for exc in errors:
        # A sub-directory we could not list: report it as an unreadable input.
        yield UnlistedDir(str(exc.filename), str(exc.strerror))


def _links_in(dirpath: str, filenames: list[str]) -> set[str]:
    """Which of ``filenames`` are symbolic links: from one listing of the directory (the
    entry types it reads cost no system call a file), else one lstat a name."""
    try:
        with os.scandir(dirpath) as entries:
            return {entry.name for entry in entries if entry.is_symlink()}
    except OSError:
        return {name for name in filenames if os.path.islink(os.path.join(dirpath, name))}


def read_documents(paths: Iterable[str | UnlistedDir], *,
                   max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
                   stdin: BinaryIO | None = None) -> Iterator[Document]:
    for path in paths:
        if isinstance(path, UnlistedDir):
            yield path.document()
        elif path == "-":
            yield from read_stream(stdin or sys.stdin.buffer, "-", max_page_bytes)
        elif is_warc_name(path):
            yield from read_warc(path, max_page_bytes=max_page_bytes)
        else:
            yield read_file(path, max_page_bytes)


def read_file(path: str, max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Document:
    try:
        # Links are followed (the caller decided about them when collecting); a FIFO or
        # device is refused without blocking, never read.
        fd, size = open_regular_sized(path, follow_symlinks=True)
        try:
            if size > max_page_bytes:
                return Document(path=path, content=b"",
                                read_error=f"page is {size:,} bytes, over the limit of "
                                           f"{max_page_bytes:,} (--max-page-size)")
            content = _read_fd(fd, size, max_page_bytes)
        finally:
            os.close(fd)
    except OSError as exc:
        return Document(path=path, content=b"", read_error=f"cannot read: {exc.strerror or exc}",
                        io_error=True)
    return _page(path, content, max_page_bytes)


def _read_fd(fd: int, size: int, max_page_bytes: int) -> bytes:
    """The file's bytes, up to one past the limit: the size fstat gave is asked for first
    (one read, no file object); a file that grew meanwhile, or reports no size (procfs),
    is read on to its end or past the limit."""
    content = os.read(fd, size + 1)
    if len(content) <= size:
        return content
    parts = [content]
    total = len(content)
    while total <= max_page_bytes:
        chunk = os.read(fd, min(max_page_bytes + 1 - total, 1 << 20))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def _page(path: str, content: bytes, max_page_bytes: int) -> Document:
    """A page read up to one byte past the limit: the document, or why it is not read."""
    if len(content) > max_page_bytes:
        return Document(path=path, content=b"",
                        read_error=f"page is over the limit of {max_page_bytes:,} bytes")
    return Document(path=path, content=content)


# --- URLs (the Spark job's input list: s3a://, hdfs://, gs://, file://, ...) ------------
# Read through fsspec, which knows the protocols (its drivers, such as s3fs, are
# installed beside it by whoever runs the job). Not for the local CLI, whose inputs
# are paths.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(entry: str) -> bool:
    return bool(_URL.match(entry))


def _fsspec():
    try:
        import fsspec
    except ImportError:
        raise SourceError("reading URLs needs fsspec: pip install 'archivekit[spark]'") from None
    return fsspec


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def expand_url(url: str) -> list[str]:
    """The article and WARC files under a directory URL (sorted, hidden names skipped),
    or ``[url]`` for a file or anything that cannot be listed (its reader reports it)."""
    try:
        fs, root = _fsspec().core.url_to_fs(url)
        if not fs.isdir(root):
            return [url]
        found = sorted(fs.find(root))
    except Exception:  # noqa: BLE001 - any driver's error: the executor reports it per file
        return [url]
    out = []
    for path in found:
        parts = path[len(root.rstrip("/")):].strip("/").split("/")
        name = parts[-1].lower()
        if any(part.startswith(".") for part in parts):
            continue
        if name.endswith(ARTICLE_SUFFIXES) or is_warc_name(name):
            out.append(fs.unstrip_protocol(path))
    return out


def read_url(url: str, max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Iterator[Document]:
    """The documents of one URL: a WARC's records, or one page. A URL that cannot be
    opened (unknown protocol, driver not installed, missing, denied) is one document
    with a read error, like an unreadable file."""
    warc = is_warc_name(url)
    try:
        handle = _fsspec().open(url, "rb").open()
        if not warc:
            with handle:
                content = handle.read(max_page_bytes + 1)
    except Exception as exc:  # noqa: BLE001 - fsspec drivers raise their own kinds
        yield Document(path=url, content=b"", read_error=f"cannot read: {_first_line(exc)}",
                       io_error=True)
        return
    if warc:
        with handle:  # read_warc reports what goes wrong inside the WARC itself
            yield from read_warc(url, stream=handle, max_page_bytes=max_page_bytes)
    else:
        yield _page(url, content, max_page_bytes)


def read_stream(stream: BinaryIO, name: str, max_page_bytes: int) -> Iterator[Document]:
    head = stream.read(8)
    if head.startswith((b"WARC/", b"\x1f\x8b", b"filedesc")):
        # Standard input carrying a WARC: warcio reads it as a stream.
        yield from read_warc(name, stream=_Prefixed(head, stream), max_page_bytes=max_page_bytes)
        return
    content = head + stream.read(max_page_bytes + 1 - len(head))
    if len(content) > max_page_bytes:
        yield Document(path=name, content=b"",
                       read_error=f"input is over the limit of {max_page_bytes:,} bytes")
    else:
        yield Document(path=name, content=content)


class _Prefixed:
    """A read-only stream that returns ``head`` and then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                out, self._head = self._head + self._stream.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            if len(out) < size:
                out += self._stream.read(size - len(out))
            return out
        return self._stream.read(size)

    def readline(self, size: int = -1) -> bytes:
        if self._head:
            return self.read(size if size and size > 0 else len(self._head))
        return self._stream.readline(size)


def read_warc(path: str, *, stream: BinaryIO | None = None,
              max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES) -> Iterator[Document]:
    """Every HTML or text ``response``/``resource`` record of a WARC (or ARC), as a document."""
    from archivekit.warcread import read_archive

    yield from read_archive(path, stream=stream, max_page_bytes=max_page_bytes)
