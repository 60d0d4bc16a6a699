"""Read an input WARC record again, byte for byte, from its location (``file#offset``)."""

from __future__ import annotations

import zlib

from archivekit.export.warc.options import ExportError
from archivekit.locations import parse_location


def read_input_record(path_with_offset: str) -> bytes:
    """The uncompressed bytes (header + block + CRLF CRLF) of the record at ``file#offset``."""
    location = parse_location(path_with_offset)
    if location is None:
        raise ValueError(f"{path_with_offset}: not a WARC record location (file#offset)")
    path, offset = location
    with open(path, "rb") as handle:
        handle.seek(offset)
        head = handle.read(2)
        handle.seek(offset)
        if head == b"\x1f\x8b":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = bytearray()
            while not inflater.eof:
                chunk = handle.read(1 << 16)
                if not chunk:
                    raise ExportError("input record is truncated")
                out += inflater.decompress(chunk)
            return bytes(out)
        header = bytearray()
        while not header.endswith(b"\r\n\r\n"):
            line = handle.readline(1 << 16)
            if not line:
                raise ExportError("input record is truncated")
            header += line
        length = 0
        for line in bytes(header).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        block = handle.read(length + 4)
        if len(block) != length + 4:
            raise ExportError("input record is truncated")
        return bytes(header) + block


def _header_value(record_bytes: bytes, name: str) -> str | None:
    head = record_bytes[:record_bytes.find(b"\r\n\r\n")].decode("utf-8", "replace")
    wanted = name.lower()
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == wanted:
            return value.strip()
    return None
