"""Digests of an article: raw bytes, the canonical record, each field, and a simhash.

``content_sha256`` is computed over the canonical record (NFC, collapsed white space,
fields in a fixed order), so markup churn does not change it and a changed credit does.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

DEFAULT_ALGORITHMS = ("sha256",)
SUPPORTED_ALGORITHMS = ("sha256", "sha512", "sha1", "md5", "blake2b")

# Fields of the record that make up the article's content, in canonical order.
CONTENT_FIELDS = ("banner", "headline", "dek", "authors", "date_published", "body",
                  "images", "footer")


def raw_digests(content: bytes, algorithms=DEFAULT_ALGORITHMS) -> dict[str, str]:
    return {name: hashlib.new(name, content).hexdigest() for name in algorithms}


def canonical_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The record's content, reduced to what a reader sees (the text, not the markup)."""
    banner = record.get("banner") or {}
    footer = record.get("footer") or {}
    return {
        "banner": banner.get("text"),
        "headline": record.get("headline"),
        "dek": record.get("dek"),
        "authors": record.get("attribution", {}).get("bylines") or record.get("authors") or [],
        "date_published": record.get("date_published"),
        "body": record.get("body") or [],
        "images": [{"caption": i.get("caption"), "credit": i.get("credit")}
                   for i in record.get("images") or []],
        "footer": footer.get("text"),
    }


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def content_digest(record: dict[str, Any]) -> str:
    fields = canonical_fields(record)
    return hashlib.sha256(_canonical_json([fields[k] for k in CONTENT_FIELDS])).hexdigest()


def field_digests(record: dict[str, Any]) -> dict[str, str]:
    """One digest per field; each image's caption and credit separately."""
    fields = canonical_fields(record)
    out = {}
    for name in CONTENT_FIELDS:
        if name == "images":
            continue
        out[name] = hashlib.sha256(_canonical_json(fields[name])).hexdigest()
    for index, image in enumerate(fields["images"]):
        for part in ("caption", "credit"):
            out[f"images/{index}/{part}"] = hashlib.sha256(
                _canonical_json(image[part])).hexdigest()
    return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


def simhash(paragraphs: list[str], bits: int = 64) -> int:
    """Charikar simhash over word 3-shingles of the body (64-bit)."""
    words = _TOKEN.findall(" ".join(paragraphs).casefold())
    shingles = [" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))] if words else []
    if not shingles:
        return 0
    weights = [0] * bits
    for shingle in shingles:
        h = int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(bits):
            weights[bit] += 1 if (h >> bit) & 1 else -1
    return sum(1 << bit for bit in range(bits) if weights[bit] > 0)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
