"""Extract an article from a rendered-text dump (a page as a browser shows its text).

The shape, top to bottom: the archive banner, the headline (often twice), an
optional byline and date, body paragraphs, image blocks rendered from a lightbox
as caption / credit / caption / "Close", and the closing archive notice.
"""

from __future__ import annotations

import re

from archivekit.extract.assemble import (
    Image,
    Parts,
    clean,
    find_agencies,
    match_banner,
    match_footer,
)
from archivekit.extract.decode import Decoded
from archivekit.profiles import ProfileSet

CLOSE_WORDS = frozenset({"Close", "Fermer"})
_DATE_LINE = re.compile(
    r"^(?:Published|Posted|Updated|Publié|Publication|Mis à jour)\b[^0-9]*"
    r"(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?)",
    re.I)
_CREDIT_SHAPE = re.compile(r"\bvia\b|/|\s\|\s|^\(?Photo\b|^(?:Credit|Image|Picture)s?\s*:|^\(.*\)$|"
                           r"Images?$|Press$|^Supplied$", re.I)


def extract_text(decoded: Decoded, uri: str | None, profiles: ProfileSet) -> Parts:
    parts = Parts(encoding=decoded.encoding, encoding_clean=decoded.clean,
                  encoding_problem=decoded.problem)
    lines = _content_lines(decoded.text, profiles)

    # Banner and footer first: they frame the article wherever they stand.
    remaining: list[tuple[int, str]] = []
    for number, line in lines:
        if parts.banner is None and (m := match_banner(line, profiles)):
            parts.banner, parts.banner_line, parts.banner_order = m.group(0), number, number
        elif parts.footer is None and (m := match_footer(line, profiles)):
            parts.footer, parts.footer_line = m.group(0), number
        else:
            remaining.append((number, line))

    images, image_lines = _image_blocks(remaining, profiles)
    parts.images = images
    remaining = [(n, line) for n, line in remaining if n not in image_lines]

    if remaining:
        number, headline = remaining.pop(0)
        parts.headline, parts.headline_line, parts.headline_order = headline, number, number
        # A rendered page shows the title and the article heading: drop the repeat.
        if remaining and remaining[0][1] == headline:
            remaining.pop(0)

    prefixes = tuple(prefix for p in profiles.profiles for prefix in p.byline_prefixes)
    body: list[str] = []
    for number, line in remaining:
        if not body and line.startswith(prefixes) and len(line) < 120:
            byline = clean(line[len(next(p for p in prefixes if line.startswith(p))):])
            parts.authors.extend(a for a in re.split(r",\s*| and | et ", byline or "") if a)
            parts.authors_line = number
            continue
        if not body and parts.date_published is None and (m := _DATE_LINE.match(line)):
            parts.date_published, parts.date_line = m.group("date"), number
            continue
        if parts.body_line is None:
            parts.body_line = number
        body.append(line)
    parts.body = body
    first = lines[0][0] if lines else 1
    parts.where_missing = {"/banner": first, "/headline": first,
                           "/attribution": parts.headline_line or first,
                           "/date_published": parts.headline_line or first,
                           "/body": parts.headline_line or first,
                           "/footer": lines[-1][0] if lines else first}
    return parts


def _content_lines(text: str, profiles: ProfileSet) -> list[tuple[int, str]]:
    """Non-empty, cleaned lines with their 1-based numbers.

    A closing notice glued to the end of a line (as browsers copy it) is split off.
    """
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean(raw)
        if not line:
            continue
        footer = match_footer(line, profiles)
        if footer and footer.start() > 0:
            out.append((number, line[: footer.start()].strip()))
            line = line[footer.start():]
        out.append((number, line))
    return out


def _image_blocks(lines: list[tuple[int, str]], profiles: ProfileSet):
    """Find lightbox blocks ending in "Close" and return the images and their lines.

    caption / credit / caption / Close: a full block.
    caption / caption / Close: no credit.   credit / Close: no caption.
    """
    images: list[Image] = []
    used: set[int] = set()
    texts = [line for _, line in lines]
    for i, (number, line) in enumerate(lines):
        if line not in CLOSE_WORDS:
            continue
        used.add(number)
        before = texts[max(0, i - 3):i]
        numbers = [n for n, _ in lines[max(0, i - 3):i]]
        if len(before) == 3 and before[0] == before[2]:
            caption, credit, block = before[2], before[1], numbers
        elif len(before) >= 2 and before[-1] == before[-2]:
            caption, credit, block = before[-1], None, numbers[-2:]
        elif before and _looks_like_credit(before[-1], profiles):
            caption, credit, block = None, before[-1], numbers[-1:]
        elif before:
            caption, credit, block = before[-1], None, numbers[-1:]
        else:
            continue
        used.update(block)
        images.append(Image(caption=caption, credit=credit, line=block[0]))
    return images, used


def _looks_like_credit(line: str, profiles: ProfileSet) -> bool:
    return len(line) < 100 and (bool(_CREDIT_SHAPE.search(line))
                                or bool(find_agencies([line], profiles)))
