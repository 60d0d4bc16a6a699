"""The canonical JSON behind content_sha256 is the same bytes whichever encoder runs."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from archivekit import digests as fingerprint  # the digest functions live in digests.py

texts = st.text()
values = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | texts,
                      lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(texts, inner, max_size=5), max_leaves=20)


def _reference(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8", "surrogatepass")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values)
def test_fast_encoder_gives_the_reference_bytes(value) -> None:
    assert fingerprint._canonical_json(value) == _reference(value)


def test_lone_surrogates_fall_back_to_json() -> None:
    value = {"headline": "caf\udce9"}  # an undecodable byte kept by surrogateescape
    assert fingerprint._canonical_json(value) == _reference(value)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values, st.booleans())
def test_compact_json_is_json_dumps_compact(value, sort_keys) -> None:
    """archivekit.jsonbytes.compact (JSON-LD documents, metadata blocks, result lines)
    gives json.dumps's compact bytes, keys sorted or in insertion order."""
    from archivekit.jsonbytes import compact

    reference = json.dumps(value, ensure_ascii=False, sort_keys=sort_keys,
                           separators=(",", ":")).encode("utf-8", "surrogatepass")
    assert compact(value, sort_keys=sort_keys) == reference


def _reference_field_digests(fields) -> dict[str, str]:
    """Each field's digest by definition: the sha256 of its canonical JSON."""
    import hashlib

    def digest(value):
        return hashlib.sha256(_reference(value)).hexdigest()

    out = {name: digest(fields[name]) for name in fingerprint.CONTENT_FIELDS if name != "images"}
    for index, image in enumerate(fields["images"]):
        out[f"images/{index}/caption"] = digest(image["caption"])
        out[f"images/{index}/credit"] = digest(image["credit"])
    return out


# Few distinct texts, so that values recur (the remembered digests are used) and mix types.
_recurring = st.sampled_from([None, "", "AP", "caf\udce9", "Reuters", "a" * 300, "1"])
_field = _recurring | st.lists(_recurring, max_size=3)
_records = st.fixed_dictionaries({
    **{name: _field for name in fingerprint.CONTENT_FIELDS if name != "images"},
    "images": st.lists(st.fixed_dictionaries({"caption": _recurring, "credit": _recurring}),
                       max_size=4)})


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_records)
def test_field_digests_are_each_fields_sha256_of_its_canonical_json(fields) -> None:
    assert fingerprint._field_digests(fields) == _reference_field_digests(fields)
