"""The article's body paragraphs in an HTML page.

The HuffPost templates' body containers are used when the page has one (a template
page whose container holds no text has no body: a photo page). Any other page goes
to the content-density reading (density.py), which finds text in ``<p>``, ``<div>``,
``<br>``-separated text and ``<pre>`` alike.
"""

from __future__ import annotations

from archivekit import speedups
from archivekit.extract.assemble import Parts, clean, clean_all
from archivekit.extract.density import density_body, segments
from archivekit.extract.dom import BODY_BLOCK, Index, descendants, joined_texts, joined_texts_pure


def find_body(index: Index, parts: Parts, skip: tuple = ()) -> tuple[list, list]:
    """The containers the body comes from (the article's extent) and, off the templates,
    its (element, text) pairs for :func:`set_texts` (a template's body is set here).

    Off the templates, the element microdata marks as the article's body is read
    first. ``skip`` holds elements whose text is not body (headline, byline, date).
    """
    sections = index.cls("entry__content-list", "section")
    if sections:
        texts, lines = template_body_texts(index, sections)
        _template_body(texts, lines.__getitem__, sections, parts)
        return sections, []
    bodies = index.cls("entry__body", "div")
    if bodies:
        paragraphs = descendants(bodies, "p")
        _template_body(joined_texts(paragraphs), lambda i: paragraphs[i].sourceline, bodies, parts)
        return bodies, []
    skipped = {id(el): el for el in skip if el is not None}
    body_el = next(iter(index.prop("articleBody")), None)
    found = segments(body_el, skipped) if body_el is not None else []
    nodes = [body_el]
    if sum(len(s.text) for s in found) < 200:
        nodes, found = density_body(_page_body(index), skipped)
    headline = (parts.headline or "").casefold()
    return nodes, [(s.owner, s.text) for s in found if s.text.casefold() != headline]


def _within(el, ids: set[int]) -> bool:
    return id(el) in ids or any(id(a) in ids for a in el.iterancestors())


def set_generic_body(pairs: list, parts: Parts, images: list) -> None:
    """The body from the density reading's pairs, less text inside an image block."""
    blocks = {id(el) for el in images}
    set_texts([(el, t) for el, t in pairs if (not blocks or not _within(el, blocks))
               and any(c.isalnum() for c in t)], parts)


def _template_body(texts: list, line_of, containers: list, parts: Parts) -> None:
    """The template's paragraphs (their texts, ``line_of(i)`` the i-th one's source line);
    text not in ``<p>`` when it has none."""
    if texts:
        _set(clean_all(texts), parts, line_of)
    else:
        set_texts([(s.owner, s.text) for c in containers for s in segments(c)], parts)


def _page_body(index: Index):
    return index.body if index.body is not None else index.root


def set_body(paragraphs: list, parts: Parts) -> None:
    """The body from its paragraph elements: their clean text, less empty paragraphs and
    repeats of the banner or notice."""
    _set(clean_all(joined_texts(paragraphs)), parts, lambda i: paragraphs[i].sourceline)


def set_texts(pairs: list, parts: Parts) -> None:
    """The body from (element, clean text) pairs, less empty ones and repeats of the
    banner or notice."""
    _set([t for _, t in pairs], parts, lambda i: pairs[i][0].sourceline)


def _set(texts: list, parts: Parts, line_of) -> None:
    """The body from the paragraphs' clean ``texts``; ``line_of(i)`` is the source line
    of the i-th one's element."""
    # The banner or notice repeated as a paragraph is not body text.
    repeats = texts_containing(texts, tuple(r for r in (parts.banner, parts.footer) if r))
    if repeats:
        body = [t for t in texts if t and not any(r in t for r in repeats)]
    else:
        body = list(filter(None, texts))  # [t for t in texts if t]
    if body and parts.body_line is None:
        # The first paragraph kept: the first text that is body[0] (those before it are
        # empty or a repeat, so none of them equals it).
        first = next(i for i, t in enumerate(texts) if t is body[0])
        parts.body_line = line_of(first)
    parts.body = body


def texts_containing_pure(texts: list, needles: tuple) -> list:
    """The ``needles`` some of ``texts`` holds (one search of them joined: a clean needle
    holds no newline, so it cannot span two)."""
    joined = "\n".join([t for t in texts if t])
    return [n for n in needles if n in joined]


texts_containing = speedups.choose("texts_containing", texts_containing_pure)


def template_paragraphs_pure(blocks: list, sections: list) -> list:
    """The ``p`` elements of the template's text ``blocks`` inside ``sections``."""
    return _template_paragraphs(_template_blocks(blocks, sections))


def template_texts_pure(blocks: list, sections: list) -> tuple[list[str], list[int | None]]:
    """The text (``"".join(itertext())``) and the source line of each paragraph
    :func:`template_paragraphs_pure` finds."""
    paragraphs = template_paragraphs_pure(blocks, sections)
    return joined_texts_pure(paragraphs), [p.sourceline for p in paragraphs]


# Compiled: no element object is made for the paragraphs (the template's body is most of
# a page's elements).
template_texts = speedups.choose("template_texts", template_texts_pure)


def template_body_texts_pure(index: Index, sections: list) -> tuple[list[str], list[int | None]]:
    """The template's body paragraphs (:func:`template_texts_pure`) of the index's text
    blocks."""
    return template_texts_pure(index.cls(BODY_BLOCK, "div"), sections)


def _template_body_texts_compiled(index: Index, sections: list):
    # The index lists no cli-text blocks: its walk noted them as nodes (Index.blocks).
    return speedups.COMPILED.template_texts_of(index.blocks, sections)


template_body_texts = template_body_texts_pure if speedups.COMPILED is None \
    else _template_body_texts_compiled


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


def first_words(body: list[str], count: int = 12) -> str:
    words = " ".join(body).split()[:count]
    return clean(" ".join(words)) or ""
