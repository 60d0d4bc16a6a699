"""Extract an article from an archived HTML page.

A generic reading that holds on any news page (structured data first, then the page's
markup by class tokens, then content density for the body), which the HuffPost 2018+
and 2016 templates' own markup and a profile's CSS selectors refine. The archive
banner and closing notice have no known class names, so they are found by their text.
"""

from __future__ import annotations

from archivekit.extract.assemble import Parts
from archivekit.extract.decode import Decoded
from archivekit.extract.dom import Index, joined_text, parse_html
from archivekit.extract.html_body import find_body, set_generic_body
from archivekit.extract.html_images import (
    find_images,
    image_containers,
    not_headshots,
    template_scope,
)
from archivekit.extract.html_parts import (
    find_authors,
    find_banner_and_footer,
    find_date,
    find_dek,
    find_headline,
    find_url_and_language,
    publisher_search,
)
from archivekit.extract.selectors import apply_selectors, page_profile
from archivekit.extract.structured import read_structured
from archivekit.profiles import ProfileSet

__all__ = ["extract_html", "parse_html"]


def extract_html(decoded: Decoded, uri: str | None, profiles: ProfileSet,
                 forced_profile: str | None = None) -> Parts | None:
    # From the bytes when they are the text's UTF-8 (the text is then not made).
    root = parse_html(None if decoded.utf8 is not None else decoded.text, decoded.utf8)
    if root is None:
        return None
    parts = Parts(encoding=decoded.encoding, encoding_clean=decoded.clean,
                  encoding_problem=decoded.problem)
    index = Index(root, holders_of=publisher_search(profiles))
    found = read_structured(index)
    find_url_and_language(root, index, parts)
    banner_el = find_banner_and_footer(root, parts, profiles, index.holders)
    headline_el = find_headline(index, found, parts, banner_el)
    find_dek(index, parts)
    author_els = find_authors(index, found, parts, profiles)
    date_el = find_date(index, found, parts)
    byline = [_byline_block(el) for el in author_els]
    containers, pairs = find_body(index, parts, (headline_el, *author_els, banner_el, date_el))
    scope = template_scope(index)
    if scope is None:
        scope = _article_scope(containers, headline_el)
    blocks: list = []
    # The templates mark their image blocks; a loose <img> counts on other pages.
    parts.images = find_images(index, scope, profiles, lead=found.image, skip=tuple(byline),
                               blocks=blocks, loose=bool(pairs))
    if pairs:
        set_generic_body(pairs, parts, blocks)
        parts.images = not_headshots(parts.images, parts.authors)
    profile = page_profile(parts, uri, profiles, forced_profile) if profiles.has_selectors else None
    if profile is not None and profile.selectors:
        apply_selectors(root, dict(profile.selectors), parts, banner_el, profiles,
                        lambda: image_containers(index, scope, lead=found.image,
                                                 loose=bool(pairs)))
    parts.where_missing = _where_missing(root, index)
    return parts


def _byline_block(author_el):
    """The block holding an author's name (and headshot): its parent, when that holds
    little else."""
    parent = author_el.getparent()
    if parent is not None and len(joined_text(parent)) < 200:
        return parent
    return author_el


def _article_scope(containers: list, headline_el):
    """The article's element: the ``<article>`` around the body, else the lowest
    element holding the headline and the body, else the body's own container."""
    if not containers:
        return None
    first = containers[0]
    article = next((a for a in first.iterancestors("article")), None)
    if first.tag == "article" or article is not None:
        return first if first.tag == "article" else article
    if headline_el is not None:
        mine = {id(a): a for a in first.iterancestors()}
        for ancestor in headline_el.iterancestors():
            if ancestor.tag in ("body", "html"):
                break
            if id(ancestor) in mine:
                return ancestor
    if len(containers) > 1:
        parent = first.getparent()
        return parent if parent is not None and parent.tag not in ("body", "html") else None
    return first if first.tag not in ("body", "html") else None


def _where_missing(root, index: Index) -> dict[str, int]:
    """Lines to point at for parts the page lacks: the banner belongs at the top of the
    body, the notice at its end (its last element), the rest in the article (the 2016
    template has no ``article``: its body container stands for it)."""
    body = index.body if root is index.root and root.tag == "html" else root.find("body")
    top = (body.sourceline if body is not None else None) or 1
    content = next((el.sourceline for el in index.cls("entry__content-list")
                    + index.cls("entry__body") if el.sourceline), None)
    article = next((a.sourceline for a in index.tag("article") if a.sourceline),
                   content or top)
    content = content or article
    last = body[-1].sourceline if body is not None and len(body) else None
    return {"/banner": top, "/headline": article, "/attribution": article,
            "/date_published": article, "/body": content, "/footer": last or top}
