"""The parsed page: lxml parsing, text of an element, document order, and an index of
the elements the extractor looks at, gathered in one walk.

Class names are matched as whole tokens of the ``class`` attribute ("image" is not
found in "loadimages" or "post-image-aligned-center").
"""

from __future__ import annotations

import re
from contextlib import nullcontext

from lxml import etree

from archivekit import speedups
from archivekit.extract.assemble import clean
from archivekit.extract.decode import utf8_head
from archivekit.limits import LimitExceeded, parser_limit_exceeded

# No network, no entity expansion beyond HTML's own, comments and PIs dropped; no table
# of id attributes (nothing here looks an element up by id: 2-3% of a parse, and its free).
_PARSER_OPTIONS = {"no_network": True, "remove_comments": True, "remove_pis": True,
                   "huge_tree": False, "recover": True, "collect_ids": False}
_PARSER = etree.HTMLParser(**_PARSER_OPTIONS)
# The same parser for the page's own bytes when they are UTF-8: lxml gives libxml2 a str
# as UTF-8 it encodes first, so the tree is the same and the copy is saved (7% of a parse).
_PARSER_UTF8 = etree.HTMLParser(**_PARSER_OPTIONS, encoding="utf-8")
X_ORDER = etree.XPath("count(preceding::*) + count(ancestor::*)", smart_strings=False)
# An XML declaration in a str makes lxml refuse the page ("Unicode strings with encoding
# declaration are not supported"); the text is already decoded, so it can go.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


def _page_memory():
    """The scope archivekit parses and frees a page in: the compiled core's free list for
    libxml2's small blocks (archivekit/_speedups/_parsemem.pyx) where it can be installed,
    else a scope that does nothing."""
    parsemem = getattr(speedups.COMPILED, "parsemem", None)
    if parsemem is None:
        return nullcontext()
    import ctypes

    try:
        libxml2 = ctypes.CDLL(etree.__file__)  # lxml's own libxml2: the module already loaded
        setup, get = (ctypes.cast(f, ctypes.c_void_p).value
                      for f in (libxml2.xmlMemSetup, libxml2.xmlMemGet))
    except (OSError, AttributeError):
        return nullcontext()
    return parsemem.Scope() if parsemem.install(setup, get) else nullcontext()


# ``with page_memory:`` around a page's parse, reading and the tree's free.
page_memory = _page_memory()

_X_LINKS_WITH_REL = etree.XPath("descendant-or-self::a[@rel]")
# The class tokens and tags the extractor looks up (see Index).
CLASSES = frozenset({
    "headline", "headline__title", "dek", "headline__subtitle", "entry__byline__author",
    "author-card__details__name", "byline", "entry-wirepartner__byline",
    "wire-partner-component", "timestamp", "entry__content-list", "cli-text", "entry__body",
    "image", "entry__content", "author", "byline__name", "author-name", "byline-name",
    "date", "published", "pubdate", "dateline", "post-date", "entry-date", "article-date",
    "publish-date"})
# Not "a": a page's many links would each become a Python object on every page, for
# the rel=author reading that only pages without a byline need (Index.rel_author).
TAGS = frozenset({"h1", "meta", "link", "time", "figure", "article", "script", "title"})
CLASS_NAMES, TAG_NAMES = tuple(sorted(CLASSES)), tuple(sorted(TAGS))
# The 2018 template's body blocks (~80 a page): the compiled core's body reading finds
# them itself (_dom.template_texts_in), so its index makes no element object for them.
BODY_BLOCK = "cli-text"
INDEX_CLASS_NAMES = CLASS_NAMES if speedups.COMPILED is None else \
    tuple(c for c in CLASS_NAMES if c != BODY_BLOCK)


def index_elements_pure(root, tag_names, class_names, tags: dict, classes: dict,
                        itemprops: list | None = None) -> None:
    """Append each element of ``root`` (document order) to ``tags[el.tag]``, to
    ``classes[token]`` for each known token of its ``class`` and to ``itemprops`` when it
    has an ``itemprop``: the reference for the compiled walk, which makes no Python
    object for the elements it passes over."""
    # Runs over every element of the page: kept to dict lookups, no per-element split
    # unless the class attribute is not a single known token.
    class_bucket, tag_bucket = classes.get, tags.get
    for el in root.iter(etree.Element):
        bucket = tag_bucket(el.tag)
        if bucket is not None:
            bucket.append(el)
        if itemprops is not None and el.get("itemprop") is not None:
            itemprops.append(el)
        cls = el.get("class")
        if cls:
            bucket = class_bucket(cls)
            if bucket is not None:
                bucket.append(el)
            else:
                for token in cls.split():
                    bucket = class_bucket(token)
                    if bucket is not None:
                        bucket.append(el)


def with_tag_pure(elements: list, tag: str) -> list:
    return [el for el in elements if el.tag == tag]


with_tag = speedups.choose("with_tag", with_tag_pure)


def meta_index_pure(metas: list) -> dict[str, list[tuple[str, object]]]:
    """(value, element) of the ``metas`` under each name (:meth:`Index.metas`)."""
    index: dict[str, list[tuple[str, object]]] = {}
    for el in metas:
        value = clean(el.get("content") or el.get("value"))
        if not value:
            continue
        for attr in ("property", "name", "itemprop"):
            for name in (el.get(attr) or "").lower().split():
                index.setdefault(name, []).append((value, el))
    return index


meta_index = speedups.choose("meta_index", meta_index_pure)


def parse_html(text: str | None, utf8: bytes | None = None) -> etree._Element | None:
    """The page's tree, from ``text`` or from ``utf8``: the bytes the text was decoded
    from, when it is exactly their UTF-8 decoding
    (:attr:`archivekit.extract.decode.Decoded.utf8`); ``text`` may then be ``None``."""
    head = text[:64] if text is not None else utf8_head(utf8, 64)
    if head.lstrip().startswith("<?xml"):
        if text is None:
            text = utf8.decode("utf-8")
        text, utf8 = _XML_DECLARATION.sub("", text, count=1), None
    parser = _PARSER if utf8 is None else _PARSER_UTF8
    try:
        root = etree.fromstring(text if utf8 is None else utf8, parser)
    except (etree.ParserError, ValueError):
        return None
    if (problem := parser_limit_exceeded(parser.error_log)):
        raise LimitExceeded(problem)
    return root


def joined_text_pure(el) -> str:
    return "".join(el.itertext())


def joined_texts_pure(elements) -> list[str]:
    return ["".join(el.itertext()) for el in elements]


# ``"".join(el.itertext())`` of one element and of many: lxml's, or the compiled core's
# (one C walk, one decode).
joined_text = speedups.choose("joined_text", joined_text_pure)
joined_texts = speedups.choose("joined_texts", joined_texts_pure)


def text(el) -> str | None:
    """The element's clean text (``None`` for none)."""
    if len(el) == 0:  # a leaf (most paragraphs): its text is all there is
        return clean(el.text)
    return clean(joined_text(el))


def order(el) -> int:
    """Document order of an element; counts nodes, so call it rarely."""
    return int(X_ORDER(el))


def has_class(el, token: str) -> bool:
    return token in (el.get("class") or "").split()


def inside(el, tag: str, token: str | None = None) -> bool:
    """Whether ``el`` has an ancestor ``tag`` (with class ``token``)."""
    return any(token is None or has_class(a, token) for a in el.iterancestors(tag))


def doc_order_pure(elements) -> list:
    """Elements sorted in document order, each once (the lists are short).

    Distinct source lines settle the order; elements sharing a line (minified pages)
    take one walk of the tree.
    """
    unique = list({id(el): el for el in elements}.values())
    if len(unique) < 2:
        return unique
    lines = [el.sourceline for el in unique]
    if None not in lines and len(set(lines)) == len(lines):
        return [el for _, el in sorted(zip(lines, unique, strict=True), key=lambda pair: pair[0])]
    wanted = {id(el) for el in unique}
    ordered = []
    for el in unique[0].getroottree().getroot().iter(etree.Element):
        if id(el) in wanted:
            ordered.append(el)
            if len(ordered) == len(unique):
                break
    return ordered


def descendants_pure(containers, tag: str) -> list:
    """``tag`` elements inside ``containers`` in document order, each once."""
    seen: set[int] = set()
    out = []
    for container in containers:
        for el in container.iter(tag):
            if id(el) not in seen:
                seen.add(id(el))
                out.append(el)
    return out


doc_order = speedups.choose("doc_order", doc_order_pure)
descendants = speedups.choose("descendants", descendants_pure)


def _empty_lists(names) -> dict[str, list]:
    """``{name: [] for name in names}``, at C speed: ``list()`` is called once a name."""
    return dict(zip(names, iter(list, None), strict=False))


class IndexLookupsPure:
    """The lookups of :class:`Index` over the lists its walk filled in (the reference for
    the compiled core's ``IndexLookups``, which is Index's base class where it is used)."""

    __slots__ = ("classes", "tags", "itemprops", "root", "body", "blocks", "holders", "_metas")

    def fill(self, root, tag_names: tuple, class_names: tuple, block_token: str | None,
             holders_of: tuple | None = None) -> None:
        """The index walk and the page's ``<body>``. The compiled walk also notes the
        ``block_token`` blocks and the publisher holders in passing; this one leaves both
        ``None`` (the callers find them themselves)."""
        self.root = root
        classes, tags = _empty_lists(class_names), _empty_lists(tag_names)
        itemprops: list = []
        index_elements_pure(root, tag_names, class_names, tags, classes, itemprops)
        self.classes, self.tags, self.itemprops = classes, tags, itemprops
        self.blocks = self.holders = None
        # root.find("body"), without ElementPath's parse and walk.
        self.body = next(root.iterchildren("body"), None) if root.tag == "html" else None
        self._metas = None

    def cls(self, token: str, tag: str | None = None) -> list:
        found = self.classes.get(token, [])
        return with_tag(found, tag) if tag else list(found)

    def tag(self, tag: str) -> list:
        return self.tags.get(tag, [])

    def metas(self) -> dict[str, list[tuple[str, object]]]:
        """(value, element) of every ``<meta>`` under each name (lower case) it has by its
        ``property``, ``name`` or ``itemprop`` (space-separated names each count), its
        value in ``content`` or ``value``; made on first use."""
        metas = self._metas
        if metas is None:
            metas = self._metas = meta_index(self.tag("meta"))
        return metas

    def first_meta(self, *keys: str) -> tuple[str, object] | tuple[None, None]:
        metas = self.metas()
        for key in keys:
            if (found := metas.get(key)):
                return found[0]
        return None, None


class Index(speedups.choose("IndexLookups", IndexLookupsPure)):
    """Elements of interest by class token, by tag and with an ``itemprop`` (microdata),
    each list in document order, gathered in one walk of the tree.

    The compiled walk also notes, in passing, the 2018 template's body blocks
    (``blocks``, for ``html_body.template_body_texts``) and, given ``holders_of`` (see
    ``html_parts.publisher_search``), the elements whose text names a publisher
    (``holders``): each a walk of the page saved. Both are ``None`` where not gathered.
    """

    __slots__ = ()

    def __init__(self, root, holders_of: tuple | None = None) -> None:
        self.fill(root, TAG_NAMES, INDEX_CLASS_NAMES, BODY_BLOCK, holders_of)

    def meta(self, attr: str, value: str) -> list:
        return [el for el in self.tag("meta") if el.get(attr) == value and el.get("content")]

    @property
    def rel_author(self) -> list:
        """``<a>`` and ``<link>`` elements with ``rel=author``."""
        return [a for a in _X_LINKS_WITH_REL(self.root) + self.tags["link"]
                if "author" in (a.get("rel") or "").split()]

    def prop(self, name: str) -> list:
        """Elements whose ``itemprop`` names ``name`` (not ``<meta>``: see metas)."""
        return [el for el in self.itemprops
                if el.tag != "meta" and name in el.get("itemprop").split()]
