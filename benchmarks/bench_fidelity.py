"""Extraction fidelity on real pages: archivekit beside trafilatura, in one run.

    python benchmarks/bench_fidelity.py [--corpus ../shared/corpus/pages] [--misses]

The pages are ``../shared/corpus/pages/`` (see its README): Mozilla Readability's test
pages (truth: ``expected-metadata.json`` title and byline, the text of ``expected.html``)
and newspaper4k's news pages (truth: ``txt/`` body, ``metadata/`` title and authors).
Both tools get the same bytes and are scored by the same functions:

- headline: exact match after normalising white space, quotes, case and a trailing
  site-name suffix (" | Site", " - Site") on both sides, of pages whose truth has one;
- author found: a truth author's name tokens all appear among the extracted authors'
  tokens, of pages whose truth names an author;
- body token F1 (mean, median) over word tokens (characters for scripts written
  without spaces);
- empty bodies, ``parse.unreadable`` (archivekit only) and pages/s.

The scoring functions are importable: ``tests/test_fidelity_corpus.py`` asserts
archivekit's acceptance floor on the corpus with them.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "pages"


@dataclass(slots=True)
class Page:
    corpus: str
    name: str
    html: bytes
    body: str
    title: str | None
    authors: list[str]
    uri: str | None = None


@dataclass(slots=True)
class Extracted:
    headline: str | None
    authors: list[str]
    body: str
    unreadable: bool = False


@dataclass
class Scores:
    pages: int = 0
    titled: int = 0
    headline_hits: int = 0
    authored: int = 0
    author_hits: int = 0
    f1: list[float] = field(default_factory=list)
    empty: int = 0
    unreadable: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def headline_rate(self) -> float:
        return self.headline_hits / self.titled if self.titled else 1.0

    @property
    def author_rate(self) -> float:
        return self.author_hits / self.authored if self.authored else 1.0

    @property
    def f1_mean(self) -> float:
        return statistics.fmean(self.f1) if self.f1 else 0.0

    @property
    def f1_median(self) -> float:
        return statistics.median(self.f1) if self.f1 else 0.0

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else float("inf")


# --- the corpus -------------------------------------------------------------------------

def _html_text(path: Path) -> str:
    import lxml.html

    # Readability's expected.html is UTF-8 without a charset declaration: decode it first
    # (lxml would read undeclared bytes as Latin-1).
    root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    return " ".join(root.itertext())


def load_pages(corpus: Path = DEFAULT_CORPUS) -> list[Page]:
    """Every page of both corpora that has a true body, in name order."""
    pages: list[Page] = []
    for case in sorted(p for p in (corpus / "readability").iterdir() if p.is_dir()):
        meta = json.loads((case / "expected-metadata.json").read_text(encoding="utf-8"))
        pages.append(Page("readability", case.name, (case / "source.html").read_bytes(),
                          _html_text(case / "expected.html"), meta.get("title"),
                          [meta["byline"]] if meta.get("byline") else []))
    n4k = corpus / "newspaper4k"
    for html in sorted((n4k / "html").glob("*.html")):
        txt = n4k / "txt" / f"{html.stem}.txt"
        if not txt.exists():
            continue
        meta_path = n4k / "metadata" / f"{html.stem}.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        pages.append(Page("newspaper4k", html.stem, html.read_bytes(),
                          txt.read_text(encoding="utf-8"), meta.get("title") or None,
                          list(meta.get("authors") or []), meta.get("url")))
    return pages


# --- scoring ----------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "`": "'", "\u00b4": "'", "\u201c": '"',
                         "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_SUFFIX = re.compile(r"\s+(?:\||-|\u2013|\u2014|::|\u00b7|\u2022)\s+[^|]{1,60}$")
_WORD = re.compile(r"\w+")
# Scripts written without spaces between words: scored a character at a time.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                       r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalise_title(text: str | None, suffix: bool = True) -> str:
    """White space, quotes and case normalised; with ``suffix``, less a trailing
    " | Site" (or " - Site" ...)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = " ".join(text.split())
    if suffix:
        text = _SUFFIX.sub("", text) or text
    return text.casefold().strip(" \"'")


def headline_matches(found: str | None, truth: str | None) -> bool:
    """Equal once normalised, the site-name suffix dropped from either side or both
    (a tool that already dropped it is not asked to drop one more part)."""
    if not truth or not found:
        return False
    mine = {normalise_title(found, False), normalise_title(found)}
    return bool(mine & {normalise_title(truth, False), normalise_title(truth)})


def tokens(text: str | None) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold()):
        if _UNSPACED.search(word):
            out.extend(word)
        else:
            out.append(word)
    return out


def token_f1(found: str | None, truth: str | None) -> float:
    got, want = Counter(tokens(found)), Counter(tokens(truth))
    if not got or not want:
        return 1.0 if not got and not want else 0.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\n)\s*", re.I)
_NOT_NAME = frozenset({"by", "von", "par", "por", "staff", "writer", "reporter"})


def author_names(authors: Iterable[str]) -> list[set[str]]:
    """The token sets of each name in ``authors`` ("By A and B, C" is three names)."""
    names = []
    for entry in authors:
        for part in _NAME_SPLIT.split(entry or ""):
            words = {t for t in tokens(part) if t not in _NOT_NAME}
            if words:
                names.append(words)
    return names


def author_found(found: Iterable[str], truth: Iterable[str]) -> bool:
    """Whether a true author's name tokens all appear among the extracted authors'."""
    have = set(tokens(" ".join(found)))
    return bool(have) and any(name <= have for name in author_names(truth))


def score(pages: list[Page], run: Callable[[Page], Extracted]) -> dict[str, Scores]:
    """Scores per corpus and ``"all"``; ``run`` extracts one page."""
    out: dict[str, Scores] = {}
    for page in pages:
        start = time.perf_counter()
        got = run(page)
        elapsed = time.perf_counter() - start
        for key in (page.corpus, "all"):
            _add(out.setdefault(key, Scores()), page, got, elapsed)
    return out


def _add(s: Scores, page: Page, got: Extracted, elapsed: float) -> None:
    s.pages += 1
    s.seconds += elapsed
    s.unreadable += got.unreadable
    s.empty += not got.body.strip()
    f1 = token_f1(got.body, page.body)
    s.f1.append(f1)
    why = []
    if page.title:
        s.titled += 1
        if headline_matches(got.headline, page.title):
            s.headline_hits += 1
        else:
            why.append(f"headline {got.headline!r} != {page.title!r}")
    if author_names(page.authors):
        s.authored += 1
        if author_found(got.authors, page.authors):
            s.author_hits += 1
        else:
            why.append(f"authors {got.authors!r} lack {page.authors!r}")
    if f1 < 0.8:
        why.append(f"body F1 {f1:.2f}")
    if why:
        s.misses.append(f"{page.corpus}/{page.name}: " + "; ".join(why))


# --- the tools --------------------------------------------------------------------------

def archivekit_runner() -> Callable[[Page], Extracted]:
    from archivekit.extract import Unreadable, extract
    from archivekit.profiles import load_profiles
    from archivekit.record import Document

    profiles = load_profiles()

    def run(page: Page) -> Extracted:
        doc = Document(path=f"{page.name}.html", content=page.html, uri=page.uri)
        try:
            data = extract(doc, profiles).data
        except Unreadable:
            return Extracted(None, [], "", unreadable=True)
        return Extracted(data["headline"], data["authors"], "\n".join(data["body"]))

    return run


def trafilatura_runner() -> Callable[[Page], Extracted]:
    try:
        import trafilatura
    except ImportError as exc:  # a peer that cannot run is a broken benchmark, not a skip
        raise SystemExit(f"bench_fidelity: trafilatura cannot be imported ({exc}); "
                         "install the bench extra: pip install '.[bench]'") from None

    def run(page: Page) -> Extracted:
        doc = trafilatura.bare_extraction(page.html, url=page.uri, with_metadata=True)
        if doc is None:
            return Extracted(None, [], "")
        get = doc.get if isinstance(doc, dict) else lambda key: getattr(doc, key, None)
        author = get("author") or ""
        return Extracted(get("title"), [a for a in author.split(";") if a.strip()],
                         get("text") or "")

    return run


# --- the report -------------------------------------------------------------------------

def table(results: dict[str, dict[str, Scores]]) -> str:
    corpora = sorted(next(iter(results.values())), key=lambda c: (c == "all", c != "readability"))
    head = ("| corpus | tool | pages | headline | author found | body F1 mean | "
            "F1 median | empty bodies | parse.unreadable | pages/s |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    rows = [head]
    for corpus in corpora:
        for tool, by_corpus in results.items():
            s = by_corpus[corpus]
            rows.append(
                f"| {corpus} | {tool} | {s.pages} | {s.headline_rate:.1%} ({s.headline_hits}/"
                f"{s.titled}) | {s.author_rate:.1%} ({s.author_hits}/{s.authored}) | "
                f"{s.f1_mean:.3f} | {s.f1_median:.3f} | {s.empty} | "
                f"{s.unreadable if tool == 'archivekit' else '-'} | {s.rate:.0f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--misses", action="store_true", help="list each tool's misses")
    parser.add_argument("--only", choices=("archivekit", "trafilatura"), default=None)
    args = parser.parse_args()
    if not (args.corpus / "readability").is_dir():
        raise SystemExit(f"bench_fidelity: no corpus at {args.corpus}")
    pages = load_pages(args.corpus)
    runners = {"archivekit": archivekit_runner, "trafilatura": trafilatura_runner}
    if args.only:
        runners = {args.only: runners[args.only]}
    results = {tool: score(pages, make()) for tool, make in runners.items()}
    print(f"{len(pages)} pages from {args.corpus}")
    print(table(results))
    if args.misses:
        for tool, by_corpus in results.items():
            print(f"\n{tool} misses ({len(by_corpus['all'].misses)}):")
            for miss in by_corpus["all"].misses:
                print("  " + miss)


if __name__ == "__main__":
    main()
