"""Digests taken while a record's block streams past, and the payload split out of it.

:class:`BlockReader` gets the block in pieces (``update``) and hashes, in the same pass,
the block, the payload (for ``application/http`` the entity-body: after the HTTP
header, de-chunked when the body is chunk-encoded) and, for a chunked body, the
message-body as stored, to tell a digest taken over the chunk framing from a wrong one.
It can keep the first bytes of the entity-body for the page reader.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from archivekit.warccheck.rules import DIGEST_ALGORITHMS

MAX_HTTP_HEAD = 1 << 16
_HEX = re.compile(rb"^[0-9A-Fa-f]+$")
_NEW = {algo: getattr(hashlib, algo) for algo in DIGEST_ALGORITHMS}
_SIZES = {algo: new().digest_size for algo, new in _NEW.items()}


def parse_digest(value: str | None) -> tuple[str, bytes] | str | None:
    """``(algorithm, raw digest)``; "unsupported" or "malformed" when it is not one; None
    when there is no value."""
    if value is None:
        return None
    algo, sep, encoded = value.partition(":")
    algo = algo.strip().lower().replace("-", "")
    if not sep or algo not in DIGEST_ALGORITHMS:
        return "unsupported"
    raw = decode_digest(encoded.strip(), _SIZES[algo])
    return (algo, raw) if raw is not None else "malformed"


_B32_TO_INT = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")
_B32 = re.compile(r"^[A-Z2-7]+=*$")


def _b32_fast(text: str, size: int) -> bytes | None:
    """Base32 (RFC 4648) of a ``size``-byte digest, decoded with int() instead of the
    slow pure-Python b32decode: the common case (sha1 in base32) on every record."""
    digits = text.rstrip("=")
    if len(digits) != -(-size * 8 // 5) or not _B32.match(text):
        return None
    value = int(digits.translate(_B32_TO_INT), 32)
    return (value >> (len(digits) * 5 - size * 8)).to_bytes(size, "big")


def decode_digest(text: str, size: int) -> bytes | None:
    raw = _b32_fast(text.upper(), size)
    if raw is not None:
        return raw
    for decode in (lambda t: base64.b32decode(t.upper()), lambda t: base64.b16decode(t.upper()),
                   lambda t: base64.b64decode(t, validate=True),
                   lambda t: base64.urlsafe_b64decode(t)):
        try:
            raw = decode(text)
        except (binascii.Error, ValueError):
            continue
        if len(raw) == size:
            return raw
    return None


class Dechunker:
    """Streams a chunk-encoded message-body into its entity-body (RFC 2616 3.6.1).

    ``state`` ends as "done" (the last chunk and trailer were read), "open" (the body
    ended before that), "not_chunked" (the body does not start with a chunk-size line)
    or "broken" (the framing breaks after a good start)."""

    def __init__(self, sink):
        self.sink = sink
        self.state = "size"
        self.line = b""
        self.left = 0
        self.chunks = 0

    def update(self, data) -> None:
        data = bytes(data)
        i, end = 0, len(data)
        while i < end and self.state not in ("done", "not_chunked", "broken"):
            if self.state == "data":
                take = min(self.left, end - i)
                self.sink(data[i:i + take])
                i += take
                self.left -= take
                if not self.left:
                    self.state = "crlf"
                continue
            nl = data.find(b"\n", i)
            if nl < 0:
                self.line += data[i:]
                if len(self.line) > 1024:
                    self._fail()
                return
            line, self.line, i = self.line + data[i:nl + 1], b"", nl + 1
            self._line(line.rstrip(b"\r\n"))

    def _fail(self) -> None:
        self.state = "broken" if self.chunks else "not_chunked"

    def _line(self, line: bytes) -> None:
        if self.state == "crlf":
            self.state = "size" if not line else "broken"
        elif self.state == "size":
            size = line.split(b";", 1)[0].strip()
            if not _HEX.match(size) or len(size) > 16:
                self._fail()
                return
            self.chunks += 1
            self.left = int(size, 16)
            self.state = "data" if self.left else "trailer"
        elif self.state == "trailer" and not line:
            self.state = "done"

    @property
    def complete(self) -> bool:
        return self.state == "done" or (self.state == "trailer" and not self.line)


class BlockReader:
    """Hashes a block as it streams past; see the module docstring."""

    def __init__(self, block_digest, payload_digest, *, http: bool, keep=0):
        # keep: bytes of the entity-body to keep, or a function of the HTTP header that
        # says how many (the page reader keeps only pages).
        self.block_hash = _NEW[block_digest[0]]() if block_digest else None
        self.payload_digest = payload_digest
        self.http = http
        self.keep = keep
        self.kept = bytearray()      # the entity-body's start (de-chunked)
        self.kept_raw = bytearray()  # the message-body's start as stored (chunked only)
        self.head = b"" if http else None  # the HTTP header once complete
        self._head_buf = bytearray()
        # Outside HTTP the payload is the block: one hash serves both digests.
        self.shared = bool(not http and block_digest and payload_digest
                           and block_digest[0] == payload_digest[0])
        self.body_hash = self.block_hash if self.shared else (
            _NEW[payload_digest[0]]() if payload_digest else None)
        self.body_length = 0
        self.dechunker: Dechunker | None = None
        self.entity_hash = None
        self.in_body = not http

    def update(self, data) -> None:
        if self.block_hash is not None:
            self.block_hash.update(data)
        if self.in_body:
            if callable(self.keep):
                self.keep = 0  # no HTTP header: nothing to keep
            self._body(data)
            return
        # Only the first 64 KiB are looked at (and copied) for the end of the HTTP header.
        seen = len(self._head_buf)
        self._head_buf += data[:MAX_HTTP_HEAD + 4 - seen]
        end = self._head_buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head_buf) > MAX_HTTP_HEAD:
                self.in_body = True  # no header end in sight: no payload to speak of
                self.body_hash = None
            return
        self.head = bytes(self._head_buf[:end])
        rest = data[end + 4 - seen:]  # the body starts in this piece: a view, not a copy
        self._head_buf = bytearray()
        self.in_body = True
        if callable(self.keep):
            self.keep = self.keep(self.head)
        if _is_chunked(self.head):
            self.entity_hash = _NEW[self.payload_digest[0]]() if self.payload_digest else None
            self.dechunker = Dechunker(self._entity)
        if rest:
            self._body(rest)

    def _body(self, data) -> None:
        self.body_length += len(data)
        if self.body_hash is not None and not self.shared:
            self.body_hash.update(data)
        if self.dechunker is None:
            if self.keep and len(self.kept) < self.keep:
                self.kept += data[:self.keep - len(self.kept)]
            return
        if self.keep and len(self.kept_raw) < self.keep:
            self.kept_raw += data[:self.keep - len(self.kept_raw)]
        self.dechunker.update(data)

    def _entity(self, data: bytes) -> None:
        if self.entity_hash is not None:
            self.entity_hash.update(data)
        if self.keep and len(self.kept) < self.keep:
            self.kept += data[:self.keep - len(self.kept)]

    @property
    def header_incomplete(self) -> bool:
        return self.http and not self.in_body and bool(self._head_buf)

    def chunk_state(self) -> str | None:
        """None (not chunked), or the :class:`Dechunker` state at the block's end."""
        if self.dechunker is None:
            return None
        if not self.dechunker.chunks:
            return "not_chunked"  # not even one chunk-size line
        return "done" if self.dechunker.complete else self.dechunker.state

    def payload_verdict(self) -> str | None:
        """How the stored payload digest compares: "ok", "mismatch", "chunked" (it matches
        the chunk-encoded message-body), or None when there is nothing to compare."""
        if self.payload_digest is None or self.body_hash is None or self.header_incomplete:
            return None
        expected = self.payload_digest[1]
        state = self.chunk_state()
        if state in (None, "not_chunked", "broken"):
            # Not chunk-encoded as stored (or unreadably so): the payload is the body.
            return "ok" if self.body_hash.digest() == expected else "mismatch"
        if self.entity_hash.digest() == expected:
            return "ok"
        return "chunked" if self.body_hash.digest() == expected else "mismatch"

    def entity(self) -> bytes:
        """The kept start of the entity-body; the body as stored when not de-chunkable."""
        if self.chunk_state() in ("not_chunked", "broken"):
            return bytes(self.kept_raw)
        return bytes(self.kept)


def _is_chunked(head: bytes) -> bool:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            return True
    return False
