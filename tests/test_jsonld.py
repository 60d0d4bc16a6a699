"""JSON-LD export: expanded and URDNA2015-canonicalized by pyld with no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from pyld import jsonld

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.export.jsonld import CONTEXT_URLS, OfflineLoaderError, document_loader
from archivekit.export.warc import WarcOptions, parse_date_option

S = "http://schema.org/"


def strict_loader(url, options=None):
    """The shipped context for schema.org; anything else is a test failure."""
    if url not in CONTEXT_URLS:
        raise AssertionError(f"network access attempted: {url}")
    return document_loader(url, options)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jsonld")
    settings = ArchiveSettings(out_dir=root / "out", report=False,
                               warc_options=WarcOptions(date=parse_date_option("2024-05-01")))
    inputs = [str(FIXTURES / "html"), str(FIXTURES / "text" / "au-valid.txt")]
    results = list(archive_paths(inputs, Checker(), settings))
    assert results
    return root / "out"


def load(out: Path, name: str) -> dict:
    path = next((out / "jsonld").glob(f"*-{name}.jsonld"))
    return json.loads(path.read_text(encoding="utf-8"))


def expand(doc) -> list[dict]:
    return jsonld.expand(doc, {"documentLoader": strict_loader})


def values(node: dict, prop: str) -> list:
    return [v.get("@value", v.get("@id", v)) for v in node.get(S + prop, [])]


def test_article_expands_offline_with_headline_author_credit_and_digests(out):
    doc = load(out, "au-2018-valid")
    [node] = expand(doc)
    assert node["@type"] == [S + "NewsArticle"]
    assert values(node, "headline") == [doc["headline"]] and doc["headline"]
    authors = node[S + "author"]
    assert authors and all(values(a, "name") for a in authors)
    images = node[S + "image"]
    assert images and images[0]["@type"] == [S + "ImageObject"]
    credit = values(images[0], "creditText")
    assert credit and credit[0] == doc["image"][0]["creditText"]
    assert values(images[0], "caption")
    assert values(images[0], "contentUrl")
    ids = {values(p, "propertyID")[0]: values(p, "value")[0] for p in node[S + "identifier"]}
    assert len(ids["sha256"]) == 64 and len(ids["content_sha256"]) == 64
    assert ids["WARC-Record-ID"].startswith("<urn:uuid:")
    # archivedAt: the record in wayback form (WARC-Date, WARC-Target-URI) under the replay URL
    assert values(node, "archivedAt") == [
        "http://localhost:8080/archivekit/20240501000000/" + doc["url"]]
    publisher = node[S + "publisher"][0]
    assert publisher["@type"] == [S + "NewsMediaOrganization"]
    assert values(node, "conditionsOfAccess")[0].startswith("This article exists as part")
    collection = json.loads((out / "jsonld" / "collection.jsonld").read_text())
    assert values(node, "isPartOf") == [collection["@id"]]
    assert values(node, "datePublished") == ["2019-03-14T09:30:00+10:00"]
    assert node[S + "datePublished"][0]["@type"] == S + "Date"  # the released context's typing
    assert values(node, "sdDatePublished") == ["2024-05-01"]
    assert values(node, "wordCount")[0] > 0


def test_wire_copy_names_the_agency_and_the_image_copyright_holder(out):
    docs = [json.loads(line) for line in (out / "jsonld" / "articles.ndjson").read_text().splitlines()]
    with_agency = [d for d in docs if d.get("sourceOrganization")]
    assert with_agency
    holders = [img["copyrightHolder"]["name"] for d in docs for img in d.get("image", [])
               if "copyrightHolder" in img]
    assert holders


def test_urdna2015_canonical_form_is_stable(out):
    doc = load(out, "au-2018-valid")
    options = {"algorithm": "URDNA2015", "format": "application/n-quads",
               "documentLoader": strict_loader}
    first = jsonld.normalize(doc, options)
    assert first == jsonld.normalize(json.loads(json.dumps(doc)), options)
    assert f"<{S}creditText>" in first and f"<{S}headline>" in first
    assert "_:c14n" in first


def test_every_document_and_the_collection_expand_offline(out):
    lines = (out / "jsonld" / "articles.ndjson").read_text(encoding="utf-8").splitlines()
    files = sorted((out / "jsonld").glob("0*.jsonld"))
    assert len(lines) == len(files) > 20
    for line in lines:
        assert expand(json.loads(line))
    collection = json.loads((out / "jsonld" / "collection.jsonld").read_text())
    [node] = expand(collection)
    assert node["@type"] == [S + "Collection"]
    assert values(node, "collectionSize") == [len(lines)]
    assert len(node[S + "hasPart"]) == len(lines)
    assert node[S + "publisher"][0]["@type"] == [S + "NewsMediaOrganization"]


def test_loader_refuses_every_other_url():
    with pytest.raises(OfflineLoaderError):
        document_loader("https://example.org/context.jsonld")
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": "https://example.org/ctx", "name": "x"},
                      {"documentLoader": document_loader})


def test_warc_metadata_records_are_json_ld_processable_offline(out):
    """docs/export.md: metadata records are application/warc-fields or JSON-LD; ours are JSON-LD
    with an inline context, so pyld expands them with a loader that refuses the network."""
    from warcio.archiveiterator import ArchiveIterator

    from archivekit.export.warc import METADATA_CONTENT_TYPE

    warc = next((out / "warc").glob("*.warc.gz"))
    with warc.open("rb") as handle:
        blocks = [(r.rec_headers.get_header("Content-Type"), r.content_stream().read())
                  for r in ArchiveIterator(handle) if r.rec_type == "metadata"]
    assert blocks
    for content_type, block in blocks:
        assert content_type == METADATA_CONTENT_TYPE == "application/ld+json"
        node = expand(json.loads(block))[0]
        vocab = "https://archivekit.invalid/vocab#"
        assert node[vocab + "software"][0]["@value"].startswith("archivekit/")
        result = node[vocab + "result"][0]
        assert vocab + "valid" in result and vocab + "fingerprint" in result
        digests = node[vocab + "field_sha256"][0]
        assert digests["@type"] == "@json" and "headline" in digests["@value"]
