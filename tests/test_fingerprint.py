"""Fingerprints: one read, every algorithm, content digest blind to markup, per-field
digests, a simhash that tracks similarity."""

from __future__ import annotations

import hashlib
import json
import random
import unicodedata

import pytest
from test_verify import make_article

from archivekit.checker import Checker
from archivekit.fingerprint import (
    SUPPORTED_ALGORITHMS,
    content_digest,
    field_digests,
    fingerprint_document,
    hamming,
    raw_digests,
    simhash,
)
from archivekit.record import Document

CHECKER = Checker(keep_record=True)


def _fp(text: str, algorithms=("sha256",)):
    return fingerprint_document(Document(path="x.txt", content=text.encode("utf-8")), CHECKER,
                                algorithms)


def test_raw_digests_match_hashlib_for_every_algorithm():
    data = make_article(1).encode()
    digests = raw_digests(data, SUPPORTED_ALGORITHMS)
    assert digests == {a: hashlib.new(a, data).hexdigest() for a in SUPPORTED_ALGORITHMS}
    with pytest.raises(ValueError, match="unsupported"):
        raw_digests(data, ["crc32"])


def test_fingerprint_document_has_everything():
    result, fp = _fp(make_article(2), ("sha256", "sha512", "md5"))
    assert result.valid, result.findings
    assert set(fp.digests) == {"sha256", "sha512", "md5"}
    assert fp.content_sha256 == content_digest(result.record)
    assert list(fp.fields) == ["banner", "headline", "dek", "authors", "date_published", "body",
                               "footer", "images/0/caption", "images/0/credit"]
    assert 0 < fp.simhash < 2 ** 64
    assert result.fingerprint["sha512"] == fp.digests["sha512"]
    assert result.fingerprint["simhash"] == f"{fp.simhash:016x}"
    json.dumps(result.to_dict())


def test_markup_only_change_keeps_the_content_digest():
    text = make_article(3)
    reformatted = text.replace("\n\n", "\n\n\n").replace(". ", ".   ")
    (_, a), (_, b) = _fp(text), _fp(reformatted)
    assert a.sha256 != b.sha256
    assert a.content_sha256 == b.content_sha256
    assert a.fields == b.fields and a.simhash == b.simhash


def test_unicode_normalisation_keeps_the_content_digest():
    nfc = make_article(4).replace("Volunteers", "Volunt\u00e9ers")
    nfd = nfc.replace("\u00e9", "e\u0301")
    (_, a), (_, b) = _fp(nfc), _fp(nfd)
    assert a.sha256 != b.sha256 and a.content_sha256 == b.content_sha256


def test_a_changed_credit_changes_only_that_field():
    text = make_article(5)
    (_, a), (_, b) = _fp(text), _fp(text.replace("Mara Quill via Reuters", "Mara Quill via AAP"))
    assert a.content_sha256 != b.content_sha256
    assert [k for k in a.fields if a.fields[k] != b.fields[k]] == ["images/0/credit"]


def test_field_digests_of_a_record():
    record = {"headline": "H", "body": ["p"], "images": [{"caption": "c", "credit": "x"},
                                                       {"caption": None, "credit": "y"}]}
    keys = list(field_digests(record))
    assert keys[-4:] == ["images/0/caption", "images/0/credit", "images/1/caption",
                         "images/1/credit"]


def _naive_simhash(paragraphs):
    """The textbook per-bit loop, as a reference for the vectorised one."""
    words = unicodedata.normalize("NFC", " ".join(paragraphs)).casefold().split()
    if not words:
        return 0
    words += [""] * (3 - len(words)) if len(words) < 3 else []
    hashes = [hashlib.blake2b(w.encode("utf-8"), digest_size=24).digest() for w in words]
    lanes = [[int.from_bytes(h[8 * k:8 * k + 8], "little") for k in range(3)] for h in hashes]
    counts = [0] * 64
    n = len(words) - 2
    for i in range(n):
        h = lanes[i][0] ^ lanes[i + 1][1] ^ lanes[i + 2][2]
        for bit in range(64):
            counts[bit] += (h >> bit) & 1
    return sum(1 << bit for bit in range(64) if counts[bit] > n / 2)


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_simhash_equals_the_per_bit_loop(seed):
    rng = random.Random(seed)
    words = [rng.choice(["alpha", "Beta", "GAMMA", "délta", "ε", "Straße", "zeta", str(seed)])
             for _ in range(rng.randint(1, 400))]
    paragraphs = [" ".join(words[i:i + 30]) for i in range(0, len(words), 30)]
    assert simhash(paragraphs) == _naive_simhash(paragraphs)


def test_simhash_tracks_similarity():
    a = make_article(6, paragraphs=20)
    body = lambda t: t.split("\n\n")[3:-2]  # noqa: E731
    near = a.replace("the council told Reuters", "the council told Reuters on Monday")
    other = make_article(7, paragraphs=20)
    assert hamming(simhash(body(a)), simhash(body(near))) <= 6
    assert hamming(simhash(body(a)), simhash(body(other))) > 12
    assert simhash([]) == 0 and simhash(["", " "]) == 0
    assert simhash(["Case"]) == simhash(["case"])


def test_ascii_fast_path_folds_case_like_casefold():
    paragraphs = ["The HARBOUR Council met", "on Monday; the harbour council MET again."]
    assert simhash(paragraphs) == _naive_simhash(paragraphs)
    assert simhash(paragraphs) == simhash([p.casefold() for p in paragraphs])
