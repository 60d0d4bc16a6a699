"""Build the record from the parts an extractor found.

Both extractors (HTML and rendered text) fill a :class:`Parts`; this module turns
it into the record the schema validates, picking the profile and deriving the facts
the schema asserts (banner matches the profile, banner before headline, published
before the edition closed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache

from archivekit import speedups
from archivekit.profiles import Profile, ProfileSet

try:
    import ahocorasick_rs
except ImportError:  # pragma: no cover - a dependency; the regex finds the same matches
    ahocorasick_rs = None
from archivekit.record import Extraction


def clean_pure(text: str | None) -> str | None:
    """NFC, collapsed white space; ``None`` for nothing left."""
    if text is None:
        return None
    if text.isascii():
        # Already clean (no control characters, so no white space but single spaces
        # inside): the common case, checked without building a new string.
        if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text or None
    elif not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # str.split() with no argument splits on every Unicode white space, as \s does.
    return " ".join(text.split()) or None


# The text cleaning every part goes through: the compiled one (same results) where built.
clean = speedups.choose("clean", clean_pure)


# White space other than the single space: what clean() would collapse. str.split()
# splits on every one of these; the ASCII ones are all an ASCII text can hold.
_ASCII_SPACE = ("\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


@cache
def _other_space() -> tuple[str, ...]:
    # Made on first use (a non-ASCII text): the scan of 12,000 code points is 4 ms of
    # every start-up otherwise.
    return tuple(chr(c) for c in range(128, 0x3001) if chr(c).isspace())


def clean_all(texts: list[str | None]) -> list[str | None]:
    """``[clean(t) for t in texts]``, with one check over all of them for the common case
    where nothing needs cleaning: each test runs once, at C speed, over the texts joined
    by single spaces. A leading, trailing or empty text then shows as a double space."""
    if None in texts or texts_need_cleaning(texts):
        return [clean(t) for t in texts]
    return list(texts)


def texts_need_cleaning_pure(texts: list[str]) -> bool:
    """Whether some of ``texts`` is not clean(): one test over them joined by single
    spaces (a leading, trailing or empty text shows as a double space)."""
    joined = " ".join(texts)
    ascii_only = joined.isascii()
    return bool(not joined or joined[0] == " " or joined[-1] == " " or "  " in joined
                or any(space in joined for space in _ASCII_SPACE)
                or (not ascii_only and (any(space in joined for space in _other_space())
                                        or not unicodedata.is_normalized("NFC", joined))))


def _texts_need_cleaning_compiled(texts: list[str]) -> bool:
    clean_ascii = speedups.COMPILED.texts_clean_ascii(texts)  # one C pass; None: not ASCII
    return texts_need_cleaning_pure(texts) if clean_ascii is None else not clean_ascii


texts_need_cleaning = (texts_need_cleaning_pure if speedups.COMPILED is None
                       else _texts_need_cleaning_compiled)


def count_spaces_pure(texts: list[str]) -> int:
    return sum(text.count(" ") for text in texts)


count_spaces = speedups.choose("count_spaces", count_spaces_pure)


@dataclass(slots=True)
class Image:
    src: str | None = None
    caption: str | None = None
    credit: str | None = None
    line: int | None = None


@dataclass(slots=True)
class Parts:
    """What an extractor located; positions are (line, order) for reporting and ordering."""

    encoding: str = "utf-8"
    encoding_clean: bool = True
    encoding_problem: str | None = None
    url: str | None = None
    url_line: int | None = None
    language: str | None = None
    banner: str | None = None
    banner_line: int | None = None
    banner_order: int | None = None
    headline: str | None = None
    headline_line: int | None = None
    headline_order: int | None = None
    dek: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_line: int | None = None
    wire_bylines: list[str] = field(default_factory=list)
    date_published: str | None = None
    date_line: int | None = None
    body: list[str] = field(default_factory=list)
    body_line: int | None = None
    images: list[Image] = field(default_factory=list)
    footer: str | None = None
    footer_line: int | None = None
    # Where to point a finding about a part that is not there (pointer -> line): the
    # place the part belongs, so an annotation lands beside it, not at the file's top.
    where_missing: dict[str, int] = field(default_factory=dict)


class _AgencyMatcher:
    """Finds agency aliases in text: leftmost match, the longest alias there (so
    "Australian Associated Press" wins over the "Associated Press" inside it),
    matches not overlapping; word boundaries are checked on the few matches after.

    ahocorasick-rs does the search (~4x faster than the regex on article-length text);
    without it, one regex alternation of the aliases, longest first, finds the same. An
    ASCII text (most) is searched as bytes, its offsets the same: ahocorasick-rs's str
    search pays for mapping UTF-8 offsets back to characters (~6x the bytes search).
    """

    def __init__(self, agencies: tuple[tuple[str, tuple[str, ...]], ...], fast: bool = True):
        self.names = {alias: (rank, name) for rank, (name, aliases) in enumerate(agencies)
                      for alias in aliases}
        self.aliases = sorted(self.names, key=len, reverse=True)
        self._automaton = self._bytes_automaton = self._regex = None
        if fast and ahocorasick_rs is not None and self.aliases:
            longest = ahocorasick_rs.MatchKind.LeftmostLongest
            self._automaton = ahocorasick_rs.AhoCorasick(self.aliases, matchkind=longest)
            # Non-ASCII aliases stay in: their UTF-8 bytes never match ASCII text.
            self._bytes_automaton = ahocorasick_rs.BytesAhoCorasick(
                [a.encode("utf-8", "surrogatepass") for a in self.aliases], matchkind=longest)
        else:
            self._regex = re.compile("|".join(re.escape(a) for a in self.aliases) or "(?!)")

    @property
    def searches_bytes(self) -> bool:
        return self._bytes_automaton is not None

    def byte_spans(self, data: bytes) -> list[tuple[str, int, int]]:
        """:meth:`spans` of an ASCII text given as its bytes (offsets the same)."""
        aliases = self.aliases
        return [(aliases[index], start, end)
                for index, start, end in self._bytes_automaton.find_matches_as_indexes(data)]

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(alias, start, end) of each match, in text order."""
        if self._automaton is not None:
            aliases = self.aliases
            found = self._bytes_automaton.find_matches_as_indexes(text.encode("ascii")) \
                if text.isascii() else self._automaton.find_matches_as_indexes(text)
            return [(aliases[index], start, end) for index, start, end in found]
        return [(m.group(0), m.start(), m.end()) for m in self._regex.finditer(text)]


@cache
def _agency_matcher(agencies: tuple[tuple[str, tuple[str, ...]], ...]) -> _AgencyMatcher:
    return _AgencyMatcher(agencies)


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def joined_ascii_pure(texts: list) -> bytes | None:
    """The texts joined by newlines as ASCII bytes; ``None`` when they are not ASCII."""
    text = "\n".join([t for t in texts if t])
    return text.encode("ascii") if text.isascii() else None


joined_ascii = speedups.choose("joined_ascii", joined_ascii_pure)
# The bytes of word characters (str.isalnum() or "_") among ASCII's.
_ASCII_WORD = frozenset(b for b in range(128) if _word_char(chr(b)))


def find_agencies(texts, profiles: ProfileSet, matcher: _AgencyMatcher | None = None) -> list[str]:
    """Agencies named (as whole words) in ``texts``, in catalogue order, each once."""
    matcher = matcher or _agency_matcher(profiles.agencies)
    data = joined_ascii(texts if type(texts) is list else list(texts)) \
        if matcher.searches_bytes else None
    if data is not None:  # ASCII (most texts): searched and bounded as bytes
        text, spans, word = data, matcher.byte_spans(data), _ASCII_WORD.__contains__
    else:
        text = "\n".join([t for t in texts if t])
        spans, word = matcher.spans(text), _word_char
    names = matcher.names
    found: dict[str, int] = {}
    end_of_text = len(text)
    for alias, start, end in spans:
        if (start and word(text[start - 1])) or (end < end_of_text and word(text[end])):
            continue
        rank, name = names[alias]
        found.setdefault(name, rank)
    return sorted(found, key=found.__getitem__)


# Agency codes that name an agency only as a whole byline or a whole part of a credit
# line ("AP", "Name/AFP"): in prose the two letters may be anything else.
_BARE_AGENCIES = {"AP": "Associated Press", "AFP": "Agence France-Presse", "EPA": "EPA",
                  "PA": "PA Images"}
_CREDIT_PARTS = re.compile(r"\s*(?:/|\||,|;|\bvia\b|:)\s*")


def bare_agencies(texts, profiles: ProfileSet) -> list[str]:
    """Agencies named by a bare code making up a byline or a part of a credit line."""
    known = profiles.agency_names
    found = []
    for value in texts:
        if value and len(value) < 80:
            for part in _CREDIT_PARTS.split(value.strip(" ()")):
                name = _BARE_AGENCIES.get(part.strip(" ()"))
                if name in known and name not in found:
                    found.append(name)
    return found


def _with_bare(found: list[str], texts, profiles: ProfileSet) -> list[str]:
    extra = [n for n in bare_agencies(texts, profiles) if n not in found]
    if not extra:
        return found
    rank = {name: i for i, (name, _) in enumerate(profiles.agencies)}
    return sorted(found + extra, key=rank.__getitem__)


def _credit_agency(credit: str | None, profiles: ProfileSet) -> list[str]:
    # Credit lines repeat across a collection ("Name / Reuters"): remember the answers.
    key = ("credit", credit)
    found = profiles.remembered.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = _remember(profiles, key, credit, _agencies_credited(credit, profiles))
    return found


def _agencies_credited(credit: str | None, profiles: ProfileSet) -> list[str]:
    return _with_bare(find_agencies([credit], profiles), [credit], profiles)


def match_banner(text: str, profiles: ProfileSet) -> re.Match[str] | None:
    return _match(profiles, "banner", text, profiles.banner_patterns)


def match_footer(text: str, profiles: ProfileSet) -> re.Match[str] | None:
    return _match(profiles, "footer", text, profiles.footer_patterns)


def _match(profiles: ProfileSet, kind: str, text: str, patterns) -> re.Match[str] | None:
    key = (kind, text)
    found = profiles.remembered.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = _remember(profiles, key, text, _first_match(text, patterns))
    return found


def _first_match(text: str, patterns) -> re.Match[str] | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found
    return None


# At most this many answers about texts of at most this many characters are remembered
# (a page's own long candidate texts are worked out, not kept).
_MAX_REMEMBERED, _MAX_REMEMBERED_CHARS = 4096, 1000


_UNKNOWN = object()


def _remember(profiles: ProfileSet, key: tuple, text: str | None, value):
    """``value``, the answer about ``text``, remembered per profile set under ``key`` (the
    callers look it up there first): the banner, the notice and the credit lines are the
    same few sentences across an edition's pages."""
    memo = profiles.remembered
    if len(text or "") <= _MAX_REMEMBERED_CHARS:
        if len(memo) >= _MAX_REMEMBERED:
            memo.clear()
        memo[key] = value
    return value


def parse_date(value: str | None) -> tuple[str | None, datetime | None]:
    """Normalise a publication date to RFC 3339; unparseable values are kept as found."""
    value = clean(value)
    if not value:
        return None, None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            return value, None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat(), parsed


def _before_closure(published: datetime | None, profile: Profile | None) -> bool | None:
    if published is None or profile is None:
        return None
    if profile.closed_date:
        return published.date() <= date.fromisoformat(profile.closed_date)
    return published.year <= profile.closed_year


def choose_profile(parts: Parts, uri: str | None, profiles: ProfileSet,
                   forced: str | None, banner_edition: str | None) -> Profile | None:
    """Forced, else from the URL, else from the banner (DESIGN.md). The closing notice is
    not used: a page without banner or URL is ``profile.unknown``."""
    if forced:
        return profiles.get(forced)
    return (profiles.by_url(parts.url) or profiles.by_url(uri)
            or profiles.by_edition(banner_edition))


def assemble(parts: Parts, *, uri: str | None, profiles: ProfileSet,
             forced_profile: str | None = None, shape: str = "html") -> Extraction:
    lines: dict[str, int] = {}
    banner_match = match_banner(parts.banner, profiles) if parts.banner else None
    banner_edition = banner_match.group("edition") if banner_match else None
    profile = choose_profile(parts, uri, profiles, forced_profile, banner_edition)

    banner = _banner(parts, banner_match, profile)
    if banner is not None:
        _mark(lines, "/banner", parts.banner_line)

    published, published_dt = parse_date(parts.date_published)
    _mark(lines, "/date_published", parts.date_line)
    _mark(lines, "/published_before_closure", parts.date_line)

    authors = [a for a in map(clean, parts.authors) if a]
    bylines = authors + [b for b in map(clean, parts.wire_bylines) if b]
    agencies = _with_bare(find_agencies(bylines + parts.body, profiles), bylines, profiles)
    _mark(lines, "/attribution", parts.authors_line or parts.headline_line)

    images = image_records(parts.images, _credit_agency, profiles, lines, profiles.remembered)

    footer = None
    if parts.footer:
        footer_match = match_footer(parts.footer, profiles)
        footer = {"text": parts.footer,
                  "edition": footer_match.group("edition") if footer_match else None}
        _mark(lines, "/footer", parts.footer_line)

    _mark(lines, "/url", parts.url_line)
    _mark(lines, "/headline", parts.headline_line)
    _mark(lines, "/body", parts.body_line)
    _mark(lines, "/parse", 1)
    lines = {**parts.where_missing, **lines}  # a part found points at itself

    data = {
        "url": parts.url or uri,
        "profile": profile.id if profile else None,
        "edition": profile.edition if profile else banner_edition,
        "language": parts.language or (profile.language if profile else None),
        "parse": {"readable": True, "encoding": parts.encoding,
                  "encoding_clean": parts.encoding_clean},
        "banner": banner,
        "headline": parts.headline,
        "dek": parts.dek,
        "authors": authors,
        "attribution": {"bylines": bylines, "agencies": agencies},
        "date_published": published,
        "published_before_closure": _before_closure(published_dt, profile),
        "body": parts.body,
        # Body paragraphs are clean() (single spaces, stripped, non-empty): the words are
        # their spaces + 1 each.
        "word_count": count_spaces(parts.body) + len(parts.body),
        "images": images,
        "footer": footer,
    }
    extraction = Extraction(data=data, lines=lines, shape=shape)
    if parts.encoding_problem:
        extraction.details["/parse/encoding_clean"] = parts.encoding_problem
    return extraction


def _banner(parts: Parts, banner_match, profile: Profile | None) -> dict | None:
    if not parts.banner:
        return None
    edition = banner_match.group("edition") if banner_match else None
    year = int(banner_match.group("year")) if banner_match else None
    matches = profile is None or (
        edition is not None and edition.casefold() == profile.edition.casefold()
        and year == profile.closed_year)
    before = (parts.headline_order is None or parts.banner_order is None
              or parts.banner_order < parts.headline_order)
    return {"text": parts.banner, "edition": edition, "closed_year": year,
            "matches_profile": matches, "before_headline": before}


def image_records_pure(images, agencies_of, profiles: ProfileSet, lines: dict[str, int],
                       remembered: dict | None = None) -> list[dict]:
    """The record's images, each credit's agency the first of ``agencies_of(credit,
    profiles)``; each image's source line noted in ``lines``. ``remembered``: answers of
    ``agencies_of`` already known, under ``("credit", credit)``, read before calling it."""
    records = []
    # A page's images mostly share a credit line or two: each is looked up once here.
    agency_of: dict[str | None, str | None] = {}
    for index, image in enumerate(images):
        credit = image.credit
        agency = agency_of.get(credit, _UNKNOWN)
        if agency is _UNKNOWN:
            credited = _UNKNOWN if remembered is None else remembered.get(("credit", credit), _UNKNOWN)
            if credited is _UNKNOWN:
                credited = agencies_of(credit, profiles)
            agency = agency_of[credit] = credited[0] if credited else None
        records.append({  # both extractors give captions and credits through clean()
            "src": image.src,
            "caption": image.caption,
            "credit": credit,
            "credit_agency": agency,
        })
        if image.line is not None:
            lines[f"/images/{index}"] = image.line
    return records


image_records = speedups.choose("image_records", image_records_pure)


def _mark(lines: dict[str, int], pointer: str, line: int | None) -> None:
    if line is not None:
        lines[pointer] = line
