"""schema.org JSON-LD for archived articles: one NewsArticle per article, one Collection.

Documents use the ``https://schema.org/`` context; :func:`document_loader` serves
schema.org's released context (30.0, shipped verbatim in ``context/``) so a JSON-LD
processor (pyld) works with no network and gives the same triples as online. Every
type and property is one schema.org 30.0 defines, used within its domain and range
(``tests/test_schemaorg_terms.py`` walks the documents against the vocabulary).

Identifiers: an article's ``@id`` is its URL with a ``#sha256-`` fragment naming the
capture (its bytes' sha256, first 16 hex digits), or, for an article with no URL, the
RFC 6920 ``ni:///sha-256;...`` name of its bytes; the writer makes a repeat unique
(``-2``, ``-3``: the same bytes twice in one collection). The collection's ``@id`` is a
UUIDv5 of its name; every article's ``isPartOf`` names it and its ``hasPart`` lists
every article. ``archivedAt`` is the capture in wayback form, ``REPLAY/TIMESTAMP/URI``
(the WARC-Date and WARC-Target-URI of the article's record, the keys of the WACZ's
CDXJ index), under the replay URL (``--replay-url``; by default pywb's
``http://localhost:8080/PREFIX/``).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archivekit.errors import InputError
from archivekit.export.isodate import iso_date
from archivekit.export.warc import PARTIAL_SUFFIX, WarcRef, warc_date
from archivekit.jsonbytes import compact
from archivekit.locations import parse_location
from archivekit.record import Result
from archivekit.safepath import create_fresh, real_dir, refuse_link, remove_planted

SCHEMA_CONTEXT = "https://schema.org/"
CONTEXT_FILE = Path(__file__).resolve().parent / "context" / "schemaorgcontext-30.0.jsonld"
CONTEXT_URLS = ("https://schema.org/", "https://schema.org", "http://schema.org/",
                "http://schema.org", "https://schema.org/docs/jsonldcontext.jsonld",
                "https://schema.org/docs/jsonldcontext.json")
SOFTWARE_NAME = "archivekit"
SOFTWARE_URL = "https://pypi.org/project/archivekit/"
# Terms of schema.org's pending area the documents use (docs/export.md lists them too).
PENDING_TERMS = ("NewsMediaOrganization", "archivedAt", "collectionSize", "conditionsOfAccess",
                 "creditText", "sdDatePublished", "sdPublisher")


class OfflineLoaderError(InputError):
    """A JSON-LD processor asked for a document that is not shipped."""


def shipped_context() -> dict[str, Any]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))


def document_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """A pyld document loader: the shipped schema.org context, and nothing else."""
    if url in CONTEXT_URLS:
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": shipped_context()}
    raise OfflineLoaderError(f"no network access: refusing to load {url}")


def _organization(name: str, kind: str = "Organization", url: str | None = None) -> dict:
    node: dict[str, Any] = {"@type": kind, "name": name}
    if url:
        node["url"] = url
    return node


def software_organization() -> dict[str, Any]:
    """archivekit as the ``sdPublisher`` (an Organization: sdPublisher's range has no
    SoftwareApplication)."""
    return {"@type": "Organization", "name": SOFTWARE_NAME, "url": SOFTWARE_URL}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "article"


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*")


def absolute_url(text: str | None) -> str | None:
    """``text`` if it is an absolute URL with a host (``scheme://host...``), else None."""
    return text if text and _ABSOLUTE.fullmatch(text) else None


@functools.lru_cache(maxsize=16)  # every article of a collection names it in isPartOf
def collection_id(name: str) -> str:
    """The collection's stable ``@id``: a UUIDv5 of its name."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "archivekit:collection:" + name))


def default_replay_url(prefix: str = "archivekit") -> str:
    """pywb's address for a collection named ``prefix`` (``wb-manager init PREFIX``)."""
    return f"http://localhost:8080/{prefix}/"


def article_id(url: str | None, sha256: str | None) -> str | None:
    """From the URL (with the capture's digest as fragment), else the bytes' digest."""
    if url and sha256:
        return f"{url.split('#')[0]}#sha256-{sha256[:16]}"
    if sha256:
        raw = base64.urlsafe_b64encode(bytes.fromhex(sha256)).decode("ascii").rstrip("=")
        return f"ni:///sha-256;{raw}"
    return url


def replay_url(replay: str, ref: WarcRef) -> str:
    """``REPLAY/YYYYMMDDhhmmss/TARGET-URI``: where a wayback player shows the record."""
    stamp = re.sub(r"\D", "", ref.date)[:14]
    return f"{replay.rstrip('/')}/{stamp}/{ref.target_uri}"


@dataclass
class ArticleContext:
    """What the JSON-LD of an article needs besides the record."""

    # profile id -> (publisher name, publisher URL), from the profiles in use
    publishers: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    sd_publisher: str = "archivekit"
    sd_date: str = ""
    collection: str = "archivekit collection"
    replay_url: str | None = None

    @property
    def collection_id(self) -> str:
        return collection_id(self.collection)


def article_jsonld(result: Result, ref: WarcRef | None, context: ArticleContext,
                   *, field_digests: dict[str, str] | None = None) -> dict[str, Any]:
    return with_warc_ref(article_base(result, context, field_digests=field_digests), ref,
                         replay=context.replay_url)


def _date(doc: dict[str, Any], prop: str, text: str | None, unread: list[dict]) -> None:
    if not text:
        return
    value = iso_date(text)
    if value is not None:
        doc[prop] = value
    else:  # kept as found, where a reader can see what the page said
        unread.append({"@type": "PropertyValue", "propertyID": f"source:{prop}", "value": text})


def article_base(result: Result, context: ArticleContext,
                 *, field_digests: dict[str, str] | None = None) -> dict[str, Any]:
    """The article's document without what depends on where it lands in the WARC output
    (built in a pool worker; :func:`with_warc_ref` adds the rest in the parent)."""
    record = result.record or {}
    found_url = record.get("url") or result.uri
    url = absolute_url(found_url)
    doc: dict[str, Any] = {"@context": SCHEMA_CONTEXT, "@type": "NewsArticle"}
    doc_id = article_id(url, result.fingerprint.get("sha256"))
    if doc_id:
        doc["@id"] = doc_id
    unread: list[dict] = []
    if url:
        doc["url"] = url
        doc["mainEntityOfPage"] = url
    elif found_url and not found_url.startswith("urn:archivekit:"):
        unread.append({"@type": "PropertyValue", "propertyID": "source:url", "value": found_url})
    _add_text_fields(doc, record, unread)
    _add_organizations(doc, record, context)
    body = record.get("body") or []
    if body:
        doc["articleBody"] = "\n\n".join(body)
    words = record.get("word_count")
    doc["wordCount"] = words if words is not None else sum(len(p.split()) for p in body)
    images = [_image(image) for image in record.get("images") or []]
    if images:
        doc["image"] = images
    banner = (record.get("banner") or {}).get("text")
    if banner:
        doc["conditionsOfAccess"] = banner
    identifiers = _identifiers(result, field_digests) + unread
    if identifiers:
        doc["identifier"] = identifiers
    doc["sdPublisher"] = software_organization()
    if context.sd_date:
        doc["sdDatePublished"] = context.sd_date
    return doc


def _add_text_fields(doc: dict[str, Any], record: dict[str, Any], unread: list[dict]) -> None:
    """headline, description, author, the dates (a date not read goes to ``unread``),
    inLanguage."""
    if record.get("headline"):
        doc["headline"] = record["headline"]
    if record.get("dek"):
        doc["description"] = record["dek"]
    authors = record.get("authors") or []
    author_urls = record.get("author_urls") or {}
    if authors:
        doc["author"] = [_person(name, author_urls) for name in authors]
    _date(doc, "datePublished", record.get("date_published"), unread)
    _date(doc, "dateModified", record.get("date_modified"), unread)
    if record.get("language"):
        doc["inLanguage"] = record["language"]


def _add_organizations(doc: dict[str, Any], record: dict[str, Any], context: ArticleContext) -> None:
    """publisher (the edition, within its parent), sourceOrganization, isPartOf (the
    collection's @id)."""
    edition = record.get("edition")
    parent = context.publishers.get(record.get("profile") or "")
    if edition or parent:
        publisher = _organization(edition or parent[0], "NewsMediaOrganization",
                                  parent[1] if parent else None)
        if parent and edition and parent[0] != edition:
            publisher["parentOrganization"] = _organization(parent[0], "NewsMediaOrganization")
        doc["publisher"] = publisher
    agencies = (record.get("attribution") or {}).get("agencies") or []
    if agencies:
        doc["sourceOrganization"] = [_organization(a, "NewsMediaOrganization") for a in agencies]
    doc["isPartOf"] = context.collection_id


def _identifiers(result: Result, field_digests: dict[str, str] | None) -> list[dict[str, str]]:
    identifiers = [{"@type": "PropertyValue", "propertyID": name, "value": value}
                   for name, value in sorted(result.fingerprint.items())
                   if isinstance(value, str)]
    identifiers += [{"@type": "PropertyValue", "propertyID": f"sha256:{name}", "value": value}
                    for name, value in sorted((field_digests or {}).items())]
    return identifiers


def _person(name: str, urls: dict[str, str]) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "Person", "name": name}
    url = absolute_url(urls.get(name)) if isinstance(urls, dict) else None
    if url:
        node["url"] = url
    return node


def _image(image: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "ImageObject"}
    src = absolute_url(image.get("src"))
    if src:
        node["url"] = node["contentUrl"] = src
    caption, credit, agency = image.get("caption"), image.get("credit"), image.get("credit_agency")
    if caption:
        node["caption"] = caption
    if credit:
        node["creditText"] = credit
    if agency:
        node["copyrightHolder"] = _organization(agency)
    return node


_TAIL = ("identifier", "sdPublisher", "sdDatePublished")
_WARC_IDENTIFIERS = ("WARC-Payload-Digest", "WARC-Filename", "WARC-Record-ID")


def with_warc_ref(doc: dict[str, Any], ref: WarcRef | None, *,
                  replay: str | None = None) -> dict[str, Any]:
    """``doc`` from :func:`article_base` with ``archivedAt`` (the record's replay URL) and
    the WARC identifiers, in their place (before the identifiers and the sd* properties)."""
    if ref is None:
        return doc
    out = {key: value for key, value in doc.items() if key not in _TAIL}
    out["archivedAt"] = replay_url(replay or default_replay_url(), ref)
    out["identifier"] = [*doc.get("identifier", ()), *(
        {"@type": "PropertyValue", "propertyID": name, "value": value}
        for name, value in zip(_WARC_IDENTIFIERS, (ref.payload_digest, ref.filename,
                                                  ref.record_id), strict=True))]
    for key in _TAIL[1:]:
        if key in doc:
            out[key] = doc[key]
    return out


def without_warc_ref(doc: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`with_warc_ref` (to move a document to another WARC place)."""
    out = {key: value for key, value in doc.items() if key != "archivedAt"}
    if "identifier" in out:
        kept = [node for node in out["identifier"] if node.get("propertyID") not in _WARC_IDENTIFIERS]
        if kept:
            out["identifier"] = kept
        else:
            del out["identifier"]
    return out


def collection_jsonld(name: str, members: Iterable[str], *, date: str,
                      publishers: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The collection: a schema.org Collection whose ``hasPart`` lists every article;
    ``publisher`` the archive (the operator, else the articles' publishers)."""
    members = list(members)
    doc: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Collection",
        "@id": collection_id(name),
        "name": name,
        "dateCreated": date,
        "collectionSize": len(members),
        "hasPart": [{"@id": member} for member in members],
    }
    publishers = list(publishers)
    if publishers:
        doc["publisher"] = publishers[0] if len(publishers) == 1 else publishers
    doc["sdPublisher"] = software_organization()
    doc["sdDatePublished"] = date[:10]
    return doc


def document_bytes(doc: dict[str, Any]) -> bytes:
    """``doc`` as the JSON-LD files hold it: compact UTF-8, a lone surrogate (a file name
    that is not UTF-8) as its ``\\udcXX`` escape."""
    return compact(doc, errors="backslashreplace")


@dataclass
class JsonLdWriter:
    """Writes ``articles.ndjson`` (one article a line) and ``collection.jsonld`` into
    ``out_dir``, and with ``article_files`` also ``<n>-<name>.jsonld`` per article (one
    file per article costs more than the extraction on a real disk: asked for, not default).

    Everything is written into ``.<name>.open/`` beside it and that directory is renamed to
    ``out_dir`` when complete (one rename instead of one per article file)."""

    out_dir: Path
    collection_name: str = "archivekit collection"
    # The operator (--operator), the collection's publisher; "archivekit" means none given.
    sd_publisher: str = "archivekit"
    date: datetime | None = None
    publishers: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    replay_url: str | None = None
    files: list[str] = field(default_factory=list)
    article_files: bool = False

    def __post_init__(self) -> None:
        self.out_dir = refuse_link(self.out_dir)
        # Hidden, so nothing in it passes for a finished output.
        self._work = self.out_dir.with_name("." + self.out_dir.name + PARTIAL_SUFFIX)
        # A link planted at the work name is removed (the link, never its target); a real
        # directory there is left by an interrupted run.
        remove_planted(self._work.parent, self._work.name)
        if self._work.exists():
            shutil.rmtree(self._work)
        real_dir(self._work)
        self._stamp = (self.date or datetime.now(UTC)).astimezone(UTC)
        self.context = ArticleContext(publishers=self.publishers, sd_publisher=self.sd_publisher,
                                      sd_date=self._stamp.date().isoformat(),
                                      collection=self.collection_name, replay_url=self.replay_url)
        # A non-UTF-8 file name becomes \udcXX JSON escapes, not a crash (document_bytes;
        # backslashreplace in the text files). create_fresh for every file written here: a
        # link planted at its name is removed, never written through.
        self._ndjson = open(create_fresh(self._work / "articles.ndjson"), "wb")  # noqa: SIM115
        self._members: dict[str, None] = {}
        self._count = 0

    def add(self, result: Result, ref: WarcRef | None,
            field_digests: dict[str, str] | None = None) -> dict[str, Any]:
        doc = article_jsonld(result, ref, self.context, field_digests=field_digests)
        self.add_text(document_bytes(doc), result.path, doc.get("@id"))
        return doc

    def _unique(self, doc_id: str) -> str:
        """``doc_id``, or the first ``-N`` variant not taken (the same bytes twice)."""
        joiner = "-" if "#" in doc_id else "#"
        number = 2
        candidate = doc_id
        while candidate in self._members:
            candidate = f"{doc_id}{joiner}{number}"
            number += 1
        return candidate

    def add_text(self, text: bytes | str, path: str, doc_id: str | None) -> None:
        """Write an article's document already serialised (in a worker) by
        :func:`document_bytes`; a str is encoded as the files hold it."""
        self._count += 1
        if isinstance(text, str):
            text = text.encode("utf-8", "backslashreplace")
        if doc_id is not None:
            unique = self._unique(doc_id)
            if unique != doc_id:
                doc = json.loads(text)
                doc["@id"] = unique
                text = document_bytes(doc)
            self._members[unique] = None
        self._ndjson.write(text)
        self._ndjson.write(b"\n")
        if not self.article_files:
            return
        location = parse_location(path)
        name = Path(location.file).stem + f"-{location.offset}" if location else Path(path).stem
        file_name = f"{self._count:06d}-{_slug(name)}.jsonld"
        # Compact like the NDJSON line: json.dumps with indent falls back to the slow
        # pure-Python encoder, which cost more than the WARC write.
        with open(create_fresh(self._work / file_name), "wb") as handle:
            handle.write(text)
            handle.write(b"\n")
        self.files.append(file_name)

    def _create(self, name: str):
        """A text handle on the new file ``name`` in the work directory (``create_fresh``)."""
        return open(create_fresh(self._work / name), "w", encoding="utf-8", newline="\n",
                    errors="backslashreplace")

    def _collection_publishers(self) -> list[dict[str, Any]]:
        if self.sd_publisher and self.sd_publisher != SOFTWARE_NAME:
            return [_organization(self.sd_publisher)]
        seen = dict.fromkeys(self.publishers.values())
        return [_organization(name, "NewsMediaOrganization", url) for name, url in seen]

    def close(self) -> None:
        self._ndjson.close()
        collection = collection_jsonld(self.collection_name, self._members,
                                       date=warc_date(self._stamp),
                                       publishers=self._collection_publishers())
        with self._create("collection.jsonld") as handle:
            handle.write(json.dumps(collection, ensure_ascii=False, indent=2) + "\n")
        self.files += ["articles.ndjson", "collection.jsonld"]
        refuse_link(self.out_dir)
        if self.out_dir.exists():
            shutil.rmtree(self.out_dir)
        os.replace(self._work, self.out_dir)

    def abort(self) -> None:
        self._ndjson.close()
