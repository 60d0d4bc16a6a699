"""Extract an article from an archived HTML page.

Knows the HuffPost 2018+ and 2016 templates and falls back on generic markup
(``h1``, ``article p``, ``figure``). The archive banner and closing notice have
no known class names, so they are found by their text.
"""

from __future__ import annotations

import re

from lxml import etree

from archivekit.extract.assemble import (
    Image,
    Parts,
    choose_profile,
    clean,
    clean_all,
    match_banner,
    match_footer,
)
from archivekit.extract.decode import Decoded
from archivekit.limits import DEFAULT_MAX_IMAGES, LimitExceeded, depth_exceeded
from archivekit.profiles import ProfileSet, compile_selector

# No network, no entity expansion beyond HTML's own, comments and PIs dropped.
_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                           huge_tree=False, recover=True)


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _xp(expr: str) -> etree.XPath:
    return etree.XPath(expr, smart_strings=False)


# The template's landmarks, gathered in one pass over the tree (see _Index): an XPath
# per landmark would test every element's class once per query.
_CLASSES = frozenset({
    "headline", "headline__title", "dek", "headline__subtitle", "entry__byline__author",
    "author-card__details__name", "byline", "entry-wirepartner__byline",
    "wire-partner-component", "timestamp", "entry__content-list", "cli-text", "entry__body",
    "image", "entry__content"})
_TAGS = frozenset({"h1", "meta", "link", "time", "figure", "article", "a"})
# Page furniture (related stories, sidebars, navigation): its thumbnails are not article
# images and carry no credit.
_FURNITURE_TAGS = frozenset({"aside", "nav"})
# Class names that mark furniture ("related", "recirc", "sidebar") are tested inline in
# _article_image: it runs for every ancestor of every image.
X_INSIDE_FIGURE = _xp("ancestor::figure | ancestor::*[contains(@class, 'image')]")
X_ORDER = _xp("count(preceding::*) + count(ancestor::*)")
# Inline elements that may wrap part of a banner ("... archive for <a>HuffPost Canada</a>, ...").
_INLINE = " or ".join(f"self::{tag}" for tag in (
    "a", "abbr", "b", "bdi", "cite", "em", "font", "i", "mark", "small", "span", "strong",
    "sub", "sup", "time", "u"))
# An XML declaration in a str makes lxml refuse the page ("Unicode strings with encoding
# declaration are not supported"); the text is already decoded, so it can go.
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")


def parse_html(text: str) -> etree._Element | None:
    if text[:64].lstrip().startswith("<?xml"):
        text = _XML_DECLARATION.sub("", text, count=1)
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError):
        return None
    if (problem := depth_exceeded(_PARSER.error_log)):
        raise LimitExceeded(problem)
    return root


def _text(el) -> str | None:
    if len(el) == 0:  # a leaf (most paragraphs): its text is all there is
        return clean(el.text)
    return clean("".join(el.itertext()))


def _order(el) -> int:
    """Document order of an element; counts nodes, so call it rarely."""
    return int(X_ORDER(el))


def _publisher_text_xpath(profiles: ProfileSet) -> etree.XPath:
    """Elements holding text that names a publisher: banner and footer candidates.

    A text node inside an inline element (a link on the edition's name) stands for the
    nearest enclosing block, so the whole sentence is matched.
    """
    names = sorted({p.publisher for p in profiles.profiles})
    test = " or ".join(f"contains(., {_literal(n)})" for n in names) or "false()"
    # Text in scripts, styles and the title is not shown as a banner (JSON-LD may quote it).
    hidden = "parent::script or parent::style or parent::noscript or parent::template or parent::title"
    return _xp(f"descendant::text()[{test}][not({hidden})]/ancestor::*[not({_INLINE})][1]")


def _literal(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


_PUBLISHER_XPATHS: dict[int, etree.XPath] = {}


class _Index:
    """Elements of interest by class token and by tag, each list in document order."""

    __slots__ = ("classes", "tags", "rel_author", "root")

    def __init__(self, root) -> None:
        self.root = root
        # Runs over every element of the page: kept to dict lookups, no per-element split
        # unless the class attribute is not a single known token.
        classes: dict[str, list] = {token: [] for token in _CLASSES}
        tags: dict[str, list] = {tag: [] for tag in _TAGS}
        class_bucket, tag_bucket = classes.get, tags.get
        for el in root.iter(etree.Element):
            bucket = tag_bucket(el.tag)
            if bucket is not None:
                bucket.append(el)
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
        self.classes, self.tags = classes, tags
        self.rel_author = [a for a in tags["a"] if a.get("rel") == "author"]

    def cls(self, token: str, tag: str | None = None) -> list:
        found = self.classes.get(token, ())
        return [el for el in found if el.tag == tag] if tag else list(found)

    def tag(self, tag: str) -> list:
        return self.tags.get(tag, [])

    def meta(self, attr: str, value: str) -> list:
        return [el for el in self.tag("meta") if el.get(attr) == value and el.get("content")]


def _has_class(el, token: str) -> bool:
    return token in (el.get("class") or "").split()


def _in(el, tag: str, token: str | None = None) -> bool:
    """Whether ``el`` has an ancestor ``tag`` (with class ``token``)."""
    return any(token is None or _has_class(a, token) for a in el.iterancestors(tag))


def _doc_order(elements) -> list:
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


def _descendants(containers, tag: str) -> list:
    """``tag`` elements inside ``containers`` in document order, each once."""
    seen: set[int] = set()
    out = []
    for container in containers:
        for el in container.iter(tag):
            if id(el) not in seen:
                seen.add(id(el))
                out.append(el)
    return out


def extract_html(decoded: Decoded, uri: str | None, profiles: ProfileSet,
                 forced_profile: str | None = None) -> Parts | None:
    root = parse_html(decoded.text)
    if root is None:
        return None
    parts = Parts(encoding=decoded.encoding, encoding_clean=decoded.clean,
                  encoding_problem=decoded.problem)
    index = _Index(root)

    canonical = _doc_order([el for el in index.tag("link")
                            if el.get("rel") == "canonical" and el.get("href")]
                           + index.meta("property", "og:url"))
    if canonical:
        parts.url = clean(canonical[0].get("href") or canonical[0].get("content"))
        parts.url_line = canonical[0].sourceline
    lang = root.get("lang") if root.tag == "html" else None
    parts.language = clean(lang.split("-")[0].lower()) if lang and lang.strip() else None

    banner_el = _find_banner_and_footer(root, parts, profiles)

    h1s = index.tag("h1")
    headline_el = next((h for h in h1s if (_has_class(h, "headline") and _in(h, "header"))
                        or _has_class(h, "headline__title")), None)
    if headline_el is None and h1s:
        headline_el = h1s[0]
    headline = _text(headline_el) if headline_el is not None else None
    if headline:
        parts.headline = headline
        parts.headline_line = headline_el.sourceline
        # Source lines order the banner and headline; same line: count nodes.
        parts.headline_order = headline_el.sourceline
        if banner_el is not None and banner_el.sourceline == headline_el.sourceline:
            parts.banner_order, parts.headline_order = _order(banner_el), _order(headline_el)
    else:
        og = index.meta("property", "og:title")
        parts.headline = clean(og[0].get("content")) if og else None

    dek = _doc_order(index.cls("dek", "div") + index.cls("headline__subtitle", "h2"))
    parts.dek = _text(dek[0]) if dek else None

    author_els = _doc_order(_descendants(index.cls("entry__byline__author"), "a")
                            + index.cls("author-card__details__name", "span")
                            + index.rel_author) or index.cls("byline")
    prefixes = tuple(prefix for p in profiles.profiles for prefix in p.byline_prefixes)
    parts.authors = _dedupe(_strip_prefix(_text(el), prefixes) for el in author_els)
    if author_els:
        parts.authors_line = author_els[0].sourceline
    elif (meta := index.meta("name", "author")):
        parts.authors = _dedupe(clean(m.get("content")) for m in meta)
    wire_els = _doc_order(index.cls("entry-wirepartner__byline")
                          + index.cls("wire-partner-component"))
    parts.wire_bylines = _dedupe(_strip_prefix(_text(el), prefixes) for el in wire_els)
    if wire_els and parts.authors_line is None:
        parts.authors_line = wire_els[0].sourceline

    # Tried in this order: the template's timestamp, the published_time meta, any <time>.
    date_el = next((t for t in _descendants(index.cls("timestamp"), "time") if t.get("datetime")),
                   None)
    date_value = date_el.get("datetime") if date_el is not None else None
    if date_el is None and (metas := index.meta("property", "article:published_time")):
        date_el, date_value = metas[0], metas[0].get("content")
    if date_el is None:
        date_el = next((t for t in index.tag("time") if t.get("datetime") is not None), None)
        date_value = date_el.get("datetime") if date_el is not None else None
    if date_el is not None:
        parts.date_published = clean(date_value)
        parts.date_line = date_el.sourceline

    _find_body(index, parts)
    _find_images(root, index, parts)
    profile = _page_profile(parts, uri, profiles, forced_profile) \
        if profiles.has_selectors else None
    if profile is not None and profile.selectors:
        _apply_selectors(root, index, dict(profile.selectors), parts, banner_el, profiles)
    parts.where_missing = _where_missing(root, index)
    return parts


def _page_profile(parts: Parts, uri: str | None, profiles: ProfileSet, forced: str | None):
    """The profile assemble() will pick (forced, URL, banner), for its selectors."""
    banner = match_banner(parts.banner, profiles) if parts.banner and not forced else None
    return choose_profile(parts, uri, profiles, forced, banner.group("edition") if banner else None)


def _apply_selectors(root, index: _Index, selectors: dict[str, str], parts: Parts, banner_el,
                     profiles: ProfileSet) -> None:
    """A profile's CSS selectors, tried first: a part a selector finds replaces what the
    built-in rules found; a selector that finds nothing leaves the built-in result."""
    def select(name: str, scope=root) -> list:
        css = selectors.get(name)
        return compile_selector(css)(scope) if css else []

    if (found := [(el, t) for el in select("headline") if (t := _text(el))]):
        el, parts.headline = found[0]
        parts.headline_line = parts.headline_order = el.sourceline
        if banner_el is not None and banner_el.sourceline == el.sourceline:
            parts.banner_order, parts.headline_order = _order(banner_el), _order(el)
    if (texts := [t for t in map(_text, select("dek")) if t]):
        parts.dek = texts[0]
    if (els := select("authors")):
        prefixes = tuple(prefix for p in profiles.profiles for prefix in p.byline_prefixes)
        parts.authors = _dedupe(_strip_prefix(_text(el), prefixes) for el in els)
        parts.authors_line = els[0].sourceline
    if (els := select("date")):
        el = els[0]
        parts.date_published = clean(el.get("datetime") or el.get("content") or _text(el))
        parts.date_line = el.sourceline
    if (els := select("body")):
        parts.body_line = None
        _set_body(els, parts)
    containers = select("image")
    if containers or "image_caption" in selectors or "image_credit" in selectors:
        containers = _doc_order(containers) if containers else _image_containers(index)
        images = []
        for container in containers[:DEFAULT_MAX_IMAGES + 1]:
            image = _image(container) or Image(line=container.sourceline)
            if (captions := [t for t in map(_text, select("image_caption", container)) if t]):
                image.caption = captions[0]
            if (credits := [t for t in map(_text, select("image_credit", container)) if t]):
                image.credit = credits[0]
            if image.src or image.caption or image.credit:
                images.append(image)
        parts.images = images


def _where_missing(root, index: _Index) -> dict[str, int]:
    """Lines to point at for parts the page lacks: the banner belongs at the top of the
    body, the notice at its end (its last element), the rest in the article (the 2016
    template has no ``article``: its body container stands for it)."""
    body = root.find("body")
    top = (body.sourceline if body is not None else None) or 1
    content = next((el.sourceline for el in index.cls("entry__content-list")
                    + index.cls("entry__body") if el.sourceline), None)
    article = next((a.sourceline for a in index.tag("article") if a.sourceline),
                   content or top)
    content = content or article
    last = body[-1].sourceline if body is not None and len(body) else None
    return {"/banner": top, "/headline": article, "/attribution": article,
            "/date_published": article, "/body": content, "/footer": last or top}


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


def _find_banner_and_footer(root, parts: Parts, profiles: ProfileSet):
    """Fill the banner and footer parts; return the banner's element."""
    xpath = _PUBLISHER_XPATHS.get(id(profiles))
    if xpath is None:
        xpath = _PUBLISHER_XPATHS[id(profiles)] = _publisher_text_xpath(profiles)
    banner_el = None
    for el in xpath(root):
        text = _candidate_text(el)
        if not text:
            continue
        if parts.banner is None and (m := match_banner(text, profiles)):
            parts.banner = m.group(0)
            parts.banner_line = el.sourceline
            parts.banner_order = el.sourceline
            banner_el = el
        if parts.footer is None and (m := match_footer(text, profiles)):
            parts.footer = m.group(0)
            parts.footer_line = el.sourceline
        if parts.banner is not None and parts.footer is not None:
            break
    return banner_el


def _find_body(index: _Index, parts: Parts) -> None:
    sections = index.cls("entry__content-list", "section")
    paragraphs = _template_paragraphs(_template_blocks(index.cls("cli-text", "div"), sections)) \
        if sections else []
    if not paragraphs:
        paragraphs = _descendants(index.cls("entry__body", "div"), "p")
    # Template paragraphs are never inside a figure; generic ones may be.
    generic = not paragraphs
    if generic:
        paragraphs = _descendants(index.tag("article"), "p") or list(index.root.iter("p"))
        paragraphs = [p for p in paragraphs if not X_INSIDE_FIGURE(p)]
    _set_body(paragraphs, parts)


def _set_body(paragraphs: list, parts: Parts) -> None:
    """The body from its paragraph elements: their clean text, less empty paragraphs and
    repeats of the banner or notice."""
    texts = clean_all([p.text if len(p) == 0 else "".join(p.itertext()) for p in paragraphs])
    banner, footer = parts.banner, parts.footer
    # The banner or notice repeated as a paragraph is not body text; one test over the
    # joined text spares a test per paragraph on the pages (nearly all) without one.
    joined = "\0".join(t or "" for t in texts)
    skip_repeats = bool((banner and banner in joined) or (footer and footer in joined))
    body = []
    for p, text in zip(paragraphs, texts, strict=True):
        if not text:
            continue
        if skip_repeats and ((banner and banner in text) or (footer and footer in text)):
            continue
        if parts.body_line is None:
            parts.body_line = p.sourceline
        body.append(text)
    parts.body = body


def _template_blocks(blocks: list, sections: list) -> list:
    """The text ``blocks`` inside one of ``sections``, less those inside another block
    (its paragraphs come with the outer one), in document order."""
    inside, is_block = {id(c) for c in sections}, {id(b) for b in blocks}
    out = []
    for block in blocks:
        parent = block.getparent()
        while parent is not None and id(parent) not in inside:
            if id(parent) in is_block:
                break
            parent = parent.getparent()
        if parent is not None and id(parent) in inside:
            out.append(block)
    return out


def _template_paragraphs(blocks: list) -> list:
    """The ``p`` elements of the template's text blocks, in document order.

    A block is nearly always ``<div class="cli-text"><p>...</p></div>``: its one child
    is taken without starting a walk.
    """
    out = []
    for block in blocks:
        if len(block) == 1 and block[0].tag == "p":
            out.append(block[0])
        else:
            out.extend(block.iter("p"))
    return out


def _find_images(root, index: _Index, parts: Parts) -> None:
    for container in _image_containers(index):
        image = _image(container)
        if image is not None:
            parts.images.append(image)


def _image_containers(index: _Index) -> list:
    """The article's figures and image blocks in document order (at most one past the
    image limit: enough for extract() to report it)."""
    # Inside the 2018 template's article when there is one.
    scope = next((a for a in index.tag("article") if _has_class(a, "entry__content")), None)
    figures = index.tag("figure")
    candidates = figures + index.cls("image", "div") if figures else index.cls("image", "div")
    out = []
    for container in _doc_order(candidates):
        if _article_image(container, scope):
            out.append(container)
            if len(out) > DEFAULT_MAX_IMAGES:
                break
    return out


def _article_image(container, scope) -> bool:
    """Whether a figure or image block is one of the article's images: inside ``scope``
    (when given), not page furniture, and (a block) not inside a figure, which stands
    for it. One walk up the ancestors answers all three."""
    in_scope = scope is None
    is_block = container.tag != "figure"
    for ancestor in container.iterancestors():
        tag = ancestor.tag
        if tag in _FURNITURE_TAGS or (is_block and tag == "figure"):
            return False
        if ancestor is scope:
            in_scope = True
        cls = ancestor.get("class")
        if cls and ("related" in cls or "recirc" in cls or "sidebar" in cls):
            return False
    return in_scope


def _image(container) -> Image | None:
    """The image, credit and caption inside a figure or image block (one small walk).

    A descendant whose class mentions "credit" is the credit; else one whose class
    mentions "caption", or a figcaption, is the caption; the img's alt stands in for
    a missing caption.
    """
    img = credit_el = caption_el = None
    walk = container.iter(etree.Element)
    next(walk)  # the container itself
    for el in walk:
        tag = el.tag
        if tag == "img" and img is None:
            img = el
        cls = el.get("class") or ""
        if "credit" in cls:
            credit_el = credit_el if credit_el is not None else el
        elif caption_el is None and ("caption" in cls or tag == "figcaption"):
            caption_el = el
    credit = _text(credit_el) if credit_el is not None else None
    caption = _text(caption_el) if caption_el is not None else None
    if caption is None and img is not None:
        caption = clean(img.get("alt"))
    if img is None and credit is None and caption is None:
        return None
    return Image(src=clean(img.get("src")) if img is not None else None,
                 caption=caption, credit=credit, line=container.sourceline)


def _strip_prefix(text: str | None, prefixes: tuple[str, ...]) -> str | None:
    if text:
        for prefix in prefixes:
            if text.startswith(prefix):
                return clean(text[len(prefix):])
    return text


def _dedupe(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
