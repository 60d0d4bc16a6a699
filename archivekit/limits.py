"""Resource limits, and their defaults, in one place.

Hostile or broken input must cost bounded memory and time and end in a finding, not
a crash. Each limit here is enforced where the input is read; a breach becomes a
``parse.unreadable`` finding whose message names the limit (see docs/guarantees.md).

This module imports nothing from the rest of archivekit, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from archivekit.errors import InputError

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    # Largest page (file, stdin input or WARC record payload) read, in bytes.
    max_page_bytes: int = 20 * MiB
    # Largest decompressed size of one gzip member of a .warc.gz.
    max_member_bytes: int = 1024 * MiB
    # Largest decompressed/compressed ratio of one gzip member (a gzip bomb of zeros is
    # ~1000:1; HTML compresses 5-20:1), checked once a member passed ratio_floor_bytes.
    max_gzip_ratio: int = 200
    ratio_floor_bytes: int = 8 * MiB
    # Deepest HTML element nesting read. libxml2 stops at 256 levels unless huge_tree
    # is set (archivekit never sets it); deeper content is reported, not read.
    max_depth: int = 256
    # Most images (figures / lightbox blocks) extracted from one page.
    max_images: int = 1000
    # Longest output file name component written by an exporter, in bytes.
    max_name_bytes: int = 200
    # Largest bag tag file read (bagit.txt, bag-info.txt, a manifest or tag manifest).
    max_tag_file_bytes: int = 256 * MiB
    # Longest one search of a user profile pattern (--profile-dir) may run, in seconds
    # (the regex package's timeout; the check is periodic, so a breach ends within ~1 s).
    pattern_timeout: float = 0.25


DEFAULT_LIMITS = Limits()
DEFAULT_MAX_PAGE_BYTES = DEFAULT_LIMITS.max_page_bytes
DEFAULT_MAX_IMAGES = DEFAULT_LIMITS.max_images
DEFAULT_MAX_DEPTH = DEFAULT_LIMITS.max_depth


class LimitExceeded(InputError):
    """Input that breaches a resource limit; the message names the limit."""


def too_many_images(count: int, limits: Limits = DEFAULT_LIMITS) -> str | None:
    if count > limits.max_images:
        return f"page has more than {limits.max_images:,} images (limit max_images)"
    return None


# libxml2's own cap on one text node or attribute value when huge_tree is not set
# (XML_MAX_TEXT_LENGTH); past it the parser stops and the rest of the page is not read.
LIBXML2_MAX_TEXT_BYTES = 10_000_000


def parser_limit_exceeded(error_log, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """A message if libxml2's parse log says one of its resource limits stopped the parse:
    the nesting depth, or a text node / attribute over 10,000,000 bytes. The page is then a
    limit finding, not a page whose later parts look "missing"."""
    for entry in error_log:
        message = entry.message
        if "Excessive depth" in message:
            return (f"HTML nested deeper than {limits.max_depth} levels (limit max_depth); "
                    "content below that depth is not read")
        if "Resource limit exceeded" in message or getattr(entry, "type_name", "") == \
                "ERR_RESOURCE_LIMIT" or "huge text node" in message.lower():
            return (f"a text node or attribute over {LIBXML2_MAX_TEXT_BYTES:,} bytes (limit "
                    "of the HTML parser, huge_tree off); the page past it is not read")
    return None



_GUARDED = None


def _guarded_reader_class():
    """warcio's decompressing reader, counting each gzip member's output."""
    global _GUARDED
    if _GUARDED is not None:
        return _GUARDED
    from warcio.bufferedreaders import DecompressingBufferedReader

    class GuardedReader(DecompressingBufferedReader):
        def __init__(self, stream, limits: Limits, **kwargs):
            self._limits = limits
            self._member_in = 0
            self._member_out = 0
            super().__init__(stream, **kwargs)

        def _init_decomp(self, decomp_type):
            super()._init_decomp(decomp_type)
            self._member_in = 0
            self._member_out = 0

        def _decompress(self, data):
            if self.decompressor is None or not data:
                return super()._decompress(data)
            self._member_in += len(data)
            out = super()._decompress(data)
            if self.decompressor is not None:
                self._member_out += len(out)
                self._check()
            return out

        def _check(self):
            limits, out = self._limits, self._member_out
            if out > limits.max_member_bytes:
                raise LimitExceeded(
                    f"gzip member decompresses past {limits.max_member_bytes:,} bytes "
                    "(limit max_member_bytes): a gzip bomb or a whole-file gzip")
            if out > limits.ratio_floor_bytes and out > limits.max_gzip_ratio * self._member_in:
                raise LimitExceeded(
                    f"gzip member expands more than {limits.max_gzip_ratio}:1 "
                    f"({out:,} bytes from {self._member_in:,}; limit max_gzip_ratio): a gzip bomb")

    _GUARDED = GuardedReader
    return GuardedReader


def archive_iterator(handle: BinaryIO, limits: Limits = DEFAULT_LIMITS, **kwargs):
    """A warcio ``ArchiveIterator`` whose gzip decompression obeys ``limits``.

    A breach raises :class:`LimitExceeded` from the iteration; memory stays bounded by
    the reader's block size times the ratio, not by the member's claimed size.
    """
    from warcio.archiveiterator import ArchiveIterator

    iterator = ArchiveIterator(handle, **kwargs)
    # Nothing has been read yet: swap the reader for the guarded one.
    iterator.reader = _guarded_reader_class()(iterator.fh, limits, block_size=iterator.reader.block_size)
    return iterator
