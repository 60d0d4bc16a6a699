"""The body of a page whose template no rule knows: content density.

The page is cut into text segments (a paragraph, a ``<pre>``, the text of a ``<div>``,
text between ``<br>``), each owned by its nearest block element. Segments of 25
characters or more score their block's ancestors (text length, commas), as Mozilla
Readability does; a container's score is then cut by its link density, and the best
container, with the siblings that score near it, holds the body. Furniture (navigation,
asides, footers, hidden elements, forms) is left out by structure; class and id names
weigh a container up or down by their words ("story-body" has the words "story" and
"body"), never by a substring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from archivekit import speedups
from archivekit.extract.assemble import clean
from archivekit.extract.dom import joined_text

# Elements that never hold article text.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "form", "button", "select", "input", "textarea", "nav", "aside", "footer", "head",
    "title", "link", "meta", "figure", "figcaption", "picture", "video", "audio", "canvas",
    "map", "dialog", "menu", "h1", "fieldset", "label"})
BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "center", "dd", "details", "div", "dl",
    "dt", "header", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "html"})
# Blocks that are themselves a paragraph: they score their parent, not themselves.
_PARAGRAPHS = frozenset({"p", "pre", "td", "h2", "h3", "h4", "h5", "h6", "li", "dd", "blockquote"})
_SKIP_ROLES = frozenset({"menu", "menubar", "complementary", "navigation", "alert",
                         "alertdialog", "dialog", "banner", "contentinfo", "search"})
_TAG_WEIGHT = {"div": 5, "pre": 3, "td": 3, "blockquote": 3, "address": -3, "ol": -3,
               "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "th": -5, "h2": -5, "h3": -5,
               "h4": -5, "h5": -5, "h6": -5}
_UNLIKELY = frozenset({
    "ad", "ads", "advert", "advertisement", "banner", "breadcrumb", "breadcrumbs", "combx",
    "comment", "comments", "community", "disqus", "gdpr", "legends", "menu", "related",
    "remark", "replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor",
    "sponsored", "supplemental", "pagination", "pager", "popup", "share", "sharing",
    "newsletter", "promo", "recirc", "outbrain", "taboola", "cookie", "subscribe", "signup",
    "masthead", "navbar", "toolbar", "footer", "header", "agegate", "modal", "overlay"})
_MAYBE = frozenset({"article", "body", "column", "content", "main", "story", "post",
                    "entry", "text", "mathjax", "shadow"})
_POSITIVE = frozenset({"article", "body", "content", "entry", "hentry", "main", "page",
                       "post", "text", "blog", "story", "prose"})
_NEGATIVE = frozenset({"hidden", "hid", "banner", "combx", "comment", "comments", "contact",
                       "footer", "gdpr", "masthead", "media", "meta", "outbrain", "promo",
                       "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper",
                       "sponsor", "shopping", "tags", "widget", "ad", "ads", "byline",
                       "author", "caption", "credit", "social"})
_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_COMMAS = re.compile(r"[,\uff0c\u3001\u060c]")


def name_words(el) -> frozenset[str]:
    """The words of an element's class and id ("storyBody main-text" -> story, body,
    main, text)."""
    return class_words(el.get("class"), el.get("id"))


def class_words(cls: str | None, ident: str | None) -> frozenset[str]:
    """The words of a class and an id attribute's values (either may be missing)."""
    if not cls and not ident:
        return frozenset()
    return _words(f"{cls or ''} {ident or ''}")


@lru_cache(maxsize=4096)
def _words(names: str) -> frozenset[str]:
    # Class names repeat across a collection's pages: each is split once.
    return frozenset(_WORDS.findall(_CAMEL.sub(" ", names).lower()))


@lru_cache(maxsize=4096)
def unlikely_names(cls: str | None, ident: str | None) -> bool:
    """Whether a class and id name furniture ("sidebar", "share-tools") and nothing that
    may be the article ("main", "story")."""
    words = class_words(cls, ident)
    return bool(words & _UNLIKELY) and not words & _MAYBE


def style_hides(style: str) -> bool:
    if "none" in style or "hidden" in style:
        squeezed = style.replace(" ", "").lower()
        return "display:none" in squeezed or "visibility:hidden" in squeezed
    return False


def _hidden(el) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and style_hides(style)


@dataclass(slots=True)
class Segment:
    owner: object
    text: str


class _Walker:
    """Cuts a subtree into text segments in document order."""

    def __init__(self, strict: bool, drop: dict[int, object]) -> None:
        # Sets of elements are dicts id -> element: an lxml proxy keeps its id only while
        # it is alive, so the dict keeps it alive.
        self.strict, self.drop = strict, drop
        self.segments: list[Segment] = []
        self.has_blocks: dict[int, object] = {}

    def skip(self, el) -> bool:
        tag = el.tag
        if not isinstance(tag, str) or tag in SKIP_TAGS or id(el) in self.drop:
            return True
        if el.get("role") in _SKIP_ROLES or _hidden(el):
            return True
        if self.strict and tag not in ("article", "main", "body", "a"):
            return unlikely_names(el.get("class"), el.get("id"))
        return False

    def block(self, el) -> None:
        buf: list[str] = []
        self._content(el, buf, el)
        self._flush(buf, el)

    def _content(self, el, buf: list[str], owner) -> None:
        if el.text:
            buf.append(el.text)
        for child in el:
            tag = child.tag
            if tag == "br":
                self._flush(buf, owner)
            elif self.skip(child):
                pass
            elif tag in BLOCK_TAGS:
                self.has_blocks[id(owner)] = owner
                self._flush(buf, owner)
                self.block(child)
            else:
                self._content(child, buf, owner)
            if child.tail:
                buf.append(child.tail)

    def _flush(self, buf: list[str], owner) -> None:
        if buf:
            text = clean("".join(buf))
            buf.clear()
            if text:
                self.segments.append(Segment(owner, text))


def walk_pure(container, drop: dict[int, object], strict: bool) -> tuple[list[Segment], dict]:
    """The segments of ``container`` and the blocks that hold other blocks (id ->
    element): the reference for the compiled walk, which makes no Python object for the
    text pieces and elements it passes over."""
    walker = _Walker(strict, drop)
    walker.block(container)
    return walker.segments, walker.has_blocks


_SKIP_TAG_NAMES, _BLOCK_TAG_NAMES = tuple(sorted(SKIP_TAGS)), tuple(sorted(BLOCK_TAGS))


def _walk_compiled(container, drop: dict[int, object], strict: bool) -> tuple[list[Segment], dict]:
    return speedups.COMPILED.density_walk(container, drop, strict, _SKIP_TAG_NAMES, _BLOCK_TAG_NAMES,
                                          _SKIP_ROLES, Segment, unlikely_names, style_hides)


walk = walk_pure if speedups.COMPILED is None else _walk_compiled


def segments(container, drop: dict[int, object] | None = None,
             strict: bool = False) -> list[Segment]:
    return walk(container, drop or {}, strict)[0]


def link_density_pure(el) -> float:
    total = len(joined_text(el))
    if not total:
        return 0.0
    links = sum(len(joined_text(a)) for a in el.iter("a"))
    return min(1.0, links / total)


def _link_density_compiled(el) -> float:
    total, links = speedups.COMPILED.text_and_link_chars(el)
    return min(1.0, links / total) if total else 0.0


link_density = link_density_pure if speedups.COMPILED is None else _link_density_compiled


def _initial(el) -> float:
    words = name_words(el)
    weight = (25 if words & _POSITIVE else 0) - (25 if words & _NEGATIVE else 0)
    return weight + _TAG_WEIGHT.get(el.tag, 0)


def _score(found: list[Segment], has_blocks: dict) -> dict[int, list]:
    """Container id -> [element, score] from every long enough segment."""
    scores: dict[int, list] = {}
    for seg in found:
        if len(seg.text) < 25:
            continue
        owner = seg.owner
        start = owner.getparent() if (owner.tag in _PARAGRAPHS
                                      or id(owner) not in has_blocks) else owner
        points = 1 + len(_COMMAS.findall(seg.text)) + min(len(seg.text) // 100, 3)
        level, node = 0, start
        while node is not None and level < 5 and node.tag != "html":
            entry = scores.get(id(node))
            if entry is None:
                entry = scores[id(node)] = [node, _initial(node)]
            entry[1] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
            node, level = node.getparent(), level + 1
    for entry in scores.values():
        entry[1] *= 1 - link_density(entry[0])
    return scores


def _top(scores: dict[int, list]):
    el, best = max(scores.values(), key=lambda entry: entry[1])
    # Several near-best candidates under one ancestor: the ancestor holds the article.
    # (Its own ancestors and descendants score from its text: they are not rivals.)
    above = {id(a): a for a in el.iterancestors()}
    near = [e for e, s in scores.values() if e is not el and s >= best * 0.75
            and id(e) not in above and el not in e.iterancestors()]
    if len(near) >= 2:
        for ancestor in above.values():
            if ancestor.tag in ("body", "html"):
                break
            if sum(1 for e in near if ancestor in e.iterancestors()) >= 2:
                el = ancestor
                break
    while (parent := el.getparent()) is not None and parent.tag not in ("body", "html") \
            and len(parent) == 1:
        el = parent
    return el, scores.get(id(el), [el, best])[1]


def _siblings(top, top_score: float, scores: dict[int, list]) -> list:
    parent = top.getparent()
    if parent is None or top.tag in ("body", "html"):
        return [top]
    threshold = max(10.0, top_score * 0.2)
    top_class = top.get("class")
    out = []
    for sib in parent:
        if sib is top:
            out.append(sib)
            continue
        if not isinstance(sib.tag, str) or sib.tag in SKIP_TAGS:
            continue
        bonus = top_score * 0.2 if top_class and sib.get("class") == top_class else 0
        entry = scores.get(id(sib))
        if entry is not None and entry[1] + bonus >= threshold:
            out.append(sib)
        elif sib.tag == "p":
            body = clean(joined_text(sib)) or ""
            density = link_density(sib)
            if (len(body) > 80 and density < 0.25) or (
                    0 < len(body) <= 80 and density == 0 and re.search(r"\.( |$)", body)):
                out.append(sib)
    return out


def _fishy(el, strict: bool) -> bool:
    """Readability's conditional cleaning: a list, table or block inside the article
    that looks like furniture (mostly links, images without text, forms)."""
    body = clean(joined_text(el)) or ""
    weight = _initial(el) - _TAG_WEIGHT.get(el.tag, 0) if strict else 0
    if weight < 0:
        return True
    if len(_COMMAS.findall(body)) >= 10:
        return False
    paragraphs, images, items, inputs = count_tags(el, _FISHY_COUNTED)
    items -= 100
    density = link_density(el)
    is_list = el.tag in ("ul", "ol")
    return ((images > 1 and paragraphs / images < 0.5 and not is_list)
            or (not is_list and items > paragraphs)
            or inputs > paragraphs // 3
            or (not is_list and len(body) < 25 and (images == 0 or images > 2))
            or (weight < 25 and density > 0.2 and not is_list)
            or (weight >= 25 and density > 0.5)
            or (is_list and density > 0.6))


_FISHY_COUNTED = ("p", "img", "li", "input")


def count_tags_pure(el, names: tuple[str, ...]) -> list[int]:
    return [sum(1 for _ in el.iter(name)) for name in names]


count_tags = speedups.choose("count_tags", count_tags_pure)


def _cleaned(nodes: list, strict: bool) -> dict[int, object]:
    drop: dict[int, object] = {}
    for node in nodes:
        for el in node.iter("table", "ul", "ol", "div", "section", "dl"):
            if el is not node and _fishy(el, strict):
                drop[id(el)] = el
    return drop


def _attempt(root, strict: bool, skip: dict[int, object]) -> tuple[list, list[Segment]]:
    found, has_blocks = walk(root, skip, strict)
    scores = _score(found, has_blocks)
    if not scores:
        return [root], found
    top, top_score = _top(scores)
    nodes = _siblings(top, top_score, scores)
    drop = _cleaned(nodes, strict) | skip
    found = []
    for node in nodes:
        found.extend(segments(node, drop, strict=False))
    return nodes, found


def density_body(root, skip: dict[int, object] | None = None) -> tuple[list, list[Segment]]:
    """The containers that hold the body and its segments in document order.

    A first attempt drops unlikely-named blocks and fishy lists; when it finds under
    500 characters, a second one without those cuts is tried and the longer kept.
    ``skip`` holds ids of elements whose text is not body (headline, byline, date).
    """
    skip = skip or {}
    nodes, found = _attempt(root, True, skip)
    if sum(len(s.text) for s in found) >= 500:
        return nodes, found
    relaxed = _attempt(root, False, skip)
    if sum(len(s.text) for s in relaxed[1]) > sum(len(s.text) for s in found):
        return relaxed
    return nodes, found
