"""A profile's CSS selectors, applied over what the built-in rules found.

A part a selector finds replaces the built-in result; a selector that finds nothing
leaves it, so a profile refines the generic extraction and never loses a part.
"""

from __future__ import annotations

from archivekit.extract.assemble import Image, Parts, choose_profile, clean, match_banner
from archivekit.extract.dom import doc_order, text
from archivekit.extract.html_body import set_body
from archivekit.extract.html_images import image_in
from archivekit.extract.html_parts import byline_prefixes, clean_author, dedupe, set_headline
from archivekit.limits import DEFAULT_MAX_IMAGES
from archivekit.profiles import ProfileSet, compile_selector


def page_profile(parts: Parts, uri: str | None, profiles: ProfileSet, forced: str | None):
    """The profile assemble() will pick (forced, URL, banner), for its selectors."""
    banner = match_banner(parts.banner, profiles) if parts.banner and not forced else None
    return choose_profile(parts, uri, profiles, forced, banner.group("edition") if banner else None)


def apply_selectors(root, selectors: dict[str, str], parts: Parts, banner_el,
                    profiles: ProfileSet, image_containers) -> None:
    """``image_containers()`` gives the built-in image blocks, for caption and credit
    selectors without an image selector."""
    def select(name: str, scope=root) -> list:
        css = selectors.get(name)
        return compile_selector(css)(scope) if css else []

    if (found := [(el, t) for el in select("headline") if (t := text(el))]):
        set_headline(parts, found[0][1], found[0][0], banner_el)
    if (texts := [t for t in map(text, select("dek")) if t]):
        parts.dek = texts[0]
    if (els := select("authors")):
        parts.authors = dedupe(clean_author(text(el), byline_prefixes(profiles)) for el in els)
        parts.authors_line = els[0].sourceline
    if (els := select("date")):
        el = els[0]
        parts.date_published = clean(el.get("datetime") or el.get("content") or text(el))
        parts.date_line = el.sourceline
    if (els := select("body")):
        parts.body_line = None
        set_body(els, parts)
    containers = select("image")
    if containers or "image_caption" in selectors or "image_credit" in selectors:
        containers = doc_order(containers) if containers else image_containers()
        parts.images = [image for container in containers[:DEFAULT_MAX_IMAGES + 1]
                        if (image := _selected_image(container, select, profiles)) is not None]


def _selected_image(container, select, profiles: ProfileSet) -> Image | None:
    image = image_in(container, profiles) or Image(line=container.sourceline)
    if (captions := [t for t in map(text, select("image_caption", container)) if t]):
        image.caption = captions[0]
    if (credits := [t for t in map(text, select("image_credit", container)) if t]):
        image.credit = credits[0]
    return image if image.src or image.caption or image.credit else None
