"""The compiled core against its pure-Python reference: the same simhash on every fixture,
every real page of ../shared/corpus/pages and generated texts; the lxml C-API walk equal
to lxml's own Python walk; the switch between the two paths (ARCHIVEKIT_PURE,
ARCHIVEKIT_COMPILED) in real subprocesses; archive's outputs byte-identical either way."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest
from conftest import CORPUS_PAGES, FIXTURES, corpus_pages
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archivekit import digests
from archivekit.checker import Checker
from archivekit.sources import collect_paths, read_file

compiled = pytest.importorskip(
    "archivekit._speedups",
    reason="the compiled core is not built (pip install . or python setup.py build_ext --inplace)")

# Where the archivekit under test is imported from: the checkout, or site-packages when
# the wheel builds test an installed wheel (subprocesses must import the same one).
PACKAGE_ROOT = Path(digests.__file__).resolve().parent.parent
PURE = digests.simhash_pure
SPACES = "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def _parse(content: bytes):
    root = etree.fromstring(content, etree.HTMLParser(no_network=True))
    assert root is not None
    return root


def _paragraph_sets(root) -> list[list[str]]:
    """Texts to hash from one page: every paragraph's text, the whole text, each text node."""
    paragraphs = ["".join(p.itertext()) for p in root.iter("p")]
    return [paragraphs, ["".join(root.itertext())], [t for t in root.itertext() if t.strip()][:500]]


# --- simhash ---------------------------------------------------------------------------
def test_the_fingerprint_code_calls_the_selected_simhash():
    from archivekit import speedups

    if speedups.COMPILED is None:
        assert digests.simhash is PURE
    else:
        assert digests.simhash is compiled.simhash


def test_simhash_equal_on_every_fixture_record_and_text():
    checker = Checker(keep_record=True)
    paths = list(collect_paths([str(FIXTURES)]))
    assert len(paths) >= 30
    bodies = 0
    for path in paths:
        document = read_file(path)
        texts = [[document.content.decode("utf-8", "replace")]]
        result = checker.check(document)
        if result.record:
            body = digests.canonical_fields(result.record)["body"]
            texts.append(body)
            bodies += bool(body)
        for paragraphs in texts:
            assert compiled.simhash(paragraphs) == PURE(paragraphs), path
    assert bodies >= 10


def test_simhash_equal_on_every_real_page():
    checker = Checker(keep_record=True)
    for path in corpus_pages():
        content = path.read_bytes()
        sets = _paragraph_sets(_parse(content))
        record = checker.check(read_file(str(path))).record
        if record:
            sets.append(digests.canonical_fields(record)["body"])
        for paragraphs in sets:
            assert compiled.simhash(paragraphs) == PURE(paragraphs), path


def test_simhash_splits_words_where_str_split_does():
    # Every code point Python calls white space separates words, and no other does
    # (U+200B ZERO WIDTH SPACE, U+FEFF and U+180E are not white space to str.split()).
    words = ["alpha", "Beta", "gamma", "delta", "ÉPSILON"]
    for space in SPACES + "\u200b\ufeff\u180e\u2060":
        text = space.join(words) + space
        assert compiled.simhash([text]) == PURE([text]), hex(ord(space))
        assert compiled.simhash([space * 3]) == PURE([space * 3])


def test_simhash_edge_cases_agree():
    cases = [[], [""], ["   "], ["one"], ["one two"], ["one two three"], ["a", "b", "c"],
             ["\ud800 lone surrogate \udfff here"], ["ß straße STRASSE ﬁsh İstanbul ΣΑΣ"],
             ["e\u0301 é é"], ["𝔘𝔫𝔦𝔠𝔬𝔡𝔢 in the astral planes 😀 😀 😀"],
             ["x" * 100_000], ["word " * 20_000], ["\x00 nul \x1c\x1d\x1e\x1f seps"]]
    for paragraphs in cases:
        assert compiled.simhash(paragraphs) == PURE(paragraphs), paragraphs
    assert compiled.simhash([]) == 0
    for fn in (compiled.simhash, PURE):
        with pytest.raises(ValueError, match="64-bit"):
            fn(["a b c"], bits=32)
        with pytest.raises(TypeError):
            fn([b"bytes are not text"])


def test_simhash_does_not_depend_on_the_cache_bounds():
    texts = [[f"w{i} w{i + 1} common words w{i * 7}" for i in range(j, j + 30)] for j in range(40)]
    expected = [PURE(t) for t in texts]
    old = compiled.set_cache_limit(17, 300)
    try:
        assert [compiled.simhash(t) for t in texts] == expected
        assert compiled.cache_size() <= 17
        assert [compiled.simhash(t) for t in reversed(texts)] == expected[::-1]
    finally:
        compiled.set_cache_limit(*old)
    assert [compiled.simhash(t) for t in texts] == expected
    with pytest.raises(ValueError):
        compiled.set_cache_limit(0)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=400), st.integers(0, 3000).map(lambda n: bytes(range(256)) * (n // 256) + bytes(n % 256))))
def test_the_compiled_blake2b_is_hashlibs(data):
    # A new word's lanes come from the core's own BLAKE2b (RFC 7693), not hashlib's: the
    # same 24-byte digest for every length, across the 128-byte block boundaries.
    from archivekit._speedups import _simhash

    expected = struct.unpack("<3Q", hashlib.blake2b(data, digest_size=24).digest())
    assert _simhash._lanes_for_tests(data) == expected


_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_SEPARATORS = st.sampled_from([" ", "  ", "\n", "\t", "\xa0", "\u2028", "\u3000", "\x1f", "\u200b"])


@st.composite
def _texts(draw) -> list[str]:
    vocabulary = draw(st.lists(_WORDS, min_size=1, max_size=30))
    paragraphs = []
    for _ in range(draw(st.integers(0, 5))):
        count = draw(st.integers(0, 40))
        words = [draw(st.sampled_from(vocabulary)) for _ in range(count)]
        separators = [draw(_SEPARATORS) for _ in range(count)]
        paragraphs.append("".join(w + s for w, s in zip(words, separators, strict=True)))
    return paragraphs


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts())
def test_simhash_equal_on_generated_texts(paragraphs):
    assert compiled.simhash(paragraphs) == PURE(paragraphs)


_ASCII = st.text(st.sampled_from("aAbBzZ09_-.'\x00\x7f \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"), max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ASCII, max_size=8))
def test_simhash_equal_on_ascii_paragraphs(paragraphs):
    # The compiled core's ASCII path: each paragraph lowered, split and hashed in one
    # pass, no join; the same words, shingles and bits as the pure join-lower-split.
    assert compiled.simhash(paragraphs) == PURE(paragraphs)
    assert compiled.simhash(tuple(paragraphs)) == PURE(paragraphs)  # not a list: the join path


_LONG_ASCII_WORDS = st.lists(
    st.tuples(st.text(st.sampled_from("aAzZ@[`{09"), min_size=1, max_size=30),
              st.sampled_from([" ", "\t", "\x1c", "\x1f", "  "])), max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LONG_ASCII_WORDS, max_size=4))
def test_simhash_equal_on_long_ascii_words(paragraphs):
    # The ASCII path lowers, splits and hashes in one pass: words of up to 30 bytes, the
    # bytes either side of A-Z ("@[`{"), separators str.split() takes, a last word.
    texts = ["".join(w + sep for w, sep in words).rstrip(" ") for words in paragraphs]
    assert compiled.simhash(texts) == PURE(texts)


def test_simhash_ascii_and_text_paths_share_the_cache():
    """The ASCII scan hashes a word as the other path hashes the same lowered bytes, so
    the word is found, not stored again (results never depend on it; the cache's size
    does)."""
    words = ["Alpha", "BRAVO", "charlie", "x" * 8, "Y" * 16, "zZ" * 12, "a@[`{z", "Q"]
    old = compiled.set_cache_limit(10_000)
    try:
        assert compiled.simhash([" ".join(words)]) == PURE([" ".join(words)])
        known = compiled.cache_size()
        assert known == len(words)
        mixed = [" ".join(words) + " \u00e9t\u00e9"]  # not ASCII: joined, lowered, then split
        assert compiled.simhash(mixed) == PURE(mixed)
        assert compiled.cache_size() == known + 1
    finally:
        compiled.set_cache_limit(*old)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=6))
def test_simhash_equal_on_arbitrary_text(paragraphs):
    assert compiled.simhash(paragraphs) == PURE(paragraphs)
    normalised = [unicodedata.normalize("NFD", p).upper() for p in paragraphs]
    assert compiled.simhash(normalised) == PURE(normalised)


# --- the lxml C-API walk ---------------------------------------------------------------
def _python_walk(root):
    elements = list(root.iter(etree.Element))
    return ([(el.tag, el.text) for el in elements],
            (Counter(el.tag for el in elements), [len(el.text or "") for el in elements]))


def _assert_walks_equal(root, where):
    texts, (counts, lengths) = _python_walk(root)
    assert compiled.element_texts(root) == texts, where
    c_counts, c_lengths = compiled.text_stats(root)
    assert c_counts == counts and c_lengths == lengths, where
    assert compiled.count_nodes(root) == len(texts)


def test_walk_equals_lxml_on_every_fixture_page():
    pages = [p for p in FIXTURES.rglob("*") if p.suffix in (".html", ".htm") and p.is_file()]
    assert pages
    for path in pages:
        root = _parse(path.read_bytes() or b"<p/>")
        _assert_walks_equal(root, path)
        for sub in list(root.iter("body", "article", "div"))[:20]:
            _assert_walks_equal(sub, path)


def test_walk_equals_lxml_on_every_real_page():
    for path in corpus_pages():
        content = path.read_bytes()
        _assert_walks_equal(_parse(content), path)
        _assert_walks_equal(lxml.html.document_fromstring(content), path)


def test_walk_on_xml_with_namespaces_cdata_comments_and_entities():
    xml = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "ent">]>'
           b'<r xmlns="urn:a" xmlns:b="urn:b"><!--c--><b:x>t<![CDATA[ cd ]]>u<y/>tail</b:x>'
           b'<?pi x?><z>&e;</z><w><!--only a comment--></w><v>caf\xc3\xa9 \xf0\x9f\x98\x80</v></r>')
    for resolve in (True, False):
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=resolve, no_network=True))
        _assert_walks_equal(root, f"xml resolve_entities={resolve}")
        _assert_walks_equal(root[1], "a sub-tree")
    leaf = etree.fromstring(b"<only/>")
    assert compiled.element_texts(leaf) == [("only", None)]
    with pytest.raises(TypeError):
        compiled.element_texts("not an element")


_TAGS = st.sampled_from(["p", "div", "span", "b", "script", "table", "td", "li", "h1", "br"])


@st.composite
def _html(draw, depth=0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 4 else 1))
        if kind == 0:
            parts.append(draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                      max_size=15)).replace("<", "&lt;").replace("&", "&amp;"))
        elif kind == 1:
            parts.append("<!-- c -->")
        else:
            tag = draw(_TAGS)
            parts.append(f"<{tag}>{draw(_html(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(_html())
def test_walk_equals_lxml_on_generated_html(fragment):
    root = _parse(f"<html><body>{fragment}</body></html>".encode())
    _assert_walks_equal(root, fragment)


# --- which path runs -------------------------------------------------------------------
def _python(code: str, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVEKIT_")}
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE_ROOT, env=full, timeout=60)


SHOW = "from archivekit import digests, speedups; print(speedups.WHICH.split()[0], " \
       "digests.simhash is digests.simhash_pure)"
HIDE = "import sys; sys.modules['archivekit._speedups'] = None; "


def test_environment_chooses_the_path():
    assert _python(SHOW).stdout.split() == ["compiled", "False"]
    assert _python(SHOW, ARCHIVEKIT_PURE="1").stdout.split() == ["pure", "True"]
    assert _python(SHOW, ARCHIVEKIT_COMPILED="1").stdout.split() == ["compiled", "False"]
    # Without the extension: the pure path quietly, or a loud ImportError when required.
    assert _python(HIDE + SHOW).stdout.split() == ["pure", "True"]
    loud = _python(HIDE + SHOW, ARCHIVEKIT_COMPILED="1")
    assert loud.returncode != 0 and "ARCHIVEKIT_COMPILED=1" in loud.stderr
    both = _python(SHOW, ARCHIVEKIT_PURE="1", ARCHIVEKIT_COMPILED="1")
    assert both.returncode != 0 and "opposite" in both.stderr


def _archive(cwd: Path, source: Path = FIXTURES, **env) -> None:
    """archive ``source`` into CWD/out (the warcinfo records the command line: the same
    relative -o keeps the two runs' bytes comparable)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVEKIT_")}
    full.update(env, NO_COLOR="1", PYTHONPATH=str(PACKAGE_ROOT))
    cwd.mkdir()
    proc = subprocess.run([sys.executable, "-m", "archivekit", "archive", str(source), "-o", "out",
                           "--date", "2024-05-01", "--quiet"], capture_output=True, text=True,
                          cwd=cwd, env=full, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix not in (".db", ".db-wal", ".db-shm", ".html")}


@pytest.mark.parametrize("source", ["fixtures", "real pages"])
def test_archive_outputs_identical_on_both_paths(tmp_path, source):
    """WARC payloads and records, JSON-LD, the report: byte for byte on both paths."""
    if source == "fixtures":
        where = FIXTURES
    else:
        corpus_pages()  # skips when the shared corpus is absent
        where = CORPUS_PAGES
    _archive(tmp_path / "pure", where, ARCHIVEKIT_PURE="1")
    _archive(tmp_path / "compiled", where, ARCHIVEKIT_COMPILED="1")
    pure, fast = _tree_bytes(tmp_path / "pure" / "out"), _tree_bytes(tmp_path / "compiled" / "out")
    assert pure.keys() == fast.keys() and len(pure) >= 3
    for name in pure:
        assert pure[name] == fast[name], name
