"""The extraction's compiled walks (archivekit/_speedups/_dom.pyx) against their pure-Python
references, function by function, on every fixture page, every real page of
../shared/corpus/pages, synthetic benchmark pages and generated pages; and whole records,
findings and fingerprints identical on both paths in real subprocesses."""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, corpus_pages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archivekit import digests
from archivekit.checker import Checker
from archivekit.extract import density, dom, html_body, html_images, html_parts
from archivekit.limits import DEFAULT_MAX_IMAGES

compiled = pytest.importorskip(
    "archivekit._speedups",
    reason="the compiled core is not built (pip install . or python setup.py build_ext --inplace)")
assemble = importlib.import_module("archivekit.extract.assemble")
# Built here, so that the compiled reader is tested where ARCHIVEKIT_PURE=1 leaves it unused.
READER = html_images.image_reader(compiled)

PACKAGE_ROOT = Path(digests.__file__).resolve().parent.parent
PROFILES = Checker().profiles


def _fixture_pages() -> list[Path]:
    pages = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    assert pages
    return pages


def _synthetic_pages(count: int = 12) -> list[bytes]:
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.synthetic import make_page
    finally:
        sys.path.remove(str(ROOT))
    return [make_page(i) for i in range(count)]


def _root(content: bytes | str):
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    return dom.parse_html(text or "<p></p>")


def _index_lists(fn, root) -> tuple[dict, dict]:
    classes = {token: [] for token in dom.CLASS_NAMES}
    tags = {tag: [] for tag in dom.TAG_NAMES}
    itemprops: list = []
    fn(root, dom.TAG_NAMES, dom.CLASS_NAMES, tags, classes, itemprops)
    tags["@itemprop"] = itemprops
    return tags, classes


def _same_elements(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def assert_orders_equal(elements: list, where) -> None:
    """doc_order and descendants: the compiled ones give the pure ones' lists, on
    elements out of order, repeated, nested in one another and on one line."""
    samples = [elements, elements[::-1], elements[::3] + elements[::5], elements[-7:] * 2,
               elements[:1], [], [el for el in elements if el.tag in ("div", "p")][::-2]]
    for sample in samples:
        assert _same_elements(dom.doc_order_pure(sample), compiled.doc_order(sample)), where
        assert _same_elements(dom.doc_order_pure(iter(sample)), compiled.doc_order(iter(sample))), where
    containers = [el for el in elements if el.tag in ("div", "section", "article", "body")]
    for sample in (containers, containers[::-1], containers[:3] * 2, elements[:1], []):
        for tag in ("a", "p", "time", "div", "{x}p", "*"):
            assert _same_elements(dom.descendants_pure(sample, tag),
                                  compiled.descendants(sample, tag)), (where, tag)


def assert_lookups_equal(root, where) -> None:
    """The compiled Index's walk and lookups give what the pure ones give."""
    fast, pure = compiled.IndexLookups(), dom.IndexLookupsPure()
    fast.fill(root, dom.TAG_NAMES, dom.CLASS_NAMES, dom.BODY_BLOCK)
    pure.fill(root, dom.TAG_NAMES, dom.CLASS_NAMES, dom.BODY_BLOCK)
    assert fast.root is pure.root and fast.body is pure.body, where
    assert list(fast.tags) == list(pure.tags) and list(fast.classes) == list(pure.classes), where
    assert _same_elements(fast.itemprops, pure.itemprops), where
    assert pure.blocks is None and pure.holders is None and fast.holders is None, where
    assert len(fast.blocks) == len(dom.with_tag_pure(pure.classes[dom.BODY_BLOCK], "div")), where
    assert fast.metas() == pure.metas(), where
    for token in (*dom.CLASS_NAMES, "not-a-class"):
        for tag in (None, "", "div", "a", "{x}div"):
            assert _same_elements(fast.cls(token, tag), pure.cls(token, tag)), (where, token, tag)
        assert fast.cls(token) is not fast.classes.get(token), where  # a copy, as the pure one's
    for tag in (*dom.TAG_NAMES, "p"):
        assert _same_elements(fast.tag(tag), pure.tag(tag)), (where, tag)
    keys = sorted(pure.metas())
    for ask in ((), ("og:title",), ("nothing", "og:title", "dc:title"), tuple(keys[:3]),
                tuple(keys[-2:]), ("description", "og:description")):
        assert fast.first_meta(*ask) == pure.first_meta(*ask), (where, ask)


def assert_walks_equal(root, where) -> None:
    """Every compiled walk gives what its reference gives on this tree."""
    if root is None:
        return
    pure_tags, pure_classes = _index_lists(dom.index_elements_pure, root)
    fast_tags, fast_classes = _index_lists(compiled.index_elements, root)
    for key in pure_tags:
        assert _same_elements(pure_tags[key], fast_tags[key]), (where, key)
    # The microdata elements are the ones an XPath finds.
    assert _same_elements(pure_tags["@itemprop"], root.xpath("//*[@itemprop]")), where
    for key in pure_classes:
        assert _same_elements(pure_classes[key], fast_classes[key]), (where, key)

    names = tuple(sorted({p.publisher for p in PROFILES.profiles}))
    holders = html_parts.publisher_holders_pure(root, PROFILES)
    spec = (names, html_parts.HIDDEN_PARENTS, html_parts.INLINE_TAGS)
    assert _same_elements(holders, compiled.text_holders(root, *spec)), where
    # What the index walk finds in passing: the same holders, the blocks the full index lists.
    noted = compiled.NodeList(root)
    tags, classes = _index_lists(
        lambda *args: compiled.index_elements(*args[:6], noted, dom.BODY_BLOCK, spec), root)
    assert _same_elements(pure_classes[dom.BODY_BLOCK], classes[dom.BODY_BLOCK]), where
    assert len(noted) == len(dom.with_tag_pure(pure_classes[dom.BODY_BLOCK], "div")), where
    found_in_passing = compiled.index_elements(root, (), (), {}, {}, None, None, None, spec)
    assert _same_elements(holders, found_in_passing), where

    elements = list(root.iter())
    assert compiled.joined_texts(elements) == dom.joined_texts_pure(elements), where
    for el in elements[:400]:
        assert compiled.joined_text(el) == dom.joined_text_pure(el), where

    for tag in ("div", "p", "a", "section", "{x}div", "", "d\0iv"):
        assert _same_elements(dom.with_tag_pure(elements, tag), compiled.with_tag(elements, tag)), \
            (where, tag)

    assert_orders_equal(elements, where)
    assert_lookups_equal(root, where)

    blocks = [el for el in elements if el.tag in ("div", "p", "span")]
    for sections in ([el for el in elements if el.tag in ("section", "article", "body")],
                     [el for el in elements if el.tag == "div"][::2]):
        assert compiled.template_texts(blocks, sections) == \
            html_body.template_texts_pure(blocks, sections), where
    # The body blocks found by the compiled walk: what the full index lists.
    body_blocks = dom.with_tag_pure(pure_classes[dom.BODY_BLOCK], "div")
    for sections in ([el for el in elements if el.tag in ("section", "article", "body")],
                     [el for el in elements if el.tag == "div"][::3], []):
        assert compiled.template_texts_in(root, sections) == \
            html_body.template_texts_pure(body_blocks, sections), where
        assert compiled.template_texts_of(noted, sections) == \
            html_body.template_texts_pure(body_blocks, sections), where

    metas = [el for el in elements if el.tag == "meta"]
    for sample in (metas, elements[:300], []):
        assert compiled.meta_index(sample) == dom.meta_index_pure(sample), where

    texts = [t for t in (dom.joined_text_pure(el) for el in elements[:200]) if t]
    assert_text_checks_equal(texts, where)
    assert_images_equal(root, elements, where)
    assert_density_walks_equal(root, elements, where)
    for el in elements[:400]:
        counts = (len(dom.joined_text_pure(el)), sum(len(dom.joined_text_pure(a)) for a in el.iter("a")))
        assert compiled.text_and_link_chars(el) == counts, (where, el.tag)
        total, links = compiled.text_and_link_chars(el)
        assert (min(1.0, links / total) if total else 0.0) == density.link_density_pure(el), where
        for names in (density._FISHY_COUNTED, ("a", "div", "{x}p")):
            assert compiled.count_tags(el, names) == density.count_tags_pure(el, names), where


def _density_walk_compiled(container, drop, strict):
    return compiled.density_walk(container, drop, strict, density._SKIP_TAG_NAMES,
                                 density._BLOCK_TAG_NAMES, density._SKIP_ROLES, density.Segment,
                                 density.unlikely_names, density.style_hides)


def assert_density_walks_equal(root, elements, where) -> None:
    """The compiled density walk cuts what density.walk_pure cuts: the same segments (the
    same owner elements, the same texts) and the same blocks holding blocks, from the
    page and from a few containers, strict or not, with elements dropped or not."""
    containers = [root, *[el for el in elements if el.tag in ("body", "article", "main", "div")][:4]]
    drops = [{}, {id(el): el for el in [el for el in elements if el.tag in ("div", "ul", "table", "p")][1::3]}]
    for container in containers:
        for drop in drops:
            for strict in (True, False):
                pure, pure_blocks = density.walk_pure(container, drop, strict)
                fast, fast_blocks = _density_walk_compiled(container, drop, strict)
                assert [s.text for s in fast] == [s.text for s in pure], (where, strict)
                assert _same_elements([s.owner for s in fast], [s.owner for s in pure]), where
                assert fast_blocks.keys() == pure_blocks.keys(), where
                assert all(fast_blocks[k] is pure_blocks[k] for k in pure_blocks), where


def assert_images_equal(root, elements: list, where) -> None:
    """The compiled image reader gives what image_in_pure and image_containers_pure give:
    for every element as a block, and for the page's containers under each scope, skip,
    lead and loose setting."""
    for el in elements[:400]:
        assert html_images.read_image(READER, el, PROFILES) == html_images.image_in_pure(el, PROFILES), \
            (where, el.tag, el.sourceline)
    blocks = [el for el in elements if el.tag in ("figure", "div", "img", "span", "p")][:400]
    srcs = [src for el in elements if el.tag == "img" and (src := el.get("src"))]
    for lead in (None, srcs[0] if srcs else None):
        kept_pure, kept_fast = [], []
        pure = html_images.images_in_pure(blocks, PROFILES, lead=lead, blocks=kept_pure)
        fast = READER.images(blocks, lead, kept_fast, html_images.DEFAULT_MAX_IMAGES,
                             functools.partial(html_images.split_caption, profiles=PROFILES),
                             html_images.Image, html_images._is_lead)
        assert fast == pure and _same_elements(kept_pure, kept_fast), (where, lead)
    index = dom.Index(root)
    scopes = [None, html_images.template_scope(index),
              *[el for el in elements if el.tag in ("article", "section", "main", "div")][:2]]
    srcs = [src for el in elements if el.tag == "img" and (src := el.get("src"))]
    leads = [None, srcs[len(srcs) // 2] if srcs else "/p1.jpg"]
    skips = [(), tuple(elements[len(elements) // 2:][:2]),
             (None, *[el for el in elements if el.tag in ("p", "span", "div")][:3])]
    for scope in scopes:
        for skip in skips:
            for lead in leads:
                for loose in (True, False):
                    pure = html_images.image_containers_pure(index, scope, lead=lead, skip=skip, loose=loose)
                    fast = html_images.read_containers(READER, index, scope, lead=lead, skip=skip, loose=loose)
                    assert _same_elements(pure, fast), (where, scope, skip, lead, loose)
    # Any containers (duplicates, every tag, a tree walk when lines repeat).
    containers = [el for el in elements if el.tag in ("figure", "div", "img", "picture", "span", "a")]
    for scope in scopes[:3]:
        for lead in leads[:2]:
            for picked in (containers, containers[::-1] + containers[:3]):
                figures = [el for el in picked if el.tag == "figure"]
                blocks = [el for el in picked if el.tag != "figure"][::2]
                others = [el for el in picked if el.tag != "figure"][1::2]
                skip = [el for el in elements if el.tag == "span"][:2]
                pure = html_images.article_images_pure(
                    dom.doc_order(figures + [b for b in blocks if b.tag == "div"] + others), scope,
                    {id(el): el for el in skip}, lead)
                fast = READER.article_images(figures, blocks, others, scope, skip, lead,
                                             html_images._article_image_tail)
                assert _same_elements(pure, fast), (where, scope, lead)


def assert_text_checks_equal(texts: list[str], where) -> None:
    assert compiled.count_spaces(texts) == assemble.count_spaces_pure(texts), where
    for text in texts:
        assert compiled.clean(text) == assemble.clean_pure(text), (where, text)
    clean = [t for t in (assemble.clean_pure(t) for t in texts) if t]
    for sample in (texts, clean, clean[:1], []):
        verdict = compiled.texts_clean_ascii(sample)
        if verdict is not None:
            assert verdict == (not assemble.texts_need_cleaning_pure(sample)), (where, sample[:3])


def test_walks_equal_on_every_fixture_page():
    for path in _fixture_pages():
        assert_walks_equal(_root(path.read_bytes()), path)


def test_walks_equal_on_every_real_page():
    for path in corpus_pages():
        assert_walks_equal(_root(path.read_bytes()), path)


def test_walks_equal_on_synthetic_pages():
    for index, page in enumerate(_synthetic_pages()):
        assert_walks_equal(_root(page), f"synthetic page {index}")


def test_index_follows_python_split_on_non_ascii_and_odd_class_values():
    page = ("<html><body><div class='image\u00a0entry__body'>a</div><div class=' headline  dek '>b</div>"
            "<p class='IMAGE image image'>c</p><span class='byline\u2003x'>d</span>"
            "<div class='image\x1cdek'>e</div><div class=''>f</div><div class='&amp;image'>g</div>"
            "<h1 class='headline'>h</h1><svg class='image'><title>t</title></svg></body></html>")
    assert_walks_equal(_root(page), "odd classes")
    tags, classes = _index_lists(compiled.index_elements, _root(page))
    assert len(classes["image"]) == 5  # "image image" counts twice, as the Python loop has it


def test_banner_candidates_skip_hidden_text_and_climb_out_of_inline_elements():
    page = ("<html><head><title>HuffPost</title><script>var s='HuffPost';</script></head><body>"
            "<div><p>Part of the <a><b>HuffPost</b></a> archive.</p></div>"
            "<section>HuffPost<p>later <em>HuffPost</em></p> tail HuffPost</section>"
            "<span>HuffPost only inline</span><noscript>HuffPost</noscript></body></html>")
    root = _root(page)
    assert_walks_equal(root, "banner")
    found = compiled.text_holders(root, ("HuffPost",), html_parts.HIDDEN_PARENTS, html_parts.INLINE_TAGS)
    assert [el.tag for el in found] == ["body", "p", "section", "p"]


def test_banner_candidates_in_document_order_when_found_out_of_it():
    """A holder found by climbing out of an inline element can come before one found
    earlier in the walk (the section after its paragraph here); a few are put in order by
    place, many (past the count that sorts by place) by a walk: the XPath's order both."""
    few = ("<html><body><section><p>HuffPost first</p><span>HuffPost climbs</span></section>"
           "<div><div><b>HuffPost</b></div><p><i>HuffPost</i></p></div><p>HuffPost</p></body></html>")
    many = ("<html><body>" + "".join(
        f"<div><p>HuffPost {i}</p><em>HuffPost up {i}</em><div><p>HuffPost in {i}</p></div></div>"
        for i in range(12)) + "</body></html>")
    for page, count in ((few, 5), (many, 36)):
        root = _root(page)
        spec = (("HuffPost",), html_parts.HIDDEN_PARENTS, html_parts.INLINE_TAGS)
        pure = html_parts.publisher_holders_pure(root, PROFILES)
        assert len(pure) == count
        assert _same_elements(pure, compiled.text_holders(root, *spec))
        assert _same_elements(pure, compiled.index_elements(root, (), (), {}, {}, None, None, None, spec))


def test_the_index_walk_notes_blocks_whether_or_not_it_lists_their_class():
    page = ("<html><body><div class='cli-text image'><p>One.</p></div><span class='cli-text'></span>"
            "<div class='caf\u00e9 cli-text cli-text'><p>Two.</p></div></body></html>")
    root = _root(page)
    for class_names in (dom.CLASS_NAMES, dom.INDEX_CLASS_NAMES, ()):
        blocks = compiled.NodeList(root)
        classes = {name: [] for name in dom.CLASS_NAMES}
        compiled.index_elements(root, (), class_names, {}, classes, None, blocks, dom.BODY_BLOCK)
        assert len(blocks) == 3
        assert compiled.template_texts_of(blocks, [root.find("body")])[0] == ["One.", "Two.", "Two."]
    with pytest.raises(TypeError):
        compiled.index_elements(root, (), (), {}, {}, None, compiled.NodeList(root))


@pytest.mark.parametrize("text, holds", [
    ("HHHHuffPost", True), ("H" * 5000 + "HuffPost", True), ("HuffPos", False), ("xHuffPosHuffPost", True),
    ("Huff Post", False), ("huffpost", False), ("HuffPost", True), ("H", False), ("", False),
])
def test_banner_candidates_find_a_name_after_its_first_letter_many_times(text, holds):
    """text_holders leads with strchr for the name's first byte: repeats of it, a name cut
    at the end of the text, and a text that is just the name."""
    root = _root(f"<html><body><div><p>{text}</p></div><p>other</p></body></html>")
    assert_walks_equal(root, "first letter")
    found = compiled.text_holders(root, ("HuffPost", "Zz"), html_parts.HIDDEN_PARENTS,
                                  html_parts.INLINE_TAGS)
    assert [el.tag for el in found] == (["p"] if holds else [])


def test_the_compiled_functions_refuse_what_is_not_an_element():
    with pytest.raises(TypeError):
        compiled.joined_text("not an element")
    with pytest.raises(TypeError):
        READER.parts(None)
    with pytest.raises(TypeError):
        READER.article_images([None], [], [], None, [], None, html_images._article_image_tail)
    with pytest.raises(TypeError):
        compiled.doc_order([None])
    with pytest.raises(TypeError):
        compiled.descendants(["<p>"], "p")


def _images(page: str):
    root = _root(page)
    assert_walks_equal(root, page[:200])
    index = dom.Index(root)
    scope = html_images.template_scope(index)
    return html_images.find_images(index, scope, PROFILES, lead="/lead.jpg")


def test_images_equal_on_the_shapes_image_blocks_take():
    cases = {
        "credit inside the caption": "<figure><img src='/a.jpg' alt='A'><figcaption>A harbour at dawn, "
        "seen from the north wall <span class='credit'>Jo Bloggs / Reuters</span></figcaption></figure>",
        "credit in a caption in a caption": "<figure><img src='/b.jpg'><div class='caption'>Outer words "
        "here <p class='caption'>inner <i class='photoCredit'>AAP Image/Someone</i></p></div></figure>",
        "figure without caption": "<figure><img src='/c.jpg' alt='  The  alt\ttext '></figure>",
        "figure without image": "<figure><figcaption>Only words (AP Photo/X)</figcaption></figure>",
        "empty figure": "<figure></figure><figure><img></figure>",
        "loose image": "<p>Intro words here.</p><div><img src='/lead.jpg'></div>"
        "<div><span><img src='/d.jpg' alt='d'></span>Some words around it</div>",
        "data-src": "<figure><img data-src='/e.jpg'><img src='/f.jpg'></figure>"
        "<figure><img src='' data-src=' /g.jpg '></figure>",
        "a block's text": "<div class='image'><img src='/h.jpg'>Block text Photo: AFP</div>"
        "<div class='photo'><img src='/i.jpg'>A block of words without markup, Getty Images</div>",
        "non-ASCII": "<figure class='imäge'><img src='/j\u00e9.jpg' alt='caf\u00e9 \u2003 x'>"
        "<figcaption class='Légende'>Caf\u00e9 au lait\u00a0on the quay</figcaption>"
        "<p class='cr\u00e9dit'>Photo: Ren\u00e9e</p><p class='\u0130mageCredit'>X</p></figure>",
        "camel case and digits": "<figure><img src='/k.jpg'><div class='imageCaption2'>cap</div>"
        "<div class='IMAGECredit'>not a credit word</div><div class='photo-Source'>src</div></figure>",
        "links": "<figure><a href='/x.JPG?w=1'><img src='/l.jpg'></a></figure>"
        "<a href='/story'><figure><img src='/m.jpg'><figcaption>thumb</figcaption></figure></a>"
        "<a href='/n.jpeg\n'><figure><img src='/n.jpeg'><figcaption>n</figcaption></figure></a>"
        "<a href='/o.gif\n\n'><figure><img src='/o.gif'><figcaption>o</figcaption></figure></a>"
        "<a href='/p.avıf'><figure><img src='/p.jpg'><figcaption>p</figcaption></figure></a>"
        "<a href='/q.webp'><figure><img src='/q.webp'><figcaption>q</figcaption></figure></a>"
        "<a><figure><img src='/r.jpg'><figcaption>r</figcaption></figure></a>",
        "furniture": "<nav><figure><img src='/s.jpg'><figcaption>s</figcaption></figure></nav>"
        "<ul><li><figure><img src='/t.jpg'><figcaption>t</figcaption></figure></li></ul>"
        "<figure><div class='image'><img src='/u.jpg'></div></figure>",
        "decoration": "<p>words</p><div><img src='/v.png' width='40px'>icon words</div>"
        "<div><img src='data:image/png;base64,xx'>pixel words</div>",
    }
    for name, body in cases.items():
        page = f"<html><body><article class='entry__content'>{body}</article>{body}</body></html>"
        assert _images(page) is not None, name
        assert_walks_equal(_root(f"<html><body>{body}</body></html>"), name)


def test_images_equal_on_huge_and_hostile_attributes():
    long_class = "image " + "x" * 100_000 + " credit"
    long_alt = " ".join(["word"] * 20_000)
    page = (f"<html><body><figure class='{long_class}'><img src='/{'a' * 50_000}.jpg' alt='{long_alt}'>"
            f"<figcaption class='{'Caption' * 5_000}'>c</figcaption>"
            f"<span class='{'aB' * 20_000}'>{'t ' * 30_000}</span></figure>"
            f"<a href='{'.' * 40_000}jpg'><figure><img src='/b.jpg'><figcaption>b</figcaption></figure></a>"
            "<figure><img src='/c.jpg' alt='&amp;&lt;&#0;&#x1;\x7f'></figure></body></html>")
    assert _images(page)


def test_the_body_blocks_the_compiled_reading_finds_are_the_indexs():
    """template_texts_in finds the cli-text divs itself: once a token (a class naming it
    twice lists it twice, as the index does), not spans, not other tags, not its token
    inside another, nested blocks and a class that is not ASCII."""
    page = ("<html><body><section class='entry__content-list'>"
            "<div class='cli-text cli-text'><p>Twice.</p></div>"
            "<div class=' cli-text '><p>Spaced.</p></div><span class='cli-text'><p>Span.</p></span>"
            "<div class='cli-textual'><p>Other.</p></div><div class='x\u00a0cli-text'><p>Nbsp.</p></div>"
            "<div class='cli-text'><div class='cli-text'><p>Inner.</p></div><p>Outer.</p></div>"
            "<div class='caf\u00e9 cli-text'><p>Accent.</p></div></section></body></html>")
    root = _root(page)
    assert_walks_equal(root, "body blocks")
    index = dom.Index(root)
    sections = index.cls("entry__content-list", "section")
    texts, _ = compiled.template_texts_in(root, sections)
    assert texts == ["Twice.", "Twice.", "Spaced.", "Nbsp.", "Inner.", "Outer.", "Accent."]
    assert html_body.template_body_texts(index, sections)[0] == texts


def test_template_paragraph_lines_past_65535():
    """libxml2 keeps 16 bits of a line and marks a line past them: there the compiled
    reading asks lxml's ``sourceline``, and gets what the reference gets."""
    block = "<div class='cli-text'><p>Paragraph {0} of the body.</p></div>"
    page = ("<html><body><section class='entry__content-list'>" + block.format(1)
            + "\n" * 70_000 + block.format(2) + "\n" + block.format(3) + "</section></body></html>")
    index = dom.Index(_root(page))
    _, classes = _index_lists(dom.index_elements_pure, index.root)  # the full index's blocks
    args = (classes["cli-text"], index.cls("entry__content-list", "section"))
    texts, lines = compiled.template_texts(*args)
    assert (texts, lines) == html_body.template_texts_pure(*args)
    assert lines[0] == 1 and lines[1] >= 65_535 and texts[1] == "Paragraph 2 of the body."
    assert compiled.template_texts_in(index.root, args[1]) == (texts, lines)


def test_image_order_on_one_line_and_past_line_65535():
    figure = "<figure><img src='/{0}.jpg'><figcaption>Caption {0}</figcaption></figure>"
    count = DEFAULT_MAX_IMAGES + 5
    one_line = "<html><body>" + "".join(figure.format(i) for i in range(count)) + "</body></html>"
    images = _images(one_line)
    assert [i.src for i in images] == [f"/{n}.jpg" for n in range(DEFAULT_MAX_IMAGES + 1)]  # the limit + 1
    blank = "\n" * 70_000
    far = ("<html><body>" + figure.format(1) + blank + figure.format(2) + "\n" + figure.format(3)
           + blank + "<div class='image'><img src='/4.jpg' alt='Four'></div>\n" + figure.format(5) + "</body></html>")
    images = _images(far)
    assert [i.src for i in images] == [f"/{n}.jpg" for n in range(1, 6)]
    # Many blocks on their own lines, many skipped elements (the sorts past a handful).
    many = "<html><body>\n" + "\n".join(
        f"<div>{figure.format(i)}</div><div class='image'><img src='/b{i}.jpg' alt='b'><p>by {i}</p></div>"
        for i in range(60)) + "\n</body></html>"
    root = _root(many)
    index = dom.Index(root)
    skip = tuple(root.iter("p"))[::2] + tuple(root.iter("figure"))[::3]  # 30 blocks, 20 figures
    for scope in (None, root.find("body")):
        pure = html_images.image_containers_pure(index, scope, lead="/b3.jpg", skip=skip)
        assert len(pure) == 70
        assert _same_elements(pure, html_images.read_containers(READER, index, scope, lead="/b3.jpg", skip=skip))


_CLASSES = st.sampled_from(["image", "headline", "cli-text", "entry__content-list", "byline",
                            "image__credit", "image__caption", "caption", "photo-credit", "dek",
                            "image headline", " author  date ", "x\u00a0image", "entry__body", ""])
_TAG_NAMES = st.sampled_from(["div", "p", "span", "a", "b", "section", "figure", "img",
                              "figcaption", "h1", "article", "script", "title", "meta", "li",
                              "nav", "aside", "picture"])
_WORDS_LIST = ["HuffPost", "HuffPost Australia", "This article exists as part of the "
                          "online archive for HuffPost Canada, which closed in 2021.", "Reuters",
                          "via AP", "  spaced  ", "tab\there", "line\nbreak", "caf\u00e9",
                          "\u2003em", "plain words", "(AP Photo/Someone)", ""]
_WORDS = st.sampled_from(_WORDS_LIST)


@st.composite
def _page(draw, depth=0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 2 if depth < 5 else 0))
        if kind == 0:
            parts.append(draw(_WORDS).replace("&", "&amp;").replace("<", "&lt;"))
        else:
            tag, cls = draw(_TAG_NAMES), draw(_CLASSES)
            attrs = f' class="{cls}"' if draw(st.booleans()) else ""
            if draw(st.integers(0, 4)) == 0:
                attrs += draw(st.sampled_from([' itemprop="author"', " itemprop", ' itemprop=""',
                                               ' ITEMPROP="name"', ' data-itemprop="x"']))
            if tag == "img":
                parts.append(f'<img{attrs} src="/p{draw(st.integers(0, 9))}.jpg" alt="{draw(_WORDS)}">')
            else:
                parts.append(f"<{tag}{attrs}>{draw(_page(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_page())
def test_walks_equal_on_generated_pages(fragment):
    assert_walks_equal(_root(f"<html><body>{fragment}</body></html>"), fragment)


_DENSITY_TAGS = st.sampled_from(["div", "p", "span", "a", "a", "br", "li", "ul", "td", "pre", "nav",
                                  "article", "main", "section", "h2", "script", "figure", "b"])
_DENSITY_ATTRS = st.sampled_from([
    "", ' class="sidebar"', ' class="main sidebar"', ' id="share-tools"', ' class="storyBody"',
    ' class="adWrapper"', ' role="navigation"', ' role="main"', " hidden", ' aria-hidden="true"',
    ' aria-hidden="false"', ' style="display: none"', ' style="Visibility : Hidden"',
    ' style="color: none-ish"', ' class="related" id="story"', ' id="comments"'])


@st.composite
def _density_page(draw, depth=0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 2 if depth < 5 else 0)) == 0:
            parts.append(draw(_WORDS).replace("&", "&amp;").replace("<", "&lt;")
                         + draw(st.sampled_from(["", ", and more, words, here", " " * 30 + "x" * 40])))
        else:
            tag, attrs = draw(_DENSITY_TAGS), draw(_DENSITY_ATTRS)
            parts.append(f"<br{attrs}>" if tag == "br" else f"<{tag}{attrs}>{draw(_density_page(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_density_page())
def test_density_walks_equal_on_generated_pages(fragment):
    root = _root(f"<html><body>{fragment}</body></html>")
    assert_density_walks_equal(root, list(root.iter()), fragment)


_HREFS = st.one_of(st.text(st.sampled_from("./?\njpegpngifwbavJPEGıİ#x"), max_size=12),
                   st.sampled_from(["/a.jpg", "/a.JPEG?x", "/a.jpg\n", "/a.webp#", "", "/a.jpgx"]))
_IMAGE_CLASSES = st.one_of(
    st.text(st.sampled_from("aBcCrdeitSoupnLgmI0 -_\t\u0130\u212a"), max_size=16),
    st.sampled_from(["image__credit", "photoCredit", "imageCaption", "CREDIT", "Caption2",
                     "photo-credit-line", "source", "legend", "desc", "image", "x\u00a0credit"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_IMAGE_CLASSES, _IMAGE_CLASSES, _HREFS, st.sampled_from(_WORDS_LIST)),
                min_size=1, max_size=4))
def test_images_equal_on_generated_classes_and_links(blocks):
    body = "".join(
        f"<a href='{href.replace(chr(39), '')}'><figure class='{outer}'><img src='/{n}.jpg' alt='{words}'>"
        f"<div class='{inner}'>{words}</div><span class='{outer}'>{words} / Reuters</span></figure></a>"
        for n, (outer, inner, href, words) in enumerate(blocks))
    _images(f"<html><body><article class='entry__content'>{body}</article><p>{body}</p></body></html>")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=8))
def test_text_checks_equal_on_arbitrary_texts(texts):
    assert_text_checks_equal(texts, texts)


_ASCII_TEXT = st.text(st.sampled_from("ab .\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x01\x7f"), max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ASCII_TEXT, max_size=6))
def test_text_checks_equal_on_ascii_white_space_and_controls(texts):
    assert_text_checks_equal(texts, texts)
    assert compiled.clean(None) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("  a\x00\xa0 \x7f\xff"), max_size=70), max_size=5))
def test_space_counts_equal_on_long_texts(texts):
    """Texts of every short length (the vector loop's tail), ASCII or not."""
    assert compiled.count_spaces(texts) == assemble.count_spaces_pure(texts)


@pytest.mark.parametrize("size", [254, 255, 256, 509, 510, 511, 765, 4096, 100_003])
def test_space_and_control_counts_past_a_byte_wide_run(size):
    """The counts are byte-wide over 255 bytes at a time: all spaces (or all controls)
    at the sizes where a run would overflow, and across run boundaries."""
    from archivekit.extract.decode import control_bytes_pure

    assert compiled.count_spaces([" " * size, "a " * size]) == 2 * size
    for fill in (b"\x01", b"\x1f", b"\t", b" "):
        assert compiled.control_bytes(fill * size) == control_bytes_pure(fill * size)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1200))
def test_control_byte_counts_equal(data):
    from archivekit.extract.decode import control_bytes_pure

    assert compiled.control_bytes(data) == control_bytes_pure(data)
    assert compiled.control_bytes(bytearray(data)) == control_bytes_pure(data)


# Where UTF-8's well-formed sequences begin and end (Unicode's table 3-7): every lead
# byte beside the continuation bytes at the edges of its ranges, cut short or not.
_UTF8_EDGES = [bytes([lead, *rest]) for lead in (0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                                 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3,
                                                 0xF4, 0xF5, 0xFF)
               for rest in ([], [0x7F], [0x80], [0x8F], [0x90], [0x9F], [0xA0], [0xBF], [0xC0],
                            [0x80, 0x80], [0x9F, 0xBF], [0xA0, 0x80], [0x80, 0x80, 0x80],
                            [0x8F, 0xBF, 0xBF], [0x90, 0x80, 0x80], [0xBF, 0xBF, 0xBF],
                            [0x80, 0x41], [0x80, 0x80, 0x41])]


@given(st.lists(st.one_of(st.sampled_from(_UTF8_EDGES), st.binary(max_size=40),
                          st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                max_size=12))
def test_utf8_validity_is_the_decoders(pieces):
    """The compiled UTF-8 check says yes exactly where bytes.decode("utf-8") succeeds:
    edge sequences of every length, surrogates, arbitrary bytes, at every alignment of
    its eight-byte ASCII steps."""
    from archivekit.extract.decode import utf8_valid_pure

    data = b"".join(pieces)
    for prefix in (b"", b"a", b"abcdefg", b"abcdefgh" * 3):
        assert compiled.utf8_valid(prefix + data) == utf8_valid_pure(prefix + data), prefix + data


def test_utf8_validity_is_the_decoders_on_every_edge_sequence_and_page():
    from archivekit.extract.decode import utf8_valid_pure

    for edge in _UTF8_EDGES:
        for data in (edge, b"x" * 7 + edge, edge + b"x" * 9, b"\xc3\xa9" + edge):
            assert compiled.utf8_valid(data) == utf8_valid_pure(data), data
    pages = [p.read_bytes() for p in sorted(FIXTURES.rglob("*")) if p.is_file()]
    try:
        pages += [p.read_bytes() for p in corpus_pages()]
    except pytest.skip.Exception:
        pass
    assert sum(compiled.utf8_valid(p) == utf8_valid_pure(p) for p in pages) == len(pages)


# --- whole records, both paths, real subprocesses ---------------------------------------
DUMP = """
import json, sys
from archivekit.checker import Checker, fingerprint_document
from archivekit.sources import read_file
from archivekit import speedups
checker = Checker(keep_record=True)
out = {"which": speedups.WHICH.split()[0], "pages": {}}
for path in sys.argv[1:]:
    result = checker.check(read_file(path))
    fingerprint = fingerprint_document(read_file(path), checker)
    out["pages"][path] = {"record": result.record, "findings": [repr(f) for f in result.findings],
                          "fingerprint": repr(fingerprint)}
print(json.dumps(out, sort_keys=True, default=repr))
"""


def _dump(paths: list[Path], **env) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVEKIT_")}
    full.update(env, PYTHONPATH=str(PACKAGE_ROOT))
    proc = subprocess.run([sys.executable, "-c", DUMP, *map(str, paths)], capture_output=True,
                          text=True, cwd=PACKAGE_ROOT, env=full, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _assert_both_paths_equal(paths: list[Path]) -> None:
    pure = _dump(paths, ARCHIVEKIT_PURE="1")
    fast = _dump(paths, ARCHIVEKIT_COMPILED="1")
    assert (pure["which"], fast["which"]) == ("pure", "compiled")
    assert pure["pages"].keys() == fast["pages"].keys()
    for path in pure["pages"]:
        assert pure["pages"][path] == fast["pages"][path], path


def test_records_findings_and_fingerprints_equal_on_fixture_pages():
    _assert_both_paths_equal(_fixture_pages())


def test_records_findings_and_fingerprints_equal_on_real_pages():
    _assert_both_paths_equal(corpus_pages())


def test_records_findings_and_fingerprints_equal_on_synthetic_pages(tmp_path):
    paths = []
    for index, page in enumerate(_synthetic_pages(20)):
        paths.append(tmp_path / f"page-{index}.html")
        paths[-1].write_bytes(page)
    _assert_both_paths_equal(paths)


def test_remembered_matches_stay_in_their_process():
    """The banner/notice matches a checker remembers (re.Match objects, which do not
    pickle) are left out when its profiles go to pool workers or Spark tasks."""
    import pickle

    from archivekit.sources import read_file

    checker = Checker()
    for path in _fixture_pages()[:8]:
        checker.check(read_file(str(path)))
    assert checker.profiles.remembered
    copy = pickle.loads(pickle.dumps(checker.profiles))
    assert copy == checker.profiles and copy.remembered == {}
    assert copy.publishers == checker.profiles.publishers
    assert copy.banner_patterns == checker.profiles.banner_patterns
    url = "https://www.huffingtonpost.ca/entry/x_1"
    assert copy.by_url(url) is not None and copy.by_url(url).id == checker.profiles.by_url(url).id
    assert [p.id for _, p in copy.url_tests] == [p.id for _, p in checker.profiles.url_tests]


def test_more_publishers_than_the_c_walk_takes_use_the_xpath(tmp_path):
    """A user's profile set naming over 64 publishers: candidates still found (XPath)."""
    from archivekit.profiles import load_profiles

    base = json.loads(next((ROOT / "archivekit" / "profiles").glob("huffpost-au.json")).read_text())
    for index in range(html_parts.MAX_COMPILED_PUBLISHERS + 1):
        data = {**base, "id": f"outlet-{index}", "edition": f"Outlet {index}",
                "publisher": f"Outlet{index}", "url_patterns": [f"^https://outlet{index}\\\\.example/"]}
        (tmp_path / f"outlet-{index}.json").write_text(json.dumps(data))
    profiles = load_profiles(str(tmp_path))
    assert len(profiles.publishers) > html_parts.MAX_COMPILED_PUBLISHERS
    root = _root("<html><body><div><p>Read at <b>Outlet7</b> today.</p></div></body></html>")
    assert [el.tag for el in html_parts.publisher_holders(root, profiles)] == ["p"]


_URL_PATTERNS = [r"^https?://(?:www\.)?huffpost\.com/archive/au/", r"^a|b", r"^(?:a|b)c",
                 r"x^", r"(?m)^a", r"\Ahttp", r"huffpost\.com/", r"^$", r"^(a)?b"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_URL_PATTERNS),
       st.text(st.sampled_from("abcx\n:/.hptsuw"), max_size=30) | st.sampled_from(
           ["https://www.huffpost.com/archive/au/entry/x", "/tmp/page.html", "b", "\nab"]))
def test_url_patterns_answer_as_search_does(pattern, url):
    """A profile's anchored URL pattern is tried with match(), others with search():
    the same answer either way."""
    import re

    from archivekit.profiles import _url_test

    compiled_pattern = re.compile(pattern)
    assert bool(_url_test(compiled_pattern)(url)) == bool(compiled_pattern.search(url))


_CONTAIN_CHARS = st.sampled_from("ab \n\xe9\xff\u0100\u4e2d\U0001f600")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(_CONTAIN_CHARS, max_size=12)), max_size=6),
       st.text(_CONTAIN_CHARS, max_size=5), st.data())
def test_texts_containing_is_a_search_of_the_texts_joined(texts, needle, data):
    joined = "\n".join([t for t in texts if t])
    if joined and data.draw(st.booleans()):  # often a needle that is there
        start = data.draw(st.integers(0, len(joined) - 1))
        needle = joined[start:start + data.draw(st.integers(0, 8))]
    other = data.draw(st.text(_CONTAIN_CHARS, max_size=3))
    for needles in ((needle,), (needle, other), (other, needle, needle), ()):
        expected = [n for n in needles if n in joined]
        assert compiled.texts_containing(texts, needles) == expected
        assert html_body.texts_containing_pure(texts, needles) == expected


def test_texts_containing_on_a_body_sized_text():
    texts = ["word " * 90 + "end."] * 82
    banner = "This page is part of an archive of the Example Edition, which closed in 2021."
    notice = "The Example Edition closed in 2021."
    assert compiled.texts_containing(texts, (banner, notice)) == []
    repeated = texts[:40] + [f"x {notice} y"] + texts[40:]
    assert compiled.texts_containing(repeated, (banner, notice)) == [notice]
    assert compiled.texts_containing(texts, ("end.\nword",)) == ["end.\nword"]  # across two
    assert compiled.texts_containing([], ("",)) == [""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(_CONTAIN_CHARS, max_size=10)), max_size=6))
def test_joined_ascii_is_the_join_encoded(texts):
    assert compiled.joined_ascii(texts) == assemble.joined_ascii_pure(texts)


@pytest.mark.parametrize("texts", [[], [None, ""], ["a"], ["", "a", None, "b"], ["AP", "x" * 5000],
                                   ["caf\xe9"], ["a", "\u4e2d"]])
def test_joined_ascii_edges(texts):
    assert compiled.joined_ascii(texts) == assemble.joined_ascii_pure(texts)


def test_agencies_found_the_same_in_ascii_and_other_texts():
    for texts in (["By Jane Roe, Reuters", "AAP and the Associated Press said"],
                  ["Photo: Reuters_x", "xReuters", "Reuters."], ["Caf\xe9 owner told Reuters"],
                  ["Australian Associated Press", "(AP)"]):
        fast = assemble.find_agencies(texts, PROFILES)
        slow = assemble.find_agencies(texts, PROFILES, assemble._AgencyMatcher(PROFILES.agencies, fast=False))
        assert fast == slow, texts


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=6), st.data())
def test_the_rare_byte_search_is_a_substring_test(hay, needle, data):
    if hay and data.draw(st.booleans()):
        start = data.draw(st.integers(0, len(hay) - 1))
        needle = hay[start:start + data.draw(st.integers(0, 12))]
    assert compiled._dom.find_in(hay, needle) == (needle in hay)


@pytest.mark.parametrize("hay, needle", [
    (b"x" * 5000 + b"HuffPost", b"HuffPost"), (b"P" * 20000, b"PPPQ"), (b"P" * 20000 + b"Q", b"PPPQ"),
    (b"ab" * 30000 + b"abc", b"abc"), (b"q" * 9 + b"qz", b"qz"), (b"", b""), (b"a", b"ab"), (b"zq", b"q"),
])
def test_the_rare_byte_search_on_repeats_and_edges(hay, needle):
    """Many hits of the rare byte hand over to memmem; the answer is the same."""
    assert compiled._dom.find_in(hay, needle) == (needle in hay)


def test_the_image_record_is_what_the_compiled_reader_fills_in():
    """ImageReader.images sets an Image's four fields without calling its __init__: the
    dataclass must stay those four fields and nothing run on construction."""
    import dataclasses

    assert [f.name for f in dataclasses.fields(html_images.Image)] == ["src", "caption", "credit", "line"]
    assert not hasattr(html_images.Image, "__post_init__")
    split = functools.partial(html_images.split_caption, profiles=PROFILES)
    page = ("<html><body><figure><img src='/a.jpg' alt='Alt text'>"
            "<span class='image__credit'>one two three four five six seven eight nine ten</span>"
            "</figure><figure><img src='/b.jpg'><span class='credit'>Jo Bloggs / Reuters</span>"
            "</figure><figure><img src='/c.jpg'><figcaption>A long caption of the scene here. "
            "(AP Photo/Jo Bloggs)</figcaption></figure></body></html>")
    figures = list(_root(page).iter("figure"))
    fast = READER.images(figures, None, None, 50, split, html_images.Image, html_images._is_lead)
    assert fast == html_images.images_in_pure(figures, PROFILES)
    assert [i.credit for i in fast] == [None, "Jo Bloggs / Reuters", "(AP Photo/Jo Bloggs)"]


_CREDITS = st.one_of(st.none(), st.sampled_from(["Jo Bloggs / Reuters", "AP", "", "Getty Images",
                                                 "Ana Ruiz via AFP", "café/EPA"]), st.text(max_size=12))
_IMAGES = st.lists(st.builds(assemble.Image, src=st.one_of(st.none(), st.text(max_size=8)),
                             caption=st.one_of(st.none(), st.text(max_size=12)), credit=_CREDITS,
                             line=st.one_of(st.none(), st.integers(1, 100_000))), max_size=12)


@given(_IMAGES, st.dictionaries(st.sampled_from(["/banner", "/images/1", "/body"]),
                                st.integers(1, 99), max_size=3))
def test_image_records_equal(images, lines):
    """The record's images: the same objects, the same credit lookups in the same order
    (each credit once a page), the same lines in the same order."""
    def recording(calls):
        def agencies_of(credit, profiles):
            calls.append(credit)
            return assemble._credit_agency(credit, profiles)
        return agencies_of

    calls_pure, calls_fast = [], []
    lines_pure, lines_fast = dict(lines), dict(lines)
    pure = assemble.image_records_pure(images, recording(calls_pure), PROFILES, lines_pure)
    fast = compiled.image_records(images, recording(calls_fast), PROFILES, lines_fast)
    assert fast == pure and [list(r) for r in fast] == [list(r) for r in pure]
    assert calls_fast == calls_pure and len(set(calls_pure)) == len(calls_pure)
    assert list(lines_fast.items()) == list(lines_pure.items())
    # With the answers remembered for some credits: those are not asked again.
    remembered = {("credit", credit): ["Remembered Agency"] for credit in calls_pure[::2]}
    remembered[("banner", "x")] = None
    calls_pure, calls_fast = [], []
    pure = assemble.image_records_pure(images, recording(calls_pure), PROFILES, {}, remembered)
    fast = compiled.image_records(images, recording(calls_fast), PROFILES, {}, remembered)
    assert fast == pure and calls_fast == calls_pure
    assert not {("credit", credit) for credit in calls_pure} & set(remembered)


def test_image_records_past_the_remembered_pointers():
    images = [assemble.Image(src=str(i), line=i + 1) for i in range(4100)]
    lines_pure, lines_fast = {}, {}
    assemble.image_records_pure(images, assemble._credit_agency, PROFILES, lines_pure)
    compiled.image_records(images, assemble._credit_agency, PROFILES, lines_fast)
    assert list(lines_fast.items()) == list(lines_pure.items())
    assert lines_fast["/images/4099"] == 4100


class _Mapping(dict):
    """A dict subclass (records read back from JSON by another library may be one)."""


@given(st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={"caption": st.one_of(st.none(), st.text(max_size=6)),
                                        "credit": st.one_of(st.none(), st.text(max_size=6)),
                                        "src": st.text(max_size=4)}),
    st.fixed_dictionaries({"caption": st.text(max_size=6)}).map(_Mapping)), max_size=6))
def test_captions_and_credits_equal(images):
    fast = compiled.captions_and_credits(images)
    assert fast == digests.captions_and_credits_pure(images)
    assert [list(i) for i in fast] == [["caption", "credit"]] * len(images)
