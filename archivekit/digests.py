"""Digests of an article: raw bytes, the canonical record, each field, and a simhash.

``content_sha256`` is computed over the canonical record (NFC, collapsed white space,
fields in a fixed order), so markup churn does not change it and a changed credit does.
Pure functions of bytes and records (this module imports only ``jsonbytes`` from the
package); :func:`archivekit.checker.fingerprint_document` checks a page and computes all of
them from one read of its bytes.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from archivekit import speedups
from archivekit.jsonbytes import compact

DEFAULT_ALGORITHMS = ("sha256",)
SUPPORTED_ALGORITHMS = ("sha256", "sha512", "sha1", "md5", "blake2b")
_CONSTRUCTORS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512, "sha1": hashlib.sha1,
                 "md5": hashlib.md5, "blake2b": hashlib.blake2b}

# Fields of the record that make up the article's content, in canonical order.
CONTENT_FIELDS = ("banner", "headline", "dek", "authors", "date_published", "body",
                  "images", "footer")


def raw_digests(content: bytes, algorithms=DEFAULT_ALGORITHMS) -> dict[str, str]:
    """Hex digests of the same bytes for each algorithm (one pass over memory each)."""
    try:
        return {name: _CONSTRUCTORS[name](content).hexdigest() for name in algorithms}
    except KeyError as exc:
        raise ValueError(f"unsupported digest algorithm {exc.args[0]!r} "
                         f"(choose from {', '.join(SUPPORTED_ALGORITHMS)})") from None


def canonical_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The record's content, reduced to what a reader sees (the text, not the markup).

    The extractor already gives every text field in NFC with white space collapsed
    (:func:`archivekit.extract.assemble.clean`), so it is not normalised again here.
    """
    banner = record.get("banner") or {}
    footer = record.get("footer") or {}
    return {
        "banner": banner.get("text"),
        "headline": record.get("headline"),
        "dek": record.get("dek"),
        "authors": (record.get("attribution") or {}).get("bylines") or record.get("authors") or [],
        "date_published": record.get("date_published"),
        "body": record.get("body") or [],
        "images": captions_and_credits(record.get("images") or []),
        "footer": footer.get("text"),
    }


def captions_and_credits_pure(images: list) -> list[dict[str, Any]]:
    """Each image's caption and credit, the part of it a reader sees."""
    return [{"caption": i.get("caption"), "credit": i.get("credit")} for i in images]


captions_and_credits = speedups.choose("captions_and_credits", captions_and_credits_pure)


def _canonical_json(value: Any) -> bytes:
    """Compact JSON, keys sorted, UTF-8."""
    return compact(value, sort_keys=True)


def _sha256_json(value: Any) -> str:
    return hashlib.sha256(_canonical_json(value)).hexdigest()


def content_digest(record: dict[str, Any]) -> str:
    fields = canonical_fields(record)
    return _sha256_json([fields[k] for k in CONTENT_FIELDS])


def field_digests(record: dict[str, Any]) -> dict[str, str]:
    """One digest per field, keyed by JSON pointer into the record without the leading
    slash (``headline``, ``images/1/credit``); each image's caption and credit apart."""
    return _field_digests(canonical_fields(record))


def _field_digests(fields: dict[str, Any]) -> dict[str, str]:
    out = {name: _field_digest(fields[name]) for name in CONTENT_FIELDS if name != "images"}
    for index, image in enumerate(fields["images"]):
        out[f"images/{index}/caption"] = _text_digest(image["caption"])
        out[f"images/{index}/credit"] = _text_digest(image["credit"])
    return out


def _field_digest(value: Any) -> str:
    return _text_digest(value) if value is None or isinstance(value, str) else _sha256_json(value)


# A field's text recurs from article to article (credits, an edition's banner and footer,
# absent captions): its digest is remembered, a bounded number of them.
_text_digest = functools.lru_cache(maxsize=4096)(_sha256_json)


# --- simhash ---------------------------------------------------------------------------
# Charikar simhash over word 3-shingles. Each distinct word gets three independent 64-bit
# hashes (cached across articles: the vocabulary of a collection repeats), a shingle's
# hash is h1(w[i]) ^ h2(w[i+1]) ^ h3(w[i+2]), computed for all shingles at once with
# big-integer XOR; the per-bit majority vote counts bits column by column with
# int.bit_count. No Python-level loop runs per shingle or per bit of a shingle.
class _WordHashes(dict):
    """word -> three 64-bit hashes (24 bytes of blake2b), computed on first sight."""

    limit = 500_000

    def __missing__(self, word: str) -> bytes:
        if len(self) >= self.limit:
            self.clear()
        value = self[word] = hashlib.blake2b(word.encode("utf-8", "surrogatepass"),
                                             digest_size=24).digest()
        return value


_WORD_HASHES = _WordHashes()


def simhash(paragraphs: list[str], bits: int = 64) -> int:
    """64-bit simhash of the text (word 3-shingles, case-folded); 0 for no text."""
    if bits != 64:
        raise ValueError("only 64-bit simhashes are supported")
    text = " ".join(paragraphs)
    # For ASCII text casefold() is lower() and NFC changes nothing; lower() is faster.
    text = text.lower() if text.isascii() else unicodedata.normalize("NFC", text).casefold()
    words = text.split()
    if not words:
        return 0
    if len(words) < 3:
        words += [""] * (3 - len(words))
    n = len(words) - 2
    lanes = memoryview(b"".join(map(_WORD_HASHES.__getitem__, words))).cast("Q")
    shingles = (int.from_bytes(lanes[0:3 * n:3].tobytes(), "little")
                ^ int.from_bytes(lanes[4:3 * n + 3:3].tobytes(), "little")
                ^ int.from_bytes(lanes[8::3].tobytes(), "little"))
    data = shingles.to_bytes(8 * n, "little")
    ones = int.from_bytes(b"\x01" * n, "little")  # bit 0 of every byte of a column
    masks = [ones << bit for bit in range(8)]
    half = n / 2
    out = 0
    for byte in range(8):
        column = int.from_bytes(data[byte::8], "little")  # that byte of every shingle hash
        for bit, mask in enumerate(masks):
            if (column & mask).bit_count() > half:
                out |= 1 << (8 * byte + bit)
    return out


# The reference above; the compiled one (same results) where it is built (archivekit.speedups).
simhash_pure = simhash
simhash = speedups.choose("simhash", simhash_pure)


def simhash_hex(value: int | None) -> str | None:
    """A simhash as the ledger and reports write it: 16 hex digits."""
    return f"{value:016x}" if value is not None else None


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# --- one article -----------------------------------------------------------------------
@dataclass(slots=True)
class Fingerprint:
    """Everything the ledger keeps about one article's content."""

    size: int
    digests: dict[str, str]
    content_sha256: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    simhash: int | None = None

    @property
    def sha256(self) -> str | None:
        return self.digests.get("sha256")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.digests)
        out["size"] = self.size
        if self.content_sha256:
            out["content_sha256"] = self.content_sha256
        if self.simhash is not None:
            out["simhash"] = simhash_hex(self.simhash)
        return out


def fingerprint_record(content: bytes, record: dict[str, Any] | None,
                       algorithms=DEFAULT_ALGORITHMS,
                       digests: dict[str, str] | None = None,
                       content_sha256: str | None = None) -> Fingerprint:
    digests = digests or raw_digests(content, algorithms)
    if record is None:
        return Fingerprint(size=len(content), digests=digests)
    fields = canonical_fields(record)
    return Fingerprint(size=len(content), digests=digests,
                       content_sha256=content_sha256
                       or _sha256_json([fields[k] for k in CONTENT_FIELDS]),
                       fields=_field_digests(fields), simhash=simhash(fields["body"]))
