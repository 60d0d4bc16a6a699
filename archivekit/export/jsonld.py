"""schema.org JSON-LD for archived articles: one NewsArticle per article, one collection.

Documents use the ``https://schema.org/`` context; :func:`document_loader` serves the
shipped subset of that context so a JSON-LD processor (pyld) works with no network.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archivekit import __version__
from archivekit.errors import InputError
from archivekit.export.warc import PARTIAL_SUFFIX, WarcRef, warc_date
from archivekit.jsonbytes import compact
from archivekit.locations import parse_location
from archivekit.record import Result

SCHEMA_CONTEXT = "https://schema.org/"
CONTEXT_FILE = Path(__file__).resolve().parent / "context" / "schemaorg-subset.jsonld"
CONTEXT_URLS = ("https://schema.org/", "https://schema.org", "http://schema.org/",
                "http://schema.org", "https://schema.org/docs/jsonldcontext.jsonld",
                "https://schema.org/docs/jsonldcontext.json")
SOFTWARE = {"@type": "SoftwareApplication", "name": "archivekit", "softwareVersion": __version__}


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


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:80] or "article"


@dataclass
class ArticleContext:
    """What the JSON-LD of an article needs besides the record."""

    # profile id -> (publisher name, publisher URL), from the profiles in use
    publishers: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    sd_publisher: str = "archivekit"
    sd_date: str = ""


def article_jsonld(result: Result, ref: WarcRef | None, context: ArticleContext,
                   *, field_digests: dict[str, str] | None = None) -> dict[str, Any]:
    return with_warc_ref(article_base(result, context, field_digests=field_digests), ref)


def article_base(result: Result, context: ArticleContext,
                 *, field_digests: dict[str, str] | None = None) -> dict[str, Any]:
    """The article's document without what depends on where it lands in the WARC output
    (built in a pool worker; :func:`with_warc_ref` adds the rest in the parent)."""
    record = result.record or {}
    doc: dict[str, Any] = {"@context": SCHEMA_CONTEXT, "@type": "NewsArticle"}
    url = record.get("url") or result.uri
    if url:
        doc["@id"] = url
        doc["url"] = url
    _add_text_fields(doc, record)
    _add_organizations(doc, record, context)
    body = record.get("body") or []
    if body:
        doc["articleBody"] = "\n\n".join(body)
    words = record.get("word_count")
    doc["wordCount"] = words if words is not None else sum(len(p.split()) for p in body)
    images = [_image_object(image) for image in record.get("images") or []]
    if images:
        doc["image"] = images
    banner = (record.get("banner") or {}).get("text")
    if banner:
        doc["conditionsOfAccess"] = banner
    identifiers = _identifiers(result, field_digests)
    if identifiers:
        doc["identifier"] = identifiers
    doc["sdPublisher"] = _organization(context.sd_publisher)
    if context.sd_date:
        doc["sdDatePublished"] = context.sd_date
    return doc


def _add_text_fields(doc: dict[str, Any], record: dict[str, Any]) -> None:
    if record.get("headline"):
        doc["headline"] = record["headline"]
    if record.get("dek"):
        doc["description"] = record["dek"]
    authors = record.get("authors") or []
    if authors:
        doc["author"] = [{"@type": "Person", "name": name} for name in authors]
    if record.get("date_published"):
        doc["datePublished"] = record["date_published"]
    if record.get("language"):
        doc["inLanguage"] = record["language"]


def _add_organizations(doc: dict[str, Any], record: dict[str, Any], context: ArticleContext) -> None:
    """publisher (the edition, within its parent), sourceOrganization, isPartOf."""
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
    if edition:
        doc["isPartOf"] = {"@type": "Collection", "name": f"{edition} online archive"}


def _image_object(image: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "ImageObject"}
    if image.get("src"):
        node["contentUrl"] = image["src"]
    if image.get("caption"):
        node["caption"] = image["caption"]
    if image.get("credit"):
        node["creditText"] = image["credit"]
    if image.get("credit_agency"):
        node["copyrightHolder"] = _organization(image["credit_agency"])
    return node


def _identifiers(result: Result, field_digests: dict[str, str] | None) -> list[dict[str, str]]:
    identifiers = [{"@type": "PropertyValue", "propertyID": name, "value": value}
                   for name, value in sorted(result.fingerprint.items())
                   if isinstance(value, str)]
    for name, value in sorted((field_digests or {}).items()):
        identifiers.append({"@type": "PropertyValue", "propertyID": f"sha256:{name}", "value": value})
    return identifiers


_TAIL = ("identifier", "sdPublisher", "sdDatePublished")
_WARC_IDENTIFIERS = ("WARC-Payload-Digest", "WARC-Filename", "WARC-Record-ID")


def with_warc_ref(doc: dict[str, Any], ref: WarcRef | None) -> dict[str, Any]:
    """``doc`` from :func:`article_base` with ``archivedAt`` and the WARC identifiers, in
    their place (before the identifiers and the sd* properties)."""
    if ref is None:
        return doc
    out = {key: value for key, value in doc.items() if key not in _TAIL}
    out["archivedAt"] = ref.record_id.strip("<>")
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


def collection_jsonld(name: str, members: Iterable[str], *, date: str, sd_publisher: str,
                      count: int) -> dict[str, Any]:
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "Collection",
        "name": name,
        "dateCreated": date,
        "numberOfItems": count,
        "hasPart": [{"@id": member} for member in members],
        "sdPublisher": _organization(sd_publisher),
        "sdDatePublished": date[:10],
        "publisher": SOFTWARE,
    }


def dumps(doc: dict[str, Any]) -> str:
    # surrogatepass both ways keeps a lone surrogate (a non-UTF-8 file name) in the text;
    # the files it goes to write it with backslashreplace.
    return compact(doc, errors="surrogatepass").decode("utf-8", "surrogatepass")


@dataclass
class JsonLdWriter:
    """Writes ``articles.ndjson`` (one article a line) and ``collection.jsonld`` into
    ``out_dir``, and with ``article_files`` also ``<n>-<name>.jsonld`` per article (one
    file per article costs more than the extraction on a real disk: asked for, not default).

    Everything is written into ``.<name>.open/`` beside it and that directory is renamed to
    ``out_dir`` when complete (one rename instead of one per article file)."""

    out_dir: Path
    collection_name: str = "archivekit collection"
    sd_publisher: str = "archivekit"
    date: datetime | None = None
    publishers: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    article_files: bool = False

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        # Hidden, so nothing in it passes for a finished output.
        self._work = self.out_dir.with_name("." + self.out_dir.name + PARTIAL_SUFFIX)
        if self._work.exists():
            shutil.rmtree(self._work)  # left by an interrupted run
        self._work.mkdir(parents=True)
        self._stamp = (self.date or datetime.now(UTC)).astimezone(UTC)
        self.context = ArticleContext(publishers=self.publishers, sd_publisher=self.sd_publisher,
                                      sd_date=self._stamp.date().isoformat())
        # backslashreplace: a non-UTF-8 file name becomes \udcXX JSON escapes, not a crash.
        self._ndjson = open(self._work / "articles.ndjson", "w", encoding="utf-8", newline="\n",
                            errors="backslashreplace")
        self._members: list[str] = []
        self._count = 0

    def add(self, result: Result, ref: WarcRef | None,
            field_digests: dict[str, str] | None = None) -> dict[str, Any]:
        doc = article_jsonld(result, ref, self.context, field_digests=field_digests)
        self.add_text(dumps(doc), result.path, doc.get("@id"))
        return doc

    def add_text(self, text: str, path: str, doc_id: str | None) -> None:
        """Write an article's document already serialised by :func:`dumps` (in a worker)."""
        self._count += 1
        text += "\n"
        self._ndjson.write(text)
        if doc_id is not None:
            self._members.append(doc_id)
        if not self.article_files:
            return
        location = parse_location(path)
        name = Path(location.file).stem + f"-{location.offset}" if location else Path(path).stem
        file_name = f"{self._count:06d}-{_slug(name)}.jsonld"
        # Compact like the NDJSON line: json.dumps with indent falls back to the slow
        # pure-Python encoder, which cost more than the WARC write.
        with open(self._work / file_name, "w", encoding="utf-8", newline="\n",
                  errors="backslashreplace") as handle:
            handle.write(text)
        self.files.append(file_name)

    def close(self) -> None:
        self._ndjson.close()
        collection = collection_jsonld(self.collection_name, dict.fromkeys(self._members),
                                       date=warc_date(self._stamp),
                                       sd_publisher=self.sd_publisher, count=self._count)
        (self._work / "collection.jsonld").write_text(
            json.dumps(collection, ensure_ascii=False, indent=2) + "\n", encoding="utf-8",
            errors="backslashreplace")
        self.files += ["articles.ndjson", "collection.jsonld"]
        if self.out_dir.exists():
            shutil.rmtree(self.out_dir)
        os.replace(self._work, self.out_dir)

    def abort(self) -> None:
        self._ndjson.close()
