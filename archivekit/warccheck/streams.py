"""The bytes of a WARC file as the checker reads them: plain, or one gzip member.

Both readers keep one buffer and a position in it, so reading a block hands out views
of the buffer (``feed``) instead of copying it; lines and look-ahead copy only the few
bytes they return. Open the file with a large buffer (``BUFFERING``): the walker seeks
back to each member's end, which is then a move inside the buffer, not a new read.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import BinaryIO

try:  # zlib-ng inflates the same data ~1.3x faster than zlib (a dependency of archivekit)
    from zlib_ng import zlib_ng as _inflate_lib

    _INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _inflate_lib.error)
except ImportError:  # pragma: no cover
    _inflate_lib = zlib
    _INFLATE_ERRORS = (zlib.error,)

READ_SIZE = 1 << 20
BUFFERING = 1 << 20
# Decompressed bytes produced per step, so a gzip bomb cannot fill memory.
INFLATE_STEP = 1 << 20


class Plain:
    """The uncompressed file from ``offset`` on."""

    def __init__(self, handle: BinaryIO, offset: int | None = None):
        self.handle = handle
        if offset is not None:
            handle.seek(offset)
        self.buf = b""
        self.pos = 0

    def _more(self) -> bytes:
        """The next bytes of the stream (b"" at its end)."""
        return self.handle.read(READ_SIZE)

    def _refill(self) -> bool:
        chunk = self._more()
        if not chunk:
            return False
        if self.pos < len(self.buf):
            chunk = self.buf[self.pos:] + chunk
        self.buf, self.pos = chunk, 0
        return True

    def peek(self, size: int) -> bytes:
        while len(self.buf) - self.pos < size and self._refill():
            pass
        return self.buf[self.pos:self.pos + size]

    def read(self, size: int) -> bytes:
        out = self.peek(size)
        self.pos += len(out)
        return out

    def readline(self, limit: int) -> bytes:
        start = self.pos
        while True:
            end = self.buf.find(b"\n", self.pos, self.pos + limit)
            if end >= 0:
                end += 1
                break
            if len(self.buf) - self.pos >= limit or not self._refill():
                end = min(len(self.buf), self.pos + limit)
                break
            start = self.pos
        out = self.buf[start:end]
        self.pos = end
        return out

    def feed(self, size: int, sink: Callable[[memoryview], object]) -> int:
        """Pass the next ``size`` bytes to ``sink`` in views; returns how many there were."""
        left = size
        while left:
            avail = len(self.buf) - self.pos
            if not avail:
                if not self._refill():
                    break
                continue
            take = avail if avail < left else left
            sink(memoryview(self.buf)[self.pos:self.pos + take])
            self.pos += take
            left -= take
        return size - left

    def position(self) -> int:
        return self.handle.tell() - (len(self.buf) - self.pos)

    def at_end(self) -> bool:
        return self.pos >= len(self.buf) and not self._refill()


class Member(Plain):
    """The decompressed bytes of one gzip member starting at ``offset``."""

    def __init__(self, handle: BinaryIO, offset: int, limits=None):
        super().__init__(handle, offset)
        self.limits = limits     # archivekit.limits.Limits, or None: no gzip-bomb limit
        self.read_in = 0         # compressed bytes read
        self.read_size = 1 << 14
        self.inflater = _inflate_lib.decompressobj(16 + zlib.MAX_WBITS)
        self.pending = b""
        self.ended = False       # the member's gzip trailer was read
        self.truncated = False   # the file ended inside the member
        self.corrupt: str | None = None
        self.limit: str | None = None  # why a limit stopped the inflating
        self.end_offset: int | None = None
        self.inflated = 0        # decompressed bytes so far

    def _more(self) -> bytes:
        if self.ended or self.truncated or self.corrupt or self.limit:
            return b""
        while True:
            if not self.pending:
                # Small reads first (most members are a few KiB), larger as it goes on.
                self.pending = self.handle.read(self.read_size)
                self.read_size = min(self.read_size * 2, READ_SIZE)
                self.read_in += len(self.pending)
                if not self.pending:
                    self.truncated = True
                    return b""
            try:
                out = self.inflater.decompress(self.pending, INFLATE_STEP)
            except _INFLATE_ERRORS as exc:
                self.corrupt = str(exc)
                return b""
            self.pending = self.inflater.unconsumed_tail
            if self.inflater.eof:
                self.ended = True
                self.end_offset = self.handle.tell() - len(self.pending) - len(
                    self.inflater.unused_data)
            if out or self.ended:
                self.inflated += len(out)
                if self.limits is not None:
                    self.limit = _over_limit(self.inflated, self.read_in, self.limits)
                    if self.limit:
                        return b""
                return out


def _over_limit(out: int, read_in: int, limits) -> str | None:
    if out > limits.max_member_bytes:
        return (f"gzip member decompresses past {limits.max_member_bytes:,} bytes "
                "(limit max_member_bytes): a gzip bomb or a whole-file gzip")
    if out > limits.ratio_floor_bytes and out > limits.max_gzip_ratio * read_in:
        return (f"gzip member expands more than {limits.max_gzip_ratio}:1 ({out:,} bytes from "
                f"{read_in:,}; limit max_gzip_ratio): a gzip bomb")
    return None
