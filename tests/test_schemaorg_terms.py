"""Every type and property of every JSON-LD document archivekit writes for the fixtures
exists in schema.org 30.0 and fits its domain and range (following rdfs:subClassOf);
the shipped context is schema.org's released one, byte for byte; pyld's canonical
N-Quads with the shipped context equal those with the released file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES
from pyld import jsonld

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.export.jsonld import CONTEXT_FILE, CONTEXT_URLS, PENDING_TERMS
from archivekit.export.warc import WarcOptions, parse_date_option

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT.parent / "shared" / "reference" / "specs" / "schemaorg"
VOCABULARY = SPECS / "schemaorg-current-https-30.0.jsonld"
RELEASED_CONTEXT = SPECS / "schemaorgcontext-30.0.jsonld"

pytestmark = pytest.mark.skipif(not VOCABULARY.is_file(),
                                reason=f"schema.org 30.0 files not found in {SPECS}")

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class Vocabulary:
    def __init__(self, path: Path):
        graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
        self.nodes = {n["@id"].removeprefix("schema:"): n for n in graph
                      if n["@id"].startswith("schema:")}
        self._lineage: dict[str, frozenset[str]] = {}

    @staticmethod
    def _ids(node: dict, key: str) -> list[str]:
        value = node.get(key, [])
        return [v["@id"].removeprefix("schema:") for v in (value if isinstance(value, list) else [value])]

    def is_class(self, name: str) -> bool:
        types = self.nodes.get(name, {}).get("@type", [])
        return "rdfs:Class" in (types if isinstance(types, list) else [types])

    def is_property(self, name: str) -> bool:
        return self.nodes.get(name, {}).get("@type") == "rdf:Property"

    def ancestors(self, name: str) -> frozenset[str]:
        if name not in self._lineage:
            out = {name}
            for parent in self._ids(self.nodes.get(name, {}), "rdfs:subClassOf"):
                out |= self.ancestors(parent)
            self._lineage[name] = frozenset(out)
        return self._lineage[name]

    def domains(self, prop: str) -> list[str]:
        return self._ids(self.nodes[prop], "schema:domainIncludes")

    def ranges(self, prop: str) -> list[str]:
        return self._ids(self.nodes[prop], "schema:rangeIncludes")

    def pending(self, name: str) -> bool:
        return "https://pending.schema.org" in [
            v.get("@id") for v in ([self.nodes[name].get("schema:isPartOf")]
                                   if isinstance(self.nodes[name].get("schema:isPartOf"), dict)
                                   else self.nodes[name].get("schema:isPartOf") or [])]


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary(VOCABULARY)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict]:
    """Every document written for the fixtures (all shapes, the WARCs too), by @id."""
    out = tmp_path_factory.mktemp("schemaorg") / "out"
    settings = ArchiveSettings(out_dir=out, report=False,
                               warc_options=WarcOptions(date=parse_date_option("2024-05-01")))
    list(archive_paths([str(FIXTURES)], Checker(), settings))
    docs = [json.loads(line) for line in
            (out / "jsonld" / "articles.ndjson").read_text(encoding="utf-8").splitlines()]
    assert len(docs) >= 50
    collection = json.loads((out / "jsonld" / "collection.jsonld").read_text(encoding="utf-8"))
    return {"articles": docs, "collection": collection}


def _literal_fits(value, ranges: list[str], vocab: Vocabulary) -> bool:
    kinds = set().union(*(vocab.ancestors(r) for r in ranges)) | set(ranges)
    if isinstance(value, bool):
        return "Boolean" in kinds
    if isinstance(value, int):
        return bool({"Integer", "Number"} & set(ranges))
    if isinstance(value, float):
        return "Number" in ranges
    if not isinstance(value, str):
        return False
    if "Text" in ranges:
        return True
    if "URL" in ranges and ABSOLUTE.fullmatch(value):
        return True
    if "Date" in ranges and ISO_DATE.fullmatch(value):
        return True
    return "DateTime" in ranges and bool(ISO_DATETIME.fullmatch(value))


def walk(node: dict, vocab: Vocabulary, known: dict[str, str], where: str, used: set[str],
         problems: list[str]) -> None:
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    for t in types:
        used.add(t)
        if not vocab.is_class(t):
            problems.append(f"{where}: type {t} is not a schema.org class")
    lineage = set().union(*(vocab.ancestors(t) for t in types))
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        used.add(prop)
        if not vocab.is_property(prop):
            problems.append(f"{where}: {prop} is not a schema.org property")
            continue
        if not lineage & set(vocab.domains(prop)):
            problems.append(f"{where}: {prop} not in the domain of {types} ({vocab.domains(prop)})")
        ranges = vocab.ranges(prop)
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            at = f"{where}/{prop}/{i}"
            if isinstance(item, dict) and "@type" in item:
                item_types = item["@type"] if isinstance(item["@type"], list) else [item["@type"]]
                if not any(set(vocab.ancestors(t)) & set(ranges) for t in item_types):
                    problems.append(f"{at}: {item_types} not in the range of {prop} ({ranges})")
                walk(item, vocab, known, at, used, problems)
            elif isinstance(item, dict):  # a reference: to a node of this collection
                target = known.get(item.get("@id", ""))
                if target is None or not set(vocab.ancestors(target)) & set(ranges):
                    problems.append(f"{at}: reference {item} to no node of a type in {ranges}")
            elif not _literal_fits(item, ranges, vocab):
                problems.append(f"{at}: {item!r} does not fit the range of {prop} ({ranges})")


def test_every_term_exists_and_fits_its_domain_and_range(written, vocab):
    docs, collection = written["articles"], written["collection"]
    known = {d["@id"]: d["@type"] for d in docs}
    known[collection["@id"]] = collection["@type"]
    problems: list[str] = []
    used: set[str] = set()
    for doc in docs:
        walk(doc, vocab, known, doc["@id"], used, problems)
    walk(collection, vocab, known, "collection", used, problems)
    assert problems == []
    pending = sorted(t for t in used if vocab.pending(t))
    assert pending == sorted(PENDING_TERMS)
    docs_text = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    assert all(f"`{term}`" in docs_text for term in pending)


def test_ids_are_unique_stable_and_the_collection_lists_them_all(written, tmp_path):
    docs, collection = written["articles"], written["collection"]
    ids = [d["@id"] for d in docs]
    assert len(ids) == len(set(ids)) and all(ABSOLUTE.fullmatch(i) for i in ids)
    assert [p["@id"] for p in collection["hasPart"]] == ids
    assert collection["collectionSize"] == len(docs)
    assert {d["isPartOf"] for d in docs} == {collection["@id"]}
    assert collection["@type"] == "Collection"
    assert collection["sdPublisher"]["@type"] == "Organization"
    assert collection["sdPublisher"]["name"] == "archivekit"
    assert collection["publisher"]["@type"] in ("Organization", "NewsMediaOrganization")
    # text dumps without a URL get the digest of their bytes
    no_url = [d for d in docs if "url" not in d]
    assert no_url and all(d["@id"].startswith("ni:///sha-256;") for d in no_url)
    with_url = [d for d in docs if "url" in d]
    assert all(d["@id"].startswith(d["url"] + "#sha256-") for d in with_url)
    # the same input again gives the same ids
    again = tmp_path / "again"
    settings = ArchiveSettings(out_dir=again, report=False,
                               warc_options=WarcOptions(date=parse_date_option("2024-05-01")))
    list(archive_paths([str(FIXTURES)], Checker(), settings))
    lines = (again / "jsonld" / "articles.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["@id"] for line in lines] == ids


def test_dates_are_iso_8601_or_kept_as_found(written):
    for doc in written["articles"]:
        for prop in ("datePublished", "dateModified"):
            if prop in doc:
                assert ISO_DATE.fullmatch(doc[prop]) or ISO_DATETIME.fullmatch(doc[prop]), doc[prop]
    # "12/07/2018" (the date.malformed fixture) is read day first
    [malformed] = [d for d in written["articles"] if "sept-iles-kayak" in d.get("url", "")
                   and d["headline"].startswith("À Sept-Îles")][:1]
    assert malformed["datePublished"] == "2018-07-12"


def test_archived_at_is_a_replay_url_of_the_record(written):
    for doc in written["articles"]:
        ids = {p["propertyID"]: p["value"] for p in doc["identifier"]}
        assert doc["archivedAt"].startswith("http://localhost:8080/archivekit/")
        stamp, _, target = doc["archivedAt"].removeprefix("http://localhost:8080/archivekit/").partition("/")
        assert re.fullmatch(r"\d{14}", stamp) and target
        assert ids["WARC-Filename"].endswith(".warc.gz") and ids["WARC-Record-ID"].startswith("<urn:uuid:")


def test_shipped_context_is_the_released_one_byte_for_byte():
    assert CONTEXT_FILE.name == "schemaorgcontext-30.0.jsonld"
    assert CONTEXT_FILE.read_bytes() == RELEASED_CONTEXT.read_bytes()
    attribution = (CONTEXT_FILE.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY-SA 3.0" in attribution or "Attribution-ShareAlike" in attribution


def _released_loader(url, options=None):
    if url not in CONTEXT_URLS:
        raise AssertionError(f"network access attempted: {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": json.loads(RELEASED_CONTEXT.read_text(encoding="utf-8"))}


def test_canonical_nquads_equal_those_with_the_released_context(written):
    from archivekit.export.jsonld import document_loader

    def shipped(url, options=None):
        if url not in CONTEXT_URLS:
            raise AssertionError(f"network access attempted: {url}")
        return document_loader(url, options)

    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    for doc in [*written["articles"], written["collection"]]:
        ours = jsonld.normalize(doc, {**options, "documentLoader": shipped})
        released = jsonld.normalize(doc, {**options, "documentLoader": _released_loader})
        assert ours == released
        assert '<http://schema.org/isPartOf>' in ours or doc["@type"] == "Collection"
        if "datePublished" in doc:
            assert "^^<http://schema.org/Date>" in ours
