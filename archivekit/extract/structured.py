"""What a page says about its article in structured data: JSON-LD (``NewsArticle``,
``Article`` and their kin, also inside ``@graph``), Open Graph and ``article:*`` meta,
Dublin Core and other named meta, and microdata ``itemprop``.

This comes first: it is written for machines, so it names the article's headline,
authors and date without guessing at the page's template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from archivekit.extract.assemble import clean
from archivekit.extract.dom import Index, text

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "blogposting",
    "liveblogposting", "socialmediaposting", "techarticle", "scholarlyarticle", "report",
    "satiricalarticle", "advertisercontentarticle", "medicalscholarlyarticle"})
PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "aboutpage"})
_MAX_JSONLD = 200_000  # characters of one script read; a page's article data is far smaller


@dataclass(slots=True)
class Structured:
    """The article's facts as structured data gives them (``None``: not given)."""

    headline: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    date_el: object = None
    site_name: str | None = None
    image: str | None = None
    body_text: str | None = None


def read_structured(index: Index) -> Structured:
    found = Structured()
    article, script = _jsonld_article(index)
    if article is not None:
        found.headline = _string(article.get("headline")) or _string(article.get("name"))
        found.authors = _names(article.get("author")) or _names(article.get("creator"))
        found.date = _string(article.get("datePublished")) or _string(article.get("dateCreated"))
        found.date_el = script if found.date else None
        found.image = _url(article.get("image"))
        found.site_name = _names(article.get("publisher"))[0] if _names(
            article.get("publisher")) else None
        found.body_text = _string(article.get("articleBody"))
    _from_meta(index, found)
    if found.headline is None or not found.authors or found.date is None:
        _from_microdata(index, found)
    return found


def _from_meta(index: Index, found: Structured) -> None:
    if found.headline is None:
        found.headline, _ = index.first_meta("og:title", "dc:title", "dcterm:title",
                                             "dcterms.title", "twitter:title", "title",
                                             "sailthru.title", "parsely-title")
    if not found.authors:
        metas = index.metas()
        for key in ("article:author", "dc:creator", "dcterm:creator", "dcterms.creator",
                    "author", "parsely-author", "sailthru.author", "byl", "og:article:author"):
            if key in metas and (names := [v for v, _ in metas[key] if not _is_url(v)]):
                found.authors = names
                break
    if found.date is None:
        found.date, found.date_el = index.first_meta(
            "article:published_time", "og:article:published_time", "datepublished",
            "dc.date.issued", "dcterms.issued", "dc:date", "dcterms.created", "date",
            "publish-date", "pubdate", "publishdate", "sailthru.date", "parsely-pub-date")
    if found.site_name is None:
        found.site_name, _ = index.first_meta("og:site_name", "application-name")
    if found.image is None:
        found.image, _ = index.first_meta("og:image", "og:image:url", "twitter:image")


def _from_microdata(index: Index, found: Structured) -> None:
    if not index.itemprops:
        return
    if found.headline is None:
        found.headline = next((t for el in index.prop("headline") if (t := text(el))), None)
    if not found.authors:
        for el in index.prop("author") + index.prop("creator"):
            names = [t for n in el.iter() if "name" in (n.get("itemprop") or "").split()
                     and (t := clean(n.get("content")) or text(n))]
            found.authors.extend(names or [t for t in [text(el)] if t])
    if found.date is None:
        for el in index.prop("datePublished"):
            # A machine value in an attribute (<abbr title=...> too), else a date in the text.
            value = clean(el.get("datetime") or el.get("content") or el.get("value")) \
                or date_in_text(el.get("title")) or date_in_text(text(el))
            if value:
                found.date, found.date_el = value, el
                break


def _jsonld_article(index: Index) -> tuple[dict | None, object]:
    """The first article object of the page's JSON-LD (a page object's ``mainEntity``
    counts) and its script; else ``None``."""
    for script in index.tag("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw or len(raw) > _MAX_JSONLD:
            continue
        try:
            data = json.loads(raw)
            if _SURROGATE_ESCAPE.search(raw):
                data = _without_lone_surrogates(data)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's depth
            continue
        for obj in _objects(data):
            if _types(obj) & ARTICLE_TYPES:
                return obj, script
            main = obj.get("mainEntity")
            if _types(obj) & PAGE_TYPES and isinstance(main, dict) and _types(main) & ARTICLE_TYPES:
                return main, script
    return None, None


# A \uD800-\uDFFF escape: JSON lets a lone one through, as a str no UTF-8 output can hold.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    """``value`` with every lone surrogate in its strings (keys too) made U+FFFD (json
    joins the escapes of a valid pair into one character before this)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def _objects(data, depth: int = 0):
    """The objects of a JSON-LD value: top level, lists and ``@graph``."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _objects(data["@graph"], depth + 1)


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _string(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return clean(value) if isinstance(value, str) else None


def _names(value) -> list[str]:
    """Person or organisation names: a string, an object's ``name``, or a list of them."""
    if isinstance(value, str):
        return [n for n in [clean(value)] if n and not _is_url(n)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for item in value[:20] for n in _names(item)]
    return []


def _url(value) -> str | None:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return None


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "//", "www."))


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                       r"(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_WORD_DATE = re.compile(r"\b(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-z]{3,9})\.?,?\s+(?P<y1>\d{4})"
                        r"|(?P<m2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4}))\b")
def date_in_text(value: str | None) -> str | None:
    """An ISO date in ``value``, or a "3 March 2019" / "March 3, 2019" date as ISO."""
    if not value:
        return None
    if (m := _ISO_DATE.search(value)):
        return m.group(0)
    if (m := _WORD_DATE.search(value)):
        day, month, year = (m.group("d1"), m.group("m1"), m.group("y1")) if m.group("d1") \
            else (m.group("d2"), m.group("m2"), m.group("y2"))
        number = _MONTHS.get(month[:3].lower())
        if number and 1 <= int(day) <= 31:
            return f"{year}-{number:02d}-{int(day):02d}"
    return None
