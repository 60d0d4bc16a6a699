"""Property tests: any input yields a result with findings, never an exception; and the
content digest of a valid article survives markup-only changes.

Budgets are fixed (max_examples, no deadline) so the file runs in well under a minute.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from archivekit.checker import Checker, check_document
from archivekit.record import Document, Result
from archivekit.sources import read_stream, read_warc

BANNER = "This article exists as part of the online archive for HuffPost Australia, which closed in 2021."
FOOTER = ("This article exists as part of the online archive for HuffPost Australia. "
          "Certain site features have been disabled.")

CHECKER = Checker()
KEEP = Checker(keep_record=True)
FAST = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def article_html(headline="Tram line reopens after the floods", dek="Riders returned at dawn.",
                 author="Priya Lindqvist", date="2019-06-04T07:00:00Z",
                 body=("The first tram left the depot at six, according to AAP.",
                       "Engineers rebuilt two bridges over the winter."),
                 caption="A tram crosses the new bridge", credit="Oskar Brandt / AAP",
                 url="https://www.huffpost.com/archive/au/entry/tram-line_au_5d1a2b3c4d5e6f7a8b9c0d1e",
                 escape=html.escape) -> str:
    paragraphs = "\n".join(f'<div class="cli-text"><p>{escape(p)}</p></div>' for p in body)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(headline)}</title>
<link rel="canonical" href="{escape(url)}">
</head>
<body>
<div class="archive-banner"><p>{BANNER}</p></div>
<article class="entry__content">
<header><h1 class="headline">{escape(headline)}</h1>
<div class="dek">{escape(dek)}</div></header>
<div class="entry__byline__author"><a href="/author/x">{escape(author)}</a></div>
<div class="timestamp"><time datetime="{escape(date)}">June 2019</time></div>
<section class="entry__content-list">
{paragraphs}
</section>
<div class="image"><picture><img src="https://img.example/tram.jpg" alt="{escape(caption)}"></picture>
<figcaption class="image__credit">{escape(credit)}</figcaption></div>
</article>
<footer><p>{FOOTER}</p></footer>
</body></html>
"""


def article_text(headline="Beekeepers count their hives after the frost",
                 author="Hemi Castellanos", body=("Keepers on the ridge lost a third of their hives, "
                                                  "AAP reported.", "Honey prices are expected to rise."),
                 caption="Hives under snow", credit="Lena Varga / AAP") -> str:
    lines = [BANNER, headline, headline, f"By {author}", "Published 2019-07-08", *body,
             caption, credit, caption, "Close", FOOTER]
    return "\n".join(lines) + "\n"


VALID_HTML = article_html().encode()
VALID_TEXT = article_text().encode()


def check(content: bytes, path: str, checker: Checker = CHECKER) -> Result:
    result = check_document(Document(path=path, content=content), checker)
    assert isinstance(result, Result)
    for finding in result.findings:
        assert finding.rule and finding.severity in ("error", "warning") and finding.message
    if not result.valid:
        assert any(f.severity == "error" for f in result.findings)
    json.dumps(result.to_dict())  # what the reporters print must serialise
    return result


def warc_record(uri: str, payload: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    head = (f"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri)):032x}>\r\n"
            f"WARC-Date: 2020-02-03T04:05:06Z\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
    return head + payload + b"\r\n\r\n"


VALID_WARC = b"".join(gzip.compress(warc_record(f"https://www.huffpost.com/archive/au/entry/t_au_{n}",
                                                payload, ctype), mtime=0)
                      for n, (payload, ctype) in enumerate([(VALID_HTML, "text/html"),
                                                            (VALID_TEXT, "text/plain")]))
PLAIN_WARC = gzip.decompress(VALID_WARC)


def read_all_warc(data: bytes, name: str = "t.warc.gz") -> list[Result]:
    return [_check_document(document) for document in read_warc(name, stream=io.BytesIO(data))]


def _check_document(document: Document) -> Result:
    result = check_document(document, CHECKER)
    json.dumps(result.to_dict())
    if document.read_error:
        assert [f.rule for f in result.findings] == ["parse.unreadable"]
    return result


# --- the seeds are what we think they are ------------------------------------------------

def test_seed_articles_are_valid():
    for content, path in ((VALID_HTML, "a.html"), (VALID_TEXT, "a.txt")):
        result = check(content, path)
        assert result.valid and not result.findings, result.findings
    results = read_all_warc(VALID_WARC)
    assert [r.valid for r in results] == [True, True]


# --- arbitrary and mutated bytes ------------------------------------------------------------

@FAST
@given(st.binary(max_size=4096), st.sampled_from(["x.html", "x.txt", "x", "-"]))
def test_arbitrary_bytes_yield_a_result(data, path):
    check(data, path)


@FAST
@given(st.data(), st.sampled_from([(VALID_HTML, "a.html"), (VALID_TEXT, "a.txt")]))
def test_flipped_bytes_yield_a_result(data, seed):
    content, path = seed
    buf = bytearray(content)
    for _ in range(data.draw(st.integers(1, 12))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    check(bytes(buf), path)


@pytest.mark.parametrize("content,path", [(VALID_HTML, "a.html"), (VALID_TEXT, "a.txt")])
def test_truncated_at_every_offset_yields_a_result(content, path):
    for cut in range(len(content) + 1):
        result = check(content[:cut], path)
        if cut == 0:
            assert [f.rule for f in result.findings] == ["parse.unreadable"]


@FAST
@given(st.data())
def test_unbalanced_tags_yield_a_result(data):
    text = VALID_HTML.decode()
    tags = list(re.finditer(r"</?[a-z0-9]+[^>]*>", text))
    for _ in range(data.draw(st.integers(1, 10))):
        tag = data.draw(st.sampled_from(tags))
        action = data.draw(st.sampled_from(["drop", "double", "open", "close"]))
        piece = {"drop": "", "double": tag.group(0) * 2, "open": "<div><span><p>",
                 "close": "</p></div></article></html>"}[action]
        text = text[:tag.start()] + piece + text[tag.end():]
        tags = list(re.finditer(r"</?[a-z0-9]+[^>]*>", text))
        if not tags:
            break
    check(text.encode(), "a.html")


ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "cp1252", "latin-1", "utf-32", "koi8-r", "shift_jis"]
# Codecs that are not text encodings: bytes.decode() raises LookupError on them.
NOT_TEXT_CODECS = ["uu", "rot13", "base64", "hex", "zip", "bz2", "quopri"]


@pytest.mark.parametrize("codec", NOT_TEXT_CODECS)
def test_a_charset_naming_a_non_text_codec_is_ignored(codec):
    # Found by the html fuzz target: <meta charset="uu"> raised LookupError.
    page = VALID_HTML.replace(b'charset="utf-8"', f'charset="{codec}"'.encode())
    assert check(page, "a.html").valid
    document = Document(path="a.warc.gz#0", content=VALID_HTML,
                        content_type=f"text/html; charset={codec}")
    assert check_document(document, CHECKER).valid


@FAST
@given(st.sampled_from(ENCODINGS), st.sampled_from(ENCODINGS + NOT_TEXT_CODECS + ["x-unknown", "utf-7", ""]),
       st.text(max_size=40), st.sampled_from(["a.html", "a.txt"]))
def test_swapped_encodings_yield_a_result(actual, declared, extra, path):
    page = (VALID_HTML.decode() if path == "a.html" else VALID_TEXT.decode()).replace(
        "Engineers", f"Engineers {extra} ").replace("Honey", f"Honey {extra} ")
    page = page.replace('charset="utf-8"', f'charset="{declared}"')
    content = page.encode(actual, errors="replace")
    result = check(content, path)
    if actual == "cp1252" and declared in ("utf-8", "") and any(ord(c) > 127 for c in page):
        assert any(f.rule in ("parse.encoding", "parse.unreadable") for f in result.findings)


# --- arbitrary Unicode in every field -----------------------------------------------------

FIELD = st.text(max_size=60)


@FAST
@given(headline=FIELD, dek=FIELD, author=FIELD, date=FIELD, body=st.lists(FIELD, max_size=4),
       caption=FIELD, credit=FIELD, url=FIELD, escaped=st.booleans())
def test_arbitrary_unicode_in_every_html_field(headline, dek, author, date, body, caption, credit,
                                                 url, escaped):
    page = article_html(headline=headline, dek=dek, author=author, date=date, body=body,
                        caption=caption, credit=credit, url=url,
                        escape=html.escape if escaped else str)
    check(page.encode("utf-8", errors="surrogatepass"), "a.html")


@FAST
@given(headline=FIELD, author=FIELD, body=st.lists(FIELD, max_size=4), caption=FIELD, credit=FIELD)
def test_arbitrary_unicode_in_every_text_field(headline, author, body, caption, credit):
    page = article_text(headline=headline, author=author, body=body, caption=caption, credit=credit)
    check(page.encode("utf-8", errors="surrogatepass"), "a.txt")


@FAST
@given(st.text(max_size=200))
def test_stdin_with_any_text(text):
    for document in read_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), "-", 1 << 20):
        _check_document(document)


# --- WARC reader on mutated WARCs ---------------------------------------------------------

@FAST
@given(st.data(), st.sampled_from([(VALID_WARC, "t.warc.gz"), (PLAIN_WARC, "t.warc")]))
def test_mutated_warc_yields_documents_or_a_finding(data, seed):
    content, name = seed
    buf = bytearray(content)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(buf) - 1))
        if data.draw(st.booleans()):
            buf[position] = data.draw(st.integers(0, 255))
        else:
            del buf[position:position + data.draw(st.integers(1, 200))]
    read_all_warc(bytes(buf), name)


@pytest.mark.parametrize("content,name", [(VALID_WARC, "t.warc.gz"), (PLAIN_WARC, "t.warc")])
def test_warc_truncated_at_every_offset(content, name):
    step = 1 if len(content) < 4000 else 3
    for cut in range(0, len(content) + 1, step):
        read_all_warc(content[:cut], name)


@FAST
@given(st.binary(max_size=2048), st.sampled_from(["t.warc.gz", "t.warc"]))
def test_arbitrary_bytes_as_warc(data, name):
    read_all_warc(data, name)
    read_all_warc(b"WARC/1.1\r\n" + data, name)
    read_all_warc(gzip.compress(b"WARC/1.1\r\n" + data), name)


# --- stability of content_sha256 under markup-only changes ------------------------------

def reindent(page: str, width: int) -> str:
    return "\n".join(" " * (width * (i % 3)) + line.strip() for i, line in enumerate(page.splitlines()))


def swap_attributes(page: str) -> str:
    return re.sub(r'<(\w+) ([\w-]+="[^"]*") ([\w-]+="[^"]*")(\s*/?)>', r"<\1 \3 \2\4>", page)


def add_comments(page: str, text: str) -> str:
    return page.replace("><", f"><!-- {text} --><").replace("</p>", f"<!--{text}--></p>")


def add_wrappers(page: str) -> str:
    for tag in ("<header>", "<section ", '<div class="image">'):
        page = page.replace(tag, '<div class="wrap"><span></span>' + tag, 1)
    for tag in ("</header>", "</section>", "</figcaption></div>"):
        page = page.replace(tag, tag + "</div>", 1)
    return page


def add_whitespace(page: str, ws: str) -> str:
    return page.replace("><", f">{ws}<").replace(". ", f".{ws}").replace(" ", " " + ws)


MARKUP_CHANGES = {
    "reindent": lambda page, n, ws, note: reindent(page, n),
    "attributes": lambda page, n, ws, note: swap_attributes(page),
    "comments": lambda page, n, ws, note: add_comments(page, note),
    "wrappers": lambda page, n, ws, note: add_wrappers(page),
    "whitespace": lambda page, n, ws, note: add_whitespace(page, ws),
    "crlf": lambda page, n, ws, note: page.replace("\n", "\r\n"),
}

WORDS = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=12)
SENTENCE = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(changes=st.lists(st.sampled_from(sorted(MARKUP_CHANGES)), min_size=1, max_size=4, unique=True),
       indent=st.integers(0, 8), ws=st.sampled_from([" ", "\n", "\t", "  \n  ", "\r\n"]),
       note=st.text(alphabet="abc xyz-", max_size=10), headline=SENTENCE,
       body=st.lists(SENTENCE, min_size=1, max_size=4), caption=SENTENCE)
def test_content_digest_stable_under_markup_changes(changes, indent, ws, note, headline, body, caption):
    assume("--" not in note and not note.endswith("-"))
    page = article_html(headline=headline, body=body, caption=caption)
    before = check(page.encode(), "a.html", KEEP)
    assert before.valid and before.fingerprint.get("content_sha256"), before.findings
    changed = page
    for name in changes:
        changed = MARKUP_CHANGES[name](changed, indent, ws, note)
    assert changed != page or changes == ["attributes"]
    after = check(changed.encode(), "a.html", KEEP)
    assert after.fingerprint["content_sha256"] == before.fingerprint["content_sha256"], (
        changes, before.record, after.record)
    assert after.fingerprint["sha256"] != before.fingerprint["sha256"] or changed == page


def test_content_digest_changes_with_the_credit():
    before = check(VALID_HTML, "a.html").fingerprint["content_sha256"]
    after = check(article_html(credit="Oskar Brandt / Reuters").encode(), "a.html").fingerprint
    assert after["content_sha256"] != before


_ALIASES = [alias for _, aliases in CHECKER.profiles.agencies for alias in aliases]


@FAST
@given(st.lists(st.one_of(st.sampled_from(_ALIASES), st.sampled_from(["", " ", "\n", "x", "_",
                                                                     "é", "(", "Pressé", "A"]),
                          st.text(max_size=6)), max_size=40))
def test_agency_search_automaton_finds_what_the_regex_finds(pieces):
    """ahocorasick-rs (leftmost-longest) and the fallback regex alternation agree, with the
    word-boundary checks on top, on text made of aliases, their prefixes and neighbours."""
    from archivekit.extract.assemble import _AgencyMatcher, find_agencies

    fast = _AgencyMatcher(CHECKER.profiles.agencies)
    slow = _AgencyMatcher(CHECKER.profiles.agencies, fast=False)
    assert fast._automaton is not None and slow._automaton is None
    text = "".join(pieces)
    assert fast.spans(text) == slow.spans(text)
    assert find_agencies([text], CHECKER.profiles, fast) == \
        find_agencies([text], CHECKER.profiles, slow)


@FAST
@given(st.lists(st.sampled_from(["Agência Brasil", "Agencia", "Ag", "ência", "AFP", "Prensa Latina",
                                 " ", "x", "é"]), max_size=20))
def test_agency_search_on_ascii_bytes_and_on_text_agree_with_the_regex(pieces):
    """An ASCII text is searched as bytes: the same spans as the str search and the regex,
    also with an alias that is not ASCII (never found in ASCII text) among the aliases."""
    from archivekit.extract.assemble import _AgencyMatcher

    agencies = (("Agência Brasil", ("Agência Brasil",)), ("AFP", ("AFP",)),
                ("Prensa Latina", ("Prensa Latina", "Prensa")))
    fast, slow = _AgencyMatcher(agencies), _AgencyMatcher(agencies, fast=False)
    text = "".join(pieces)
    assert fast.spans(text) == slow.spans(text)
    if not text.isascii():
        assert fast.spans(text) == [(fast.aliases[i], s, e)
                                    for i, s, e in fast._automaton.find_matches_as_indexes(text)]


@FAST
@given(st.lists(st.one_of(st.none(), st.text(max_size=30),
                          st.text(alphabet=" \t\n\xa0\u2003\u3000abcé\u0301", max_size=12)),
                max_size=12))
def test_clean_all_is_clean_on_each(texts):
    """The one-pass body cleaning gives what clean() gives paragraph by paragraph."""
    from archivekit.extract.assemble import clean, clean_all

    assert clean_all(list(texts)) == [clean(t) for t in texts]
