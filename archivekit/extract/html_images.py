"""The article's images in an HTML page, each with its caption and credit line.

Only the article's images count: those inside the article element (the template's,
``<article>``, the container the body came from) and its lead image (the one Open
Graph or JSON-LD names). Furniture is left out by structure: images in navigation,
asides, footers and forms, thumbnails that link to other pages, list tiles, icons and
avatars, and the byline's headshot.

Captions and credits are told apart by content and position as well as class: a
credit line names a source or an agency ("Name / Reuters", "X via Getty Images",
"Photo: AFP"); a caption describes. A credit at the end of a caption is split off.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from lxml import etree

from archivekit import speedups
from archivekit.extract.assemble import Image, clean, find_agencies
from archivekit.extract.dom import Index, doc_order, joined_text, text
from archivekit.limits import DEFAULT_MAX_IMAGES
from archivekit.profiles import ProfileSet

_FURNITURE_TAGS = ("nav", "aside", "footer", "form", "menu", "button", "noscript")
_FURNITURE = frozenset(_FURNITURE_TAGS)
_CREDIT_WORDS = frozenset({"credit", "credits", "copyright", "photographer", "attribution",
                           "source", "byline"})
_CAPTION_WORDS = frozenset({"caption", "legend", "description", "desc"})
# Credit forms: "Name / Agency", "X via Agency", "(AP Photo/Name)", "Photo: AFP", "© Name".
_CREDIT_FORM = re.compile(
    r"\bvia\b|[^\W\d_]\s?/\s?[^\W\d_]|\s\|\s|^\(?(?:AP |AAP |CP )?Photo\b|^\(.*\)$|^(?:Credit|Photo|Image|"
    r"Picture|Photograph|Foto|Crédit|Source)s?\s*:|^©|\bImages?$|\bPress$|\bPhoto$|^Supplied$|"
    r"^Handout$|^Getty\b", re.I)
_TRAILING_CREDIT = re.compile(
    r"(?:\s+|^)(?P<credit>\((?:[^()]*/[^()]*|[^()]*\bvia\b[^()]*|(?:AP|AFP|AAP|CP|EPA|PA)"
    r"(?: Photo)?[^()]*)\)|(?:Credit|Photo|Image|Crédit|Foto)s?\s*:\s*[^.]{2,80}|"
    r"[A-Z][^.()]{1,60}/(?:Getty Images|Reuters|AFP|AP|EPA)[^.()]{0,40}|"
    r"REUTERS/[^.()]{2,60})\s*$")
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", re.I)


def looks_like_credit(value: str | None, profiles: ProfileSet) -> bool:
    """A short line in a credit form, or naming an agency and little else."""
    if not value or len(value) > 120:
        return False
    if _CREDIT_FORM.search(value):
        return len(value.split()) <= 12
    return len(value) <= 60 and bool(find_agencies([value], profiles)) and \
        not value.rstrip().endswith(".")


def split_caption(caption: str | None, credit: str | None, profiles: ProfileSet):
    """Caption and credit told apart by content: a caption that is a credit line moves
    to the credit; a credit at the caption's end is split off."""
    if caption and credit is None:
        m = _TRAILING_CREDIT.search(caption)
        if m and len(caption[: m.start()].split()) >= 3:
            return clean(caption[: m.start()]), clean(m.group("credit"))
        if looks_like_credit(caption, profiles) and len(caption.split()) <= 8:
            return None, caption
    if credit and caption is None and len(credit.split()) > 8 \
            and not looks_like_credit(credit, profiles):
        return credit, None
    return caption, credit


def template_scope(index: Index):
    """The HuffPost 2018 template's article, when the page has one."""
    return next((a for a in index.tag("article") if "entry__content" in (a.get("class") or "").split()),
                None)


def find_images(index: Index, scope, profiles: ProfileSet, *, lead: str | None = None,
                skip: tuple = (), blocks: list | None = None, loose: bool = True) -> list[Image]:
    """The article's images in document order (at most one past the image limit:
    enough for extract() to report it). ``scope`` is the article element (``None``:
    the page); ``lead`` the lead image's URL; ``skip`` elements whose images are not
    the article's (the byline). ``blocks``, when given, receives the containers of the
    images returned."""
    return images_in(image_containers(index, scope, lead=lead, skip=skip, loose=loose),
                     profiles, lead=lead, blocks=blocks)


def images_in_pure(containers: list, profiles: ProfileSet, *, lead: str | None = None,
                   blocks: list | None = None) -> list[Image]:
    """The images of ``containers`` (see :func:`find_images`): the reference for the
    compiled reader's ``images``."""
    out: list[Image] = []
    for container in containers:
        image = image_in_pure(container, profiles)
        if image is None or (image.caption is None and image.credit is None
                             and container.tag != "figure" and not _is_lead(image.src, lead)):
            continue
        out.append(image)
        if blocks is not None:
            blocks.append(container)
        if len(out) > DEFAULT_MAX_IMAGES:
            break
    return out


def _images_in_compiled(containers: list, profiles: ProfileSet, *, lead: str | None = None,
                        blocks: list | None = None) -> list[Image]:
    return _READER.images(containers, lead, blocks, DEFAULT_MAX_IMAGES,
                          partial(split_caption, profiles=profiles), Image, _is_lead)


def image_containers_pure(index: Index, scope, *, lead: str | None = None, skip: tuple = (),
                          loose: bool = True) -> list:
    """Figures, image blocks and (with ``loose``) blocks around a loose ``<img>`` that
    are the article's, in document order (the reference for the compiled reader)."""
    # The skipped elements and their ancestors, as id -> element (the dict keeps each
    # lxml proxy alive, so its id stays its own): a container among the ancestors
    # holds the byline.
    skipped = {id(el): el for el in skip if el is not None}
    candidates = index.tag("figure") + index.cls("image", "div")
    if loose:
        candidates += _loose_images(index, scope, lead, {id(c) for c in candidates})
    return article_images_pure(doc_order(candidates), scope, skipped, lead)


def read_containers(reader, index: Index, scope, *, lead: str | None = None, skip: tuple = (),
                    loose: bool = True) -> list:
    """``image_containers_pure`` through a compiled ``ImageReader`` (see ``image_reader``):
    the ordering, ancestor and furniture tests in one C pass."""
    figures, blocks = index.tag("figure"), index.classes.get("image", ())
    found = _loose_images(index, scope, lead, {id(c) for c in figures + index.cls("image", "div")}) \
        if loose else ()
    return reader.article_images(figures, blocks, found, scope, [el for el in skip if el is not None],
                                 lead, _article_image_tail)


def article_images_pure(containers: list, scope, skipped: dict, lead: str | None) -> list:
    """The containers that are the article's (the reference for the compiled walk)."""
    holding = {id(a): a for el in skipped.values() for a in el.iterancestors()}
    return [c for c in containers if id(c) not in holding and _article_image(c, scope, skipped, lead)]


def _href_is_image(href: str | None) -> bool:
    """A link around an image that leads to the image file (not to another page)."""
    return bool(_IMAGE_FILE.search(href or ".jpg"))


def _loose_images(index: Index, scope, lead: str | None, known: set[int]) -> list:
    """Blocks around ``<img>`` elements that no figure or image block holds: the
    highest ancestor (under the scope) holding that one image and little text."""
    root = scope if scope is not None else (index.body if index.body is not None else index.root)
    out = []
    for img in root.iter("img"):
        block = img
        held = False
        for ancestor in img.iterancestors():
            if id(ancestor) in known or ancestor.tag == "figure":
                held = True
                break
            if ancestor is root or ancestor.tag in ("p", "body", "li", "td", "a"):
                break
            if len(ancestor.findall(".//img")) > 1 or \
                    len(clean(joined_text(ancestor)) or "") > 400:
                break
            block = ancestor
        if not held and block is not img:
            out.append(block)
        elif not held and _is_lead(img.get("src"), lead):
            out.append(img)
    return out


def _is_lead(src: str | None, lead: str | None) -> bool:
    if not src or not lead:
        return False
    return src.split("?")[0].rsplit("/", 1)[-1] == lead.split("?")[0].rsplit("/", 1)[-1]


def _article_image(container, scope, skipped: dict, lead: str | None) -> bool:
    """Inside ``scope`` (when given; the lead image may stand outside it), and not
    furniture: one walk up the ancestors answers both."""
    in_scope = scope is None
    is_block = container.tag != "figure"
    if container.tag in _FURNITURE or id(container) in skipped:
        return False  # furniture, or the byline's block with its headshot
    for ancestor in container.iterancestors():
        tag = ancestor.tag
        if tag in _FURNITURE or (is_block and tag == "figure") or id(ancestor) in skipped:
            return False
        if tag == "a" and not _href_is_image(ancestor.get("href")):
            return False  # a thumbnail linking to another page
        if tag == "li" and not in_scope:
            return False  # a tile in a list of stories
        if ancestor is scope:
            in_scope = True
    return _article_image_tail(container, in_scope, lead)


def _article_image_tail(container, in_scope: bool, lead: str | None) -> bool:
    """After the ancestors: outside the scope only the lead image counts; a figure or
    image block is the article's; any other block unless it is decoration."""
    if not in_scope:
        img = container if container.tag == "img" else container.find(".//img")
        return img is not None and _is_lead(img.get("src"), lead)
    # Figures and the templates' image blocks are the article's by their markup.
    if container.tag == "figure" or "image" in (container.get("class") or "").split():
        return True
    return not _decoration(container)


def _decoration(container) -> bool:
    """An icon, avatar or tracking pixel: a lone image declared 100 pixels or less."""
    img = container if container.tag == "img" else container.find(".//img")
    if img is None:
        return False
    for attr in ("width", "height"):
        value = (img.get(attr) or "").removesuffix("px")
        if value.isdigit() and int(value) <= 100:
            return True
    return (img.get("src") or "").startswith("data:") and not img.get("alt")


def image_in_pure(container, profiles: ProfileSet) -> Image | None:
    """The image, credit and caption inside a figure or image block (one small walk;
    the reference for the compiled reader)."""
    img, credit_el, caption_el = _marked_pure(container)
    credit = text(credit_el) if credit_el is not None else None
    caption = _caption_text(caption_el, credit_el) if caption_el is not None else None
    if caption is None and img is not None and container.tag not in ("img", "figure") \
            and "image" not in (container.get("class") or "").split():
        # A block without caption markup: its other text is the caption.
        caption = _caption_text(container, credit_el) if credit_el is not None \
            else text(container)
    caption, credit = split_caption(caption, credit, profiles)
    if caption is None and img is not None:
        caption = clean(img.get("alt"))
    if img is None and credit is None and caption is None:
        return None
    src = (img.get("src") or img.get("data-src")) if img is not None else None
    return Image(src=clean(src), caption=caption, credit=credit, line=container.sourceline)


def read_image(reader, container, profiles: ProfileSet) -> Image | None:
    """``image_in_pure`` through a compiled ``ImageReader``: the walk, the texts and the
    attributes in C; the caption split here."""
    found = reader.parts(container)
    if found is None:
        return None
    src, caption, credit, alt, line = found
    if (caption is None) != (credit is None):  # split_caption leaves two (or none) as they are
        caption, credit = split_caption(caption, credit, profiles)
    return Image(src=src, caption=alt if caption is None else caption, credit=credit, line=line)


def _marked_pure(container) -> tuple:
    """The first ``<img>``, the first credit-classed element and the first caption-
    classed one (or ``figcaption``) inside ``container``."""
    if container.tag == "img":
        return container, None, None
    img = credit_el = caption_el = None
    walk = container.iter(etree.Element)
    next(walk)  # the container itself
    for el in walk:
        tag = el.tag
        if tag == "img" and img is None:
            img = el
        cls = el.get("class")
        role = _role(cls) if cls else 0
        if role == 1:
            credit_el = credit_el if credit_el is not None else el
        elif caption_el is None and (role == 2 or tag == "figcaption"):
            caption_el = el
    return img, credit_el, caption_el


@lru_cache(maxsize=4096)
def _role(cls: str) -> int:
    """1: a credit's class ("image__credit", "photo-source"); 2: a caption's; else 0."""
    words = set(re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls).lower()))
    return 1 if words & _CREDIT_WORDS else 2 if words & _CAPTION_WORDS else 0


def image_reader(core):
    """The compiled core's ``ImageReader`` with this module's word lists and its Python
    tests for classes and links that are not ASCII."""
    return core.ImageReader(sorted(_CREDIT_WORDS), sorted(_CAPTION_WORDS), _FURNITURE_TAGS,
                            _role, _href_is_image)


_READER = None if speedups.COMPILED is None else image_reader(speedups.COMPILED)
image_in = image_in_pure if _READER is None else partial(read_image, _READER)
image_containers = image_containers_pure if _READER is None else partial(read_containers, _READER)
images_in = images_in_pure if _READER is None else _images_in_compiled


def not_headshots(images: list[Image], authors: list[str]) -> list[Image]:
    """Images less the byline's headshots: an uncredited image captioned with an
    author's name."""
    names = {a.casefold() for a in authors}
    return [i for i in images if not (i.credit is None and i.caption and i.caption.casefold() in names)]


def _caption_text(caption_el, credit_el) -> str | None:
    """The caption's text, less a credit element inside it."""
    if credit_el is None or caption_el not in credit_el.iterancestors():
        return text(caption_el)
    credit = text(credit_el) or ""
    return clean((text(caption_el) or "").replace(credit, ""))
