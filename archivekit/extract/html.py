"""Extract an article from an archived HTML page.

Knows the HuffPost 2018+ and 2016 templates and falls back on generic markup
(``h1``, ``article p``, ``figure``). The archive banner and closing notice have
no known class names, so they are found by their text.
"""

from __future__ import annotations

import re

from lxml import etree

from archivekit.extract.assemble import Image, Parts, clean, match_banner, match_footer
from archivekit.extract.decode import Decoded
from archivekit.limits import DEFAULT_MAX_IMAGES, LimitExceeded, depth_exceeded
from archivekit.profiles import ProfileSet

# No network, no entity expansion beyond HTML's own, comments and PIs dropped.
_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                           huge_tree=False, recover=True)


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _xp(expr: str) -> etree.XPath:
    return etree.XPath(expr, smart_strings=False)


X_HEADLINE = _xp(f"//header//h1[{_cls('headline')}] | //h1[{_cls('headline__title')}]")
X_H1 = _xp("//h1")
X_OG_TITLE = _xp("//meta[@property='og:title']/@content")
X_DEK = _xp(f"//div[{_cls('dek')}] | //h2[{_cls('headline__subtitle')}]")
X_AUTHORS = _xp(f"//*[{_cls('entry__byline__author')}]//a"
                f" | //span[{_cls('author-card__details__name')}]"
                " | //*[@rel='author']")
X_AUTHOR_META = _xp("//meta[@name='author']/@content")
X_BYLINE = _xp(f"//*[{_cls('byline')}]")
X_WIRE = _xp(f"//*[{_cls('entry-wirepartner__byline')}] | //*[{_cls('wire-partner-component')}]")
# Smart strings here: the attribute's element gives the source line. Tried in this
# order (an XPath union would return document order, putting <head> metas first).
X_DATES = (
    etree.XPath(f"//*[{_cls('timestamp')}]//time/@datetime"),
    etree.XPath("//meta[@property='article:published_time']/@content"),
    etree.XPath("//time/@datetime"),
)
X_BODY_2018 = _xp(f"//section[{_cls('entry__content-list')}]//div[{_cls('cli-text')}]//p")
X_BODY_2016 = _xp(f"//div[{_cls('entry__body')}]//p")
X_BODY_ARTICLE = _xp("//article//p")
X_BODY_ANY = _xp("//body//p")
# Images of the article: inside the 2018 template's article when there is one, and never
# in page furniture (related stories, sidebars, navigation), whose thumbnails carry no credit.
X_ARTICLE = _xp(f"//article[{_cls('entry__content')}]")
_FURNITURE = ("ancestor::aside or ancestor::nav or ancestor::*[contains(@class, 'related')"
              " or contains(@class, 'recirc') or contains(@class, 'sidebar')]")
X_IMAGES = _xp(f".//figure[not({_FURNITURE})]"
               f" | .//div[{_cls('image')}][not(ancestor::figure)][not({_FURNITURE})]")
X_IMG = _xp(".//img")
X_CREDIT = _xp(".//*[contains(@class, 'credit')]")
X_CAPTION = _xp(".//*[contains(@class, 'caption')] | .//figcaption[not(contains(@class, 'credit'))]")
# Smart strings: the attribute's element gives the source line.
X_CANONICAL = etree.XPath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
X_LANG = _xp("/html/@lang")
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
    return clean("".join(el.itertext()) if hasattr(el, "itertext") else str(el))


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
    return _xp(f"//text()[{test}][not({hidden})]/ancestor::*[not({_INLINE})][1]")


def _literal(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


_PUBLISHER_XPATHS: dict[int, etree.XPath] = {}


def extract_html(decoded: Decoded, uri: str | None, profiles: ProfileSet) -> Parts | None:
    root = parse_html(decoded.text)
    if root is None:
        return None
    parts = Parts(encoding=decoded.encoding, encoding_clean=decoded.clean,
                  encoding_problem=decoded.problem)

    canonical = X_CANONICAL(root)
    if canonical:
        parts.url = clean(str(canonical[0]))
        parts.url_line = canonical[0].getparent().sourceline
    lang = X_LANG(root)
    parts.language = clean(lang[0].split("-")[0].lower()) if lang and lang[0].strip() else None

    banner_el = _find_banner_and_footer(root, parts, profiles)

    headline_el = next(iter(X_HEADLINE(root) or X_H1(root)), None)
    if headline_el is not None and _text(headline_el):
        parts.headline = _text(headline_el)
        parts.headline_line = headline_el.sourceline
        # Source lines order the banner and headline; same line: count nodes.
        parts.headline_order = headline_el.sourceline
        if banner_el is not None and banner_el.sourceline == headline_el.sourceline:
            parts.banner_order, parts.headline_order = _order(banner_el), _order(headline_el)
    else:
        og = X_OG_TITLE(root)
        parts.headline = clean(og[0]) if og else None

    dek = X_DEK(root)
    parts.dek = _text(dek[0]) if dek else None

    author_els = X_AUTHORS(root) or X_BYLINE(root)
    prefixes = tuple(prefix for p in profiles.profiles for prefix in p.byline_prefixes)
    parts.authors = _dedupe(_strip_prefix(_text(el), prefixes) for el in author_els)
    if author_els:
        parts.authors_line = author_els[0].sourceline
    elif (meta := X_AUTHOR_META(root)):
        parts.authors = _dedupe(clean(m) for m in meta)
    wire_els = X_WIRE(root)
    parts.wire_bylines = _dedupe(_strip_prefix(_text(el), prefixes) for el in wire_els)
    if wire_els and parts.authors_line is None:
        parts.authors_line = wire_els[0].sourceline

    for x_date in X_DATES:
        dates = x_date(root)
        if dates:
            parts.date_published = clean(str(dates[0]))
            parts.date_line = dates[0].getparent().sourceline
            break

    _find_body(root, parts)
    _find_images(root, parts)
    return parts


def _find_banner_and_footer(root, parts: Parts, profiles: ProfileSet):
    """Fill the banner and footer parts; return the banner's element."""
    xpath = _PUBLISHER_XPATHS.get(id(profiles))
    if xpath is None:
        xpath = _PUBLISHER_XPATHS[id(profiles)] = _publisher_text_xpath(profiles)
    banner_el = None
    for el in xpath(root):
        text = _text(el)
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


def _find_body(root, parts: Parts) -> None:
    paragraphs = X_BODY_2018(root) or X_BODY_2016(root)
    # Template paragraphs are never inside a figure; generic ones may be.
    generic = not paragraphs
    if generic:
        paragraphs = X_BODY_ARTICLE(root) or X_BODY_ANY(root)
    body = []
    for p in paragraphs:
        text = _text(p)
        if not text or text == parts.banner or text == parts.footer:
            continue
        if (parts.banner and parts.banner in text) or (parts.footer and parts.footer in text):
            continue
        if generic and X_INSIDE_FIGURE(p):
            continue
        if parts.body_line is None:
            parts.body_line = p.sourceline
        body.append(text)
    parts.body = body


def _find_images(root, parts: Parts) -> None:
    # One past the limit is enough for extract() to report it; the rest is not walked.
    scope = next(iter(X_ARTICLE(root)), root)
    for container in X_IMAGES(scope)[:DEFAULT_MAX_IMAGES + 1]:
        imgs = X_IMG(container)
        credit_els = X_CREDIT(container)
        caption_els = [el for el in X_CAPTION(container) if el not in credit_els]
        credit = _text(credit_els[0]) if credit_els else None
        caption = _text(caption_els[0]) if caption_els else None
        if caption is None and imgs:
            caption = clean(imgs[0].get("alt"))
        if not imgs and credit is None and caption is None:
            continue
        parts.images.append(Image(src=clean(imgs[0].get("src")) if imgs else None,
                                  caption=caption, credit=credit, line=container.sourceline))


def _strip_prefix(text: str | None, prefixes: tuple[str, ...]) -> str | None:
    if text:
        for prefix in prefixes:
            if text.startswith(prefix):
                return clean(text[len(prefix):])
    return text


def _dedupe(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
