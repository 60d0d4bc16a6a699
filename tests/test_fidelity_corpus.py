"""Extraction fidelity on the shared corpus of real pages (issue 10's acceptance floor).

archivekit alone is run here (trafilatura is the benchmark's peer, not a test
dependency); the floors are trafilatura's own figures on the same pages, measured by
``benchmarks/bench_fidelity.py`` with the same scoring functions:

    readability  (130 pages): headline 70.1%, author found 72.4%, body F1 mean 0.934
    newspaper4k   (23 pages): headline 60.0%, author found 75.0%, body F1 mean 0.926
    all          (153 pages): headline 68.7%, author found 72.7%, body F1 mean 0.933
"""

from __future__ import annotations

import pytest
from conftest import ROOT

from benchmarks.bench_fidelity import archivekit_runner, load_pages, score

CORPUS = ROOT.parent / "shared" / "corpus" / "pages"
# corpus -> (headline match, author found, body token F1 mean): trafilatura's figures.
FLOORS = {
    "readability": (0.701, 0.724, 0.934),
    "newspaper4k": (0.600, 0.750, 0.926),
    "all": (0.687, 0.727, 0.933),
}

pytestmark = pytest.mark.skipif(not (CORPUS / "readability").is_dir(),
                                reason=f"no shared corpus at {CORPUS}")


@pytest.fixture(scope="module")
def scores():
    return score(load_pages(CORPUS), archivekit_runner())


@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_at_or_above_trafilatura(scores, corpus):
    s = scores[corpus]
    headline, author, f1 = FLOORS[corpus]
    assert s.headline_rate >= headline, s.misses
    assert s.author_rate >= author, s.misses
    assert s.f1_mean >= f1, s.misses


def test_no_unreadable_and_hardly_any_empty_body(scores):
    s = scores["all"]
    assert s.pages >= 150
    assert s.unreadable == 0
    assert s.empty <= s.pages // 100
