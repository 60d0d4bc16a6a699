"""The article's parts in an HTML page: banner and notice, URL, headline, dek, authors,
date. Each is taken from the HuffPost templates' own markup when it is there, else from
the page's structured data (see structured.py), else from its generic markup.
"""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from archivekit import speedups
from archivekit.extract.assemble import Parts, clean, match_banner, match_footer
from archivekit.extract.density import name_words
from archivekit.extract.dom import Index, descendants, doc_order, has_class, inside, order, text
from archivekit.extract.structured import Structured, date_in_text
from archivekit.profiles import ProfileSet

# Inline elements that may wrap part of a banner ("... archive for <a>HuffPost Canada</a>, ...").
INLINE_TAGS = ("a", "abbr", "b", "bdi", "cite", "em", "font", "i", "mark", "small", "span",
               "strong", "sub", "sup", "time", "u")
_INLINE = " or ".join(f"self::{tag}" for tag in INLINE_TAGS)
# Text in scripts, styles and the title is not shown as a banner (JSON-LD may quote it).
HIDDEN_PARENTS = ("script", "style", "noscript", "template", "title")
# " | Site", " - Site", " — Site", " :: Site" at the end of a title.
_SEPARATOR = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|\u00b7|\u2022|\u00bb|/)\s+")
_NOT_HEADLINES = frozenset({"menu", "navigation", "search", "article", "home", "news",
                            "untitled", "main menu", "skip to content", "log in", "sign in"})
_BY = re.compile(r"^(?:(?:written|posted|reported|words|story|text|photos?)\s+)?"
                 r"(?:by|par|por|von|di|door|av)\b[:\s]*", re.I)
# Words of the class or id of a byline element in generic markup.
_AUTHOR_WORDS = frozenset({"author", "byline", "byl", "writer", "writtenby", "creator"})


def _literal(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


@cache
def _publisher_text_xpath(publishers: tuple[str, ...]) -> etree.XPath:
    """Elements holding text that names a publisher: banner and footer candidates.

    A text node inside an inline element (a link on the edition's name) stands for the
    nearest enclosing block, so the whole sentence is matched.
    """
    test = " or ".join(f"contains(., {_literal(n)})" for n in publishers) or "false()"
    hidden = " or ".join(f"parent::{tag}" for tag in HIDDEN_PARENTS)
    return etree.XPath(f"descendant::text()[{test}][not({hidden})]/ancestor::*[not({_INLINE})][1]",
                       smart_strings=False)


def publisher_holders_pure(root, profiles: ProfileSet) -> list:
    """The banner and footer candidates (the XPath above: the reference)."""
    return _publisher_text_xpath(profiles.publishers)(root)


def _publisher_holders_compiled(root, profiles: ProfileSet) -> list:
    """The same candidates from one C walk over the text nodes (no XPath)."""
    names = profiles.publishers
    if len(names) > MAX_COMPILED_PUBLISHERS:  # a user's profile set this large: the XPath
        return publisher_holders_pure(root, profiles)
    return speedups.COMPILED.text_holders(root, names, HIDDEN_PARENTS, INLINE_TAGS)


# The C walk tests at most this many publisher names (_speedups/_dom.pyx MAX_NAMES).
MAX_COMPILED_PUBLISHERS = 64
publisher_holders = (publisher_holders_pure if speedups.COMPILED is None
                     else _publisher_holders_compiled)


def publisher_search(profiles: ProfileSet) -> tuple | None:
    """What the compiled index walk needs to find the publisher holders as it goes
    (``Index(root, holders_of=...)``), or ``None`` where it does not (the pure path, or
    more names than the C walk takes)."""
    names = profiles.publishers
    if speedups.COMPILED is None or len(names) > MAX_COMPILED_PUBLISHERS:
        return None
    return names, HIDDEN_PARENTS, INLINE_TAGS


# A banner or footer is a sentence; a candidate's text past this many characters is not
# read, so nested candidates (each holding the next) cost linear, not quadratic, time.
MAX_CANDIDATE_CHARS = 100_000


def _candidate_text(el) -> str | None:
    """The clean text of a banner/footer candidate, its first MAX_CANDIDATE_CHARS only."""
    if len(el) == 0:
        return clean(el.text[:MAX_CANDIDATE_CHARS] if el.text else el.text)
    pieces, size = [], 0
    for piece in el.itertext():
        pieces.append(piece[:MAX_CANDIDATE_CHARS - size])
        size += len(pieces[-1])
        if size >= MAX_CANDIDATE_CHARS:
            break
    return clean("".join(pieces))


def find_banner_and_footer(root, parts: Parts, profiles: ProfileSet, holders: list | None = None):
    """Fill the banner and footer parts; return the banner's element. ``holders``: the
    publisher holders of ``root`` when already found (``Index.holders``)."""
    banner_el = None
    for el in holders if holders is not None else publisher_holders(root, profiles):
        found = _candidate_text(el)
        if not found:
            continue
        if parts.banner is None and (m := match_banner(found, profiles)):
            parts.banner = m.group(0)
            parts.banner_line = parts.banner_order = el.sourceline
            banner_el = el
        if parts.footer is None and (m := match_footer(found, profiles)):
            parts.footer = m.group(0)
            parts.footer_line = el.sourceline
        if parts.banner is not None and parts.footer is not None:
            break
    return banner_el


def find_url_and_language(root, index: Index, parts: Parts) -> None:
    canonical = doc_order([el for el in index.tag("link")
                           if el.get("rel") == "canonical" and el.get("href")]
                          + index.meta("property", "og:url"))
    if canonical:
        parts.url = clean(canonical[0].get("href") or canonical[0].get("content"))
        parts.url_line = canonical[0].sourceline
    lang = root.get("lang") if root.tag == "html" else None
    parts.language = clean(lang.split("-")[0].lower()) if lang and lang.strip() else None


def set_headline(parts: Parts, value: str, el, banner_el) -> None:
    """The headline and where it stands (source line; same line as the banner: nodes)."""
    parts.headline = value
    line = el.sourceline if el is not None else None
    parts.headline_line = parts.headline_order = line
    if banner_el is not None and line is not None and banner_el.sourceline == line:
        parts.banner_order, parts.headline_order = order(banner_el), order(el)


def strip_site(title: str | None, site: str | None) -> str | None:
    """``title`` less a trailing " | Site" (or " - Site" ...) naming ``site``, or a short
    trailing part after the last separator when ``site`` is unknown."""
    if not title:
        return title
    parts = _SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    tail = parts[-1]
    head = title[: len(title) - len(tail)].rstrip(" |-\u2013\u2014:\u00b7\u2022\u00bb/")
    if site and _norm(tail) in (_norm(site), _norm(site).removeprefix("the ")):
        return head
    if len(tail.split()) <= 3 and len(head.split()) >= 3:
        return head
    return title


def _norm(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


def _heading_like(el, value: str, site: str | None) -> bool:
    """Whether an ``<h1>`` can be the article's headline: not a logo, a site name or a menu."""
    if inside(el, "nav") or inside(el, "footer") or inside(el, "aside"):
        return False
    folded = _norm(value)
    if folded in _NOT_HEADLINES or (site and folded == _norm(site)):
        return False
    links = el.findall(".//a")
    if links and any((a.get("href") or "") in ("/", "./", "#") for a in links):
        return False
    return not (el.find(".//img") is not None and len(value) < 40)


def find_headline(index: Index, found: Structured, parts: Parts, banner_el):
    """Template heading, else the structured headline reconciled with the page's
    ``<h1>``s, else an ``<h1>``, else the ``<title>``. Returns the element used."""
    h1s = index.tag("h1")
    template = next((h for h in h1s if (has_class(h, "headline") and inside(h, "header"))
                     or has_class(h, "headline__title")), None)
    if template is not None and (value := text(template)):
        set_headline(parts, value, template, banner_el)
        return template
    site = found.site_name
    headings = [(h, v) for h in h1s if (v := text(h)) and _heading_like(h, v, site)]
    meta = strip_site(found.headline, site)
    if meta:
        same = next(((h, v) for h, v in headings if _norm(v) == _norm(meta)
                     or (_norm(meta).startswith(_norm(v)) and len(v) * 2 > len(meta))), None)
        if same is not None:
            set_headline(parts, same[1], same[0], banner_el)
            return same[0]
        set_headline(parts, meta, None, banner_el)
        return None
    title_el = next(iter(index.tag("title")), None)
    title = strip_site(text(title_el), site) if title_el is not None else None
    # A page cut off in its head has a title and nothing else: not an article.
    usable = bool(title) and index.body is not None and _norm(title) not in _NOT_HEADLINES \
        and _norm(title) != _norm(site)
    match = next(((h, v) for h, v in headings if usable and _norm(title).startswith(_norm(v))),
                 None)
    if match is None and headings and not usable:
        match = headings[0]
    if match is not None:
        set_headline(parts, match[1], match[0], banner_el)
        return match[0]
    if usable:
        parts.headline = title
    return None


def find_dek(index: Index, parts: Parts) -> None:
    dek = doc_order(index.cls("dek", "div") + index.cls("headline__subtitle", "h2"))
    parts.dek = text(dek[0]) if dek else None


def byline_prefixes(profiles: ProfileSet) -> tuple[str, ...]:
    return profiles.byline_prefixes


def clean_author(value: str | None, prefixes: tuple[str, ...]) -> str | None:
    """A byline's name: less a profile's prefix or a generic "By "; ``None`` for text
    too long to be a byline."""
    value = clean(value)
    if not value:
        return None
    for prefix in prefixes:
        if value.startswith(prefix):
            return clean(value[len(prefix):])
    value = clean(_BY.sub("", value, count=1))
    if not value or len(value) > 80 or value.count(" ") > 8:
        return None
    return value


def dedupe(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def find_authors(index: Index, found: Structured, parts: Parts, profiles: ProfileSet) -> list:
    """Authors and wire bylines; returns the elements the authors came from."""
    prefixes = byline_prefixes(profiles)
    els = doc_order(descendants(index.cls("entry__byline__author"), "a")
                    + index.cls("author-card__details__name", "span"))
    if els:
        parts.authors = dedupe(clean_author(text(el), prefixes) for el in els)
    elif found.authors:
        parts.authors = dedupe(clean_author(a, prefixes) for a in split_names(found.authors))
    if not parts.authors:
        els = _markup_authors(index)
        parts.authors = dedupe(clean_author(text(el), prefixes) for el in els)
    if els and parts.authors:
        parts.authors_line = els[0].sourceline
    wire_els = doc_order(index.cls("entry-wirepartner__byline")
                         + index.cls("wire-partner-component"))
    parts.wire_bylines = dedupe(clean_author(text(el), prefixes) for el in wire_els)
    if wire_els and parts.authors_line is None:
        parts.authors_line = wire_els[0].sourceline
    return els


_NAME_LIST = re.compile(r"\s*(?:,|;|\s&\s|\band\b|\bet\b|\by\b|\bund\b)\s*")


def split_names(values: list[str]) -> list[str]:
    """"A, B and C" as three names (structured data often gives one string)."""
    out = []
    for value in values:
        parts = [p for p in _NAME_LIST.split(value) if p and p.strip()]
        # "Smith, John": two words split into two one-word names is a reversed name.
        out.extend(parts if len(parts) > 1 and all(" " in p.strip() for p in parts[:1])
                   else [value])
    return out


def _markup_authors(index: Index) -> list:
    """Author elements of generic markup: ``rel=author`` links, else the first element
    outside furniture whose class or id has the word "author" or "byline" and whose
    text is byline-sized."""
    shown = [el for el in index.rel_author if el.tag == "a" and text(el)]
    if shown:
        return shown
    body = index.body if index.body is not None else index.root
    for el in body.iter(etree.Element):
        if not (el.get("class") or el.get("id")) or not name_words(el) & _AUTHOR_WORDS:
            continue
        value = text(el)
        if value and len(value) < 100 and not _furniture(el) and _names_someone(value):
            return [el]
    return []


def _names_someone(value: str) -> bool:
    """Not a date line or a label: some letters left once a date is taken out."""
    found = date_in_text(value)
    rest = value.replace(found, "") if found else value
    return sum(c.isalpha() for c in _BY.sub("", rest)) >= 2 and not (found and len(rest) < 12)


def _furniture(el) -> bool:
    return any(a.tag in ("nav", "footer", "aside", "form") for a in el.iterancestors())


_DATE_CLASSES = ("timestamp", "date", "published", "pubdate", "dateline", "post-date",
                 "entry-date", "article-date", "publish-date")


def find_date(index: Index, found: Structured, parts: Parts):
    """Tried in order: the template's timestamp, structured data, any ``<time>``, an
    element classed as a date whose text holds one. Returns the element used."""
    el = next((t for t in descendants(index.cls("timestamp"), "time") if t.get("datetime")),
              None)
    value = el.get("datetime") if el is not None else None
    if el is None and found.date:
        value, el = found.date, found.date_el
    if value is None:
        el = next((t for t in index.tag("time") if t.get("datetime") is not None), None)
        value = el.get("datetime") if el is not None else None
    if value is None:
        el, value = _date_element(index)
    if value is not None:
        parts.date_published = clean(value)
        parts.date_line = el.sourceline if el is not None else None
    return el


def _date_element(index: Index):
    for el in index.tag("time"):
        if (value := date_in_text(text(el))):
            return el, value
    for token in _DATE_CLASSES:
        for el in index.cls(token) if token in index.classes else ():
            if (value := date_in_text(el.get("content") or el.get("title") or text(el))):
                return el, value
    return None, None
