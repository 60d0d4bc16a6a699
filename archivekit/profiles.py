"""Archive editions as data: one JSON file per edition under ``archivekit/profiles``.

A profile says how an edition's banner and closing notice read, when it closed,
its language and the shape of its URLs. A new archive is a new file, not new code:
``--profile-dir DIR`` adds a user's own files beside the shipped ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from pathlib import Path

from archivekit.errors import UsageError
from archivekit.jsonfile import read_json
from archivekit.limits import DEFAULT_LIMITS, LimitExceeded
from archivekit.resources import profiles_dir


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    edition: str
    publisher: str
    publisher_url: str | None
    language: str
    closed_year: int
    closed_date: str | None
    url_patterns: tuple[re.Pattern[str], ...]
    banner_patterns: tuple[re.Pattern[str], ...]
    footer_patterns: tuple[re.Pattern[str], ...]
    byline_prefixes: tuple[str, ...]
    # (field, CSS selector) pairs from the profile's "selectors": where a page of this
    # edition keeps each part, tried before the built-in template rules (kept as text so
    # the profile pickles to pool workers; compile_selector() caches the compiled form).
    selectors: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_dict(cls, data: dict, *, user: bool = False) -> Profile:
        """A profile from its JSON; ``user``: patterns from a user's file, each search
        bounded in time (:class:`BoundedPattern`)."""
        compile_ = BoundedPattern if user else re.compile  # url patterns

        def banner(p):
            return BoundedPattern(p, groups=("edition", "year"), digits="year") if user \
                else re.compile(p)

        def footer(p):
            return BoundedPattern(p, groups=("edition",)) if user else re.compile(p)

        return cls(
            id=data["id"],
            edition=data["edition"],
            publisher=data.get("publisher", data["edition"]),
            publisher_url=data.get("publisher_url"),
            language=data.get("language", "en"),
            closed_year=int(data["closed_year"]),
            closed_date=data.get("closed_date"),
            url_patterns=tuple(compile_(p) for p in data.get("url_patterns", [])),
            banner_patterns=tuple(banner(p) for p in data.get("banner_patterns", [])),
            footer_patterns=tuple(footer(p) for p in data.get("footer_patterns", [])),
            byline_prefixes=tuple(data.get("byline_prefixes", ["By "])),
            selectors=_selectors(data.get("selectors") or {}),
        )

    def matches_url(self, url: str | None) -> bool:
        return bool(url) and any(_url_test(p)(url) for p in self.url_patterns)


@lru_cache(maxsize=1024)
def _url_test(pattern) -> Callable[[str], object]:
    """``pattern.search``, or ``pattern.match`` for a stdlib pattern that can only match at
    the start (its parsed form begins with the ``^`` anchor, outside any alternation):
    the same answer, where re's search would try the anchor at every position."""
    if isinstance(pattern, re.Pattern) and not pattern.flags & re.MULTILINE:
        parsed = re._parser.parse(pattern.pattern, pattern.flags)  # noqa: SLF001 - read only
        if len(parsed) and parsed[0] == (re._constants.AT, re._constants.AT_BEGINNING):  # noqa: SLF001
            return pattern.match
    return pattern.search


class ProfileError(UsageError, ValueError):
    pass


_DIGITS = re.compile(r"[0-9]{1,9}")


def _bounded(pattern, timeout, groups, digits):
    return BoundedPattern(pattern, timeout, groups=groups, digits=digits)


class BoundedPattern:
    """A user's profile pattern: compiled by the ``regex`` package, each search bounded by
    ``pattern_timeout`` seconds, so catastrophic backtracking (``^(\\w+\\s?)+$`` on a long
    line) ends in a limit finding for the page instead of a run that never ends."""

    __slots__ = ("pattern", "_compiled", "_timeout", "_groups", "_digits")

    def __init__(self, pattern: str, timeout: float = DEFAULT_LIMITS.pattern_timeout, *,
                 groups: tuple[str, ...] = (), digits: str | None = None):
        import regex

        if not isinstance(pattern, str):
            raise TypeError(f"pattern {pattern!r} is not a string")
        try:
            self._compiled = regex.compile(pattern)
        except regex.error as exc:
            raise re.error(f"{pattern!r}: {exc}") from None
        # A banner pattern must name the edition and the year, a footer the edition: the
        # extractor reads those groups (refused here, at load, not as a crash on a page).
        missing = [g for g in groups if g not in self._compiled.groupindex]
        if missing:
            raise ValueError(f"pattern {pattern!r} has no named group {', '.join(missing)} "
                             f"(write (?P<{missing[0]}>...))")
        self.pattern = pattern
        self._timeout = timeout
        self._groups = groups
        self._digits = digits

    def __reduce__(self):
        return _bounded, (self.pattern, self._timeout, self._groups, self._digits)

    def _run(self, method, text: str, *args):
        try:
            return method(text, *args, timeout=self._timeout)
        except TimeoutError:
            raise LimitExceeded(f"profile pattern {self.pattern[:80]!r} ran over "
                                f"{self._timeout} s on this page (limit pattern_timeout)") from None

    def search(self, text: str, *args):
        match = self._run(self._compiled.search, text, *args)
        if match is not None and self._digits is not None and \
                not _DIGITS.fullmatch(match.group(self._digits) or ""):
            return None  # a "year" that is not a number is no banner
        return match

    def match(self, text: str, *args):
        return self._run(self._compiled.match, text, *args)

    def fullmatch(self, text: str, *args):
        return self._run(self._compiled.fullmatch, text, *args)

    def finditer(self, text: str, *args):
        return list(self._run(self._compiled.finditer, text, *args))


# What a profile's "selectors" may name. Each is a CSS selector; image_caption and
# image_credit are looked for inside each element the image selector (or the built-in
# rules) found.
SELECTOR_FIELDS = ("headline", "dek", "authors", "date", "body", "image", "image_caption",
                   "image_credit")


@cache
def compile_selector(css: str):
    """The compiled form of a CSS selector (lxml.cssselect, HTML rules), once per process."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(css, translator="html")
    except (SelectorError, ValueError) as exc:
        raise ValueError(f"selector {css!r}: {exc}") from None


def _selectors(data) -> tuple[tuple[str, str], ...]:
    if not isinstance(data, dict):
        raise ValueError('"selectors" must be an object of field -> CSS selector')
    unknown = sorted(set(data) - set(SELECTOR_FIELDS))
    if unknown:
        raise ValueError(f"unknown selector field(s) {', '.join(unknown)} "
                         f"(known: {', '.join(SELECTOR_FIELDS)})")
    out = []
    for name in SELECTOR_FIELDS:
        if name in data:
            if not isinstance(data[name], str) or not data[name].strip():
                raise ValueError(f"selector {name}: a CSS selector string is expected")
            compile_selector(data[name])  # refused here, at load, not on the first page
            out.append((name, data[name]))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ProfileSet:
    profiles: tuple[Profile, ...]
    agencies: tuple[tuple[str, tuple[str, ...]], ...]
    # Every profile's patterns, each once: tried on every banner and notice candidate.
    banner_patterns: tuple[re.Pattern[str], ...] = field(init=False, compare=False)
    footer_patterns: tuple[re.Pattern[str], ...] = field(init=False, compare=False)
    has_selectors: bool = field(init=False, compare=False)
    # (kind, text) -> what extract.assemble worked out about that text (banner and notice
    # matches, a credit line's agencies: the same sentences recur on every page of an
    # edition); bounded there.
    remembered: dict = field(init=False, compare=False, repr=False)
    # The publishers' names, sorted, each once: what banner and notice candidates contain.
    publishers: tuple[str, ...] = field(init=False, compare=False, repr=False)
    # (test, profile) for every URL pattern in order: by_url runs on every page.
    url_tests: tuple = field(init=False, compare=False, repr=False)
    # Every profile's byline prefixes ("By ", "Von "), in profile order: tried on each byline.
    byline_prefixes: tuple[str, ...] = field(init=False, compare=False, repr=False)
    # The agencies' names (the catalogue's first column): looked up for every byline.
    agency_names: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_selectors", any(p.selectors for p in self.profiles))
        object.__setattr__(self, "banner_patterns",
                           _unique(pat for p in self.profiles for pat in p.banner_patterns))
        object.__setattr__(self, "footer_patterns",
                           _unique(pat for p in self.profiles for pat in p.footer_patterns))
        object.__setattr__(self, "remembered", {})
        object.__setattr__(self, "publishers", tuple(sorted({p.publisher for p in self.profiles})))
        object.__setattr__(self, "url_tests", _url_tests(self.profiles))
        object.__setattr__(self, "byline_prefixes",
                           tuple(prefix for p in self.profiles for prefix in p.byline_prefixes))
        object.__setattr__(self, "agency_names", frozenset(name for name, _ in self.agencies))

    def __getstate__(self) -> dict:
        # What is remembered (re.Match objects) stays in its process: pool workers and
        # Spark tasks get the profiles, not this process's cache; the URL tests (bound
        # methods) are made again on arrival.
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        del state["url_tests"]
        return state | {"remembered": {}}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "url_tests", _url_tests(self.profiles))

    def get(self, profile_id: str) -> Profile:
        for p in self.profiles:
            if p.id == profile_id:
                return p
        known = ", ".join(p.id for p in self.profiles)
        raise ProfileError(f"unknown profile {profile_id!r} (known: {known})")

    def by_url(self, url: str | None) -> Profile | None:
        if not url:
            return None
        for test, profile in self.url_tests:
            if test(url):
                return profile
        return None

    def by_edition(self, edition: str | None) -> Profile | None:
        if not edition:
            return None
        folded = edition.casefold()
        for p in self.profiles:
            if p.edition.casefold() == folded:
                return p
        return None


def _url_tests(profiles: tuple[Profile, ...]) -> tuple:
    return tuple((_url_test(pattern), p) for p in profiles for pattern in p.url_patterns)


def _unique(patterns) -> tuple[re.Pattern[str], ...]:
    seen: dict[str, re.Pattern[str]] = {}
    for pat in patterns:
        seen.setdefault(pat.pattern, pat)
    return tuple(seen.values())


@cache
def load_profiles(extra_dir: str | None = None) -> ProfileSet:
    dirs = [profiles_dir()] + ([Path(extra_dir)] if extra_dir else [])
    profiles: dict[str, Profile] = {}
    for d in dirs:
        user = d != dirs[0]
        if not d.is_dir():
            raise ProfileError(f"{d}: profile directory not found")
        for path in sorted(d.glob("*.json")):
            if path.name.startswith("_"):
                continue
            data = read_json(path, "profile", ProfileError)
            try:
                profile = Profile.from_dict(data, user=user)
            except (KeyError, TypeError, ValueError, re.error) as exc:
                raise ProfileError(f"{path}: invalid profile: {exc}") from None
            profiles[profile.id] = profile
    agencies = read_json(profiles_dir() / "_agencies.json", "agency list", ProfileError)["agencies"]
    return ProfileSet(
        profiles=tuple(profiles.values()),
        agencies=tuple((name, tuple(aliases)) for name, aliases in agencies.items()),
    )
