"""Read an input WARC record again, byte for byte, from its location (``file#offset``)."""

from __future__ import annotations

import os
import zlib

from archivekit.export.warc.options import ExportError
from archivekit.limits import DEFAULT_LIMITS, Limits
from archivekit.locations import parse_location
from archivekit.safepath import open_regular


def read_input_record(path_with_offset: str, max_bytes: int | None = None,
                      limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The uncompressed bytes (header + block + CRLF CRLF) of the record at ``file#offset``.

    At most ``max_bytes`` (default ``limits.max_member_bytes``) are inflated or read:
    the gzip member goes through the decompressor in bounded steps (``max_length``), with
    the ratio guard of :mod:`archivekit.limits` applied as it inflates, not after; an
    uncompressed record needs exactly one numeric ``Content-Length`` within the bound.
    A breach is an :class:`ExportError` (the caller then writes a resource record).
    """
    location = parse_location(path_with_offset)
    if location is None:
        raise ValueError(f"{path_with_offset}: not a WARC record location (file#offset)")
    path, offset = location
    cap = limits.max_member_bytes if max_bytes is None else min(max_bytes, limits.max_member_bytes)
    with os.fdopen(open_regular(path, follow_symlinks=True), "rb") as handle:
        handle.seek(offset)
        head = handle.read(2)
        handle.seek(offset)
        if head == b"\x1f\x8b":
            return _inflate_member(handle, cap, limits)
        header = bytearray()
        while not header.endswith(b"\r\n\r\n"):
            line = handle.readline(1 << 16)
            if not line:
                raise ExportError("input record is truncated")
            header += line
            if len(header) > min(cap, 1 << 20):
                raise ExportError("input record header is over 1 MiB")
        lengths = []
        for line in bytes(header).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                lengths.append(value.strip())
        if len(lengths) != 1 or not lengths[0].isdigit() or len(lengths[0]) > 19:
            raise ExportError(f"input record has {len(lengths)} Content-Length headers "
                              "or a non-numeric one")
        length = int(lengths[0])
        if length + len(header) > cap:
            raise ExportError(f"input record's Content-Length {length:,} is over the bound "
                              f"of {cap:,} bytes")
        block = handle.read(length + 4)
        if len(block) != length + 4:
            raise ExportError("input record is truncated")
        return bytes(header) + block


def _inflate_member(handle, cap: int, limits: Limits) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    consumed = 0
    while not inflater.eof:
        chunk = inflater.unconsumed_tail or handle.read(1 << 16)
        if not chunk:
            raise ExportError("input record is truncated")
        if not inflater.unconsumed_tail:
            consumed += len(chunk)
        # max_length: never more than one step's output past what the guards allow.
        out += inflater.decompress(chunk, 1 << 20)
        if len(out) > cap:
            raise ExportError(f"input record's gzip member inflates past {cap:,} bytes "
                              "(limit max_member_bytes or the page read)")
        if len(out) > limits.ratio_floor_bytes and len(out) > limits.max_gzip_ratio * consumed:
            raise ExportError(f"input record's gzip member expands more than "
                              f"{limits.max_gzip_ratio}:1 (limit max_gzip_ratio): a gzip bomb")
    return bytes(out)


def _header_value(record_bytes: bytes, name: str) -> str | None:
    head = record_bytes[:record_bytes.find(b"\r\n\r\n")].decode("utf-8", "replace")
    wanted = name.lower()
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == wanted:
            return value.strip()
    return None
