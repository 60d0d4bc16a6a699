"""Synthetic collections for the benchmarks: valid HuffPost-2018-template pages of ~50 KB.

The wording is invented: a few thousand made-up words drawn with Zipf-like
frequencies, so the text has the vocabulary spread of prose. (A vocabulary of a few
dozen words made every page a run of repeats: deflate took 2.4x longer on it than on
real articles, and every word of the simhash was a cache hit.) Every page is a valid
article (banner, headline, byline, body, captioned and credited images, footer).
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

WORDS = ("harbour council ferry budget library garden survey transport minister weather "
         "festival hospital school election market bridge river coast police report "
         "community museum stadium airport tunnel housing rental storm vaccine drought "
         "parliament senate inquiry treaty summit border farmer tourism wildfire reef").split()
_ONSETS = ("b", "br", "c", "ch", "d", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pl", "r",
           "s", "sh", "st", "t", "tr", "v", "w", "z")
_NUCLEI = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "ie")
_CODAS = ("", "", "n", "r", "s", "t", "l", "nd", "st", "m", "ck")


def _vocabulary(size: int = 4000, seed: int = 20_211) -> tuple[list[str], list[float]]:
    """``size`` distinct made-up words (common short ones first) and their cumulative
    Zipf weights (given as such to ``choices``, which would otherwise add them up on
    every call)."""
    rng = random.Random(seed)
    words: list[str] = list(WORDS)
    seen = set(words)
    while len(words) < size:
        syllables = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS)
                       for _ in range(syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    words[40:] = sorted(words[40:], key=len)
    return words, list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))


VOCABULARY, _CUMULATIVE_WEIGHTS = _vocabulary()
CREDITS = ("Lena Ortiz / Reuters", "REUTERS/Tomas Greve", "Civic Office via Reuters",
           "Mira Tan via Getty Images", "(AP Photo/Jun Park)", "Ravi Sen/AFP via Getty Images")

TEMPLATE = """<!DOCTYPE html>
<html lang="en-AU">
<head>
<meta charset="utf-8">
<title>{headline} | HuffPost Australia</title>
<link rel="canonical" href="https://www.huffpost.com/archive/au/entry/{slug}_au_{hexid}">
<meta property="og:title" content="{headline}">
<meta property="article:published_time" content="2017-0{month}-1{day}T08:30:00+10:00">
<style>{style}</style>
</head>
<body>
<div class="archive-banner"><p>This article exists as part of the online archive for HuffPost Australia, which closed in 2021.</p></div>
<nav class="site-nav">{nav}</nav>
<article class="entry__content">
<header><h1 class="headline">{headline}</h1><div class="dek">{dek}</div></header>
<div class="entry__byline"><span class="entry__byline__author"><a href="/author/{author_slug}">{author}</a></span></div>
<div class="timestamp"><time datetime="2017-0{month}-1{day}T08:30:00+10:00">1{day}/0{month}/2017</time></div>
<section class="entry__content-list">
{body}
</section>
</article>
<footer class="archive-notice"><p>This article exists as part of the online archive for HuffPost Australia. Certain site features have been disabled.</p></footer>
</body>
</html>
"""


def _sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(VOCABULARY, cum_weights=_CUMULATIVE_WEIGHTS, k=n)
    return " ".join(words).capitalize() + "."


def make_page(index: int, size: int = 50_000) -> bytes:
    """One valid ~``size``-byte article page, deterministic in ``index``."""
    rng = random.Random(index)
    headline = _sentence(rng, 8)[:-1].title()
    blocks = []
    length = 0
    image = 0
    while length < size - 4_000:
        if len(blocks) % 6 == 5:
            caption = _sentence(rng, 12)
            block = ('<div class="image"><picture><img src="https://img.example.invalid/'
                     f'{index}-{image}.jpg" alt="{caption}"></picture>'
                     f'<figcaption class="image__credit">{rng.choice(CREDITS)}</figcaption></div>')
            image += 1
        else:
            text = " ".join(_sentence(rng, rng.randint(10, 25)) for _ in range(4))
            if len(blocks) == 2:
                text += " The figures were first published by Reuters."
            block = f'<div class="cli-text"><p>{text}</p></div>'
        blocks.append(block)
        length += len(block)
    page = TEMPLATE.format(
        headline=headline, slug=headline.lower().replace(" ", "-"), hexid=f"{index:024x}",
        month=rng.randint(1, 9), day=rng.randint(0, 9), dek=_sentence(rng, 14),
        author="Alex Example", author_slug="alex-example",
        style=".entry__content{max-width:40em}" * 20,
        nav=" ".join(f'<a href="/section/{w}">{w}</a>' for w in WORDS[:20]),
        body="\n".join(blocks))
    return page.encode("utf-8")


def build_collection(root: Path, count: int, size: int = 50_000) -> list[Path]:
    """Write ``count`` pages under ``root`` (reusing pages already there)."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = root / f"{i // 1000:04d}" / f"page-{i:07d}.html"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(make_page(i, size))
        paths.append(path)
    return paths
