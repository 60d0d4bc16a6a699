"""The extractors through the library API: the record fields they fill, line numbers,
encodings, and a parser that never resolves an external entity or touches the network."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from archivekit.checker import Checker
from archivekit.extract import Unreadable, extract
from archivekit.profiles import load_profiles
from archivekit.record import Document
from archivekit.sources import read_warc

PROFILES = load_profiles()


def record(rel: str, **doc) -> dict:
    path = FIXTURES / rel
    return extract(Document(path=str(path), content=path.read_bytes(), **doc), PROFILES).data


def page(html: str, name: str = "page.html", **doc) -> dict:
    return extract(Document(path=name, content=html.encode("utf-8"), **doc), PROFILES).data


def line_of(rel: str, needle: str) -> int:
    lines = (FIXTURES / rel).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def findings(rel: str) -> list:
    path = FIXTURES / rel
    return Checker().check(Document(path=str(path), content=path.read_bytes())).findings


def test_html_2018_record():
    data = record("html/au-2018-valid.html")
    assert data["url"] == ("https://www.huffpost.com/archive/au/entry/"
                           "brisbane-ferry-solar-trial_au_5c8a1e2fe4b0d7f6b0f3a912")
    assert (data["profile"], data["edition"], data["language"]) == \
        ("huffpost-au", "HuffPost Australia", "en")
    assert data["headline"] == ("Brisbane Ferry Service Trials Solar-Powered Vessels On Its "
                                "Busiest River Route")
    assert data["dek"].startswith("Two quiet catamarans")
    assert data["authors"] == ["Harriet Quill"]
    assert data["attribution"] == {"bylines": ["Harriet Quill"],
                                   "agencies": ["Australian Associated Press"]}
    assert data["date_published"] == "2019-03-14T09:30:00+10:00"
    assert data["published_before_closure"] is True
    assert len(data["body"]) == 4 and data["body"][0].startswith("Commuters crossing")
    assert data["word_count"] == sum(len(p.split()) for p in data["body"])
    # The edition in this banner is a link: the whole sentence is still the banner.
    assert data["banner"] == {
        "text": "This article exists as part of the online archive for HuffPost Australia, "
                "which closed in 2021.",
        "edition": "HuffPost Australia", "closed_year": 2021, "matches_profile": True,
        "before_headline": True}
    assert data["footer"]["edition"] == "HuffPost Australia"
    assert data["images"] == [{
        "src": "https://img.huffingtonpost.com/asset/5c8a1f0a2400003b0a6c11d2.jpeg",
        "caption": "One of the two trial catamarans moored at the floating charging pontoon.",
        "credit": "Dara Whitcombe / Reuters", "credit_agency": "Reuters"}]
    assert data["parse"] == {"readable": True, "encoding": "utf-8", "encoding_clean": True}


def test_html_2018_wire_byline_and_agencies_from_prose():
    data = record("html/in-2018-valid.html")
    assert data["authors"] == ["Kavya Iyengar"]
    assert data["attribution"]["bylines"] == ["Kavya Iyengar", "With inputs from PTI"]
    assert data["attribution"]["agencies"] == ["Press Trust of India"]
    assert data["images"][0]["credit_agency"] == "Agence France-Presse"


def test_html_2016_record():
    data = record("html/qc-2016-valid.html")
    assert (data["profile"], data["language"]) == ("huffpost-qc", "fr")
    assert data["headline"] == "Des élèves de Sherbrooke construisent un satellite miniature"
    assert data["dek"].startswith("Le cube de dix centimètres")
    assert data["authors"] == ["Mathis Desrochers"]  # "Par " is a byline prefix
    assert data["banner"]["edition"] == "HuffPost Québec" and data["banner"]["closed_year"] == 2021
    assert data["footer"]["edition"] == "HuffPost Québec"
    [image] = data["images"]
    assert image["caption"] == "Deux élèves assemblent la structure du satellite."
    assert image["credit"] == "Mireille Gagnon / La Presse canadienne"
    assert image["credit_agency"] == "The Canadian Press"
    assert len(data["body"]) == 3  # the figure between paragraphs is not body text


def test_text_record():
    data = record("text/au-valid.txt")
    assert data["headline"] == "Perth Commuters Asked To Name The City\u2019s New Tunnel Boring Machine"
    assert data["authors"] == ["Imogen Fairweather"]
    assert data["date_published"] == "2018-06-11T00:00:00+00:00"
    assert data["attribution"]["agencies"] == ["Australian Associated Press"]
    assert len(data["body"]) == 3 and data["headline"] not in data["body"]
    assert data["images"] == [{
        "src": None,
        "caption": "The cutting head of the boring machine before it was lowered into the shaft.",
        "credit": "Tess Marlowe via Reuters", "credit_agency": "Reuters"}]
    assert data["banner"]["edition"] == "HuffPost Australia"
    assert data["banner"]["before_headline"] is True
    assert data["footer"]["edition"] == "HuffPost Australia"


def test_text_record_in_french():
    data = record("text/qc-valid.txt")
    assert data["profile"] == "huffpost-qc"
    assert data["authors"] == ["Noémie Labrecque"]
    assert data["date_published"] == "2018-02-19T00:00:00+00:00"
    assert [i["credit"] for i in data["images"]] == ["Hugo Lacasse via Getty Images"]
    assert "Fermer" not in data["body"]


def test_text_without_banner_has_no_profile_unless_forced():
    path = FIXTURES / "text/au-banner-missing.txt"
    document = Document(path=str(path), content=path.read_bytes())
    data = extract(document, PROFILES).data
    assert data["banner"] is None and data["profile"] is None
    assert data["footer"]["edition"] == "HuffPost Australia"
    forced = extract(document, PROFILES, forced_profile="huffpost-au").data
    assert forced["profile"] == "huffpost-au" and forced["published_before_closure"] is True


def test_text_image_blocks_without_caption_or_credit():
    assert record("text/ca-caption-missing.txt")["images"] == [{
        "src": None, "caption": None, "credit": "Aoife Brennan / The Canadian Press",
        "credit_agency": "The Canadian Press"}]
    [image] = record("text/Québec édition – sans crédit (copie).txt")["images"]
    assert image["caption"] == "Des lanternes le long du sentier enneigé." and image["credit"] is None


@pytest.mark.parametrize(("rel", "rule", "needle"), [
    ("html/in-2018-caption-missing.html", "image.caption.missing", '<div class="image">'),
    ("html/qc-2016-credit-missing.html", "image.credit.missing", '<figure class="image">'),
    ("html/ca-2016-credit-malformed.html", "image.credit.malformed", '<figure class="image">'),
    ("html/in-2018-banner-after-headline.html", "banner.position", 'class="archive-banner"'),
    ("html/au-2016-banner-2019.html", "banner.mismatch", 'id="archive-notice"'),
    ("html/qc-2018-date-malformed.html", "date.malformed", "<time "),
    ("html/in-2018-after-closure.html", "date.after_closure", "<time "),
    ("html/au-2018-url-malformed.html", "url.malformed", 'rel="canonical"'),
    ("html/au-2018-attribution-missing.html", "attribution.missing", '<h1 class="headline">'),
])
def test_html_findings_carry_the_source_line(rel, rule, needle):
    [finding] = findings(rel)
    assert finding.rule == rule
    assert finding.line == line_of(rel, needle)


def test_latin1_declared_is_clean():
    data = record("html/qc-2016-latin1-declared.html")
    assert data["parse"]["encoding_clean"] is True
    assert data["headline"] == "Une cabane à sucre de Trois-Rivières ouvre ses portes aux écoles"
    assert data["authors"] == ["Gaëlle Thibodeau"]


def test_charset_from_the_http_header_wins_over_a_missing_meta():
    raw = (FIXTURES / "html/qc-2016-latin1-declared.html").read_bytes()
    raw = b"\n".join(line for line in raw.split(b"\n") if b"charset=" not in line)
    path = "capture.warc.gz#0"
    guessed = extract(Document(path=path, content=raw, content_type="text/html"), PROFILES).data
    assert guessed["parse"]["encoding_clean"] is False  # not UTF-8, nothing declared
    told = extract(Document(path=path, content=raw,
                            content_type="text/html; charset=ISO-8859-1"), PROFILES).data
    assert told["parse"]["encoding_clean"] is True
    assert told["headline"] == "Une cabane à sucre de Trois-Rivières ouvre ses portes aux écoles"


def test_windows_1252_without_declaration():
    data = record("bad/au-cp1252-undeclared.html")
    assert data["parse"]["encoding"] == "cp1252" and data["parse"]["encoding_clean"] is False
    # Read as Windows-1252, the curly quotes come out right.
    assert data["headline"] == "Wollongong\u2019s Oldest Sea Pool Reopens After Storm Repairs"
    [finding] = findings("bad/au-cp1252-undeclared.html")
    assert finding.rule == "parse.encoding" and "UTF-8" in finding.message


def test_mojibake():
    data = record("bad/ca-mojibake.txt")
    assert data["parse"]["encoding"] == "utf-8" and data["parse"]["encoding_clean"] is False
    [finding] = findings("bad/ca-mojibake.txt")
    assert finding.rule == "parse.encoding" and "mojibake" in finding.message


@pytest.mark.parametrize("rel", ["bad/binary.html", "bad/empty.html", "bad/truncated-in-head.html"])
def test_unreadable(rel):
    with pytest.raises(Unreadable):
        record(rel)


def test_xhtml_with_an_xml_declaration():
    data = record("html/in-2016-xhtml-declaration.html")
    assert data["headline"] == "Mysuru Prepares Its Dasara Elephants With Weeks Of Rehearsal"
    assert data["banner"]["edition"] == "HuffPost India"


def test_the_timestamp_wins_over_the_head_meta_date():
    html = (FIXTURES / "html/ca-2018-valid.html").read_text(encoding="utf-8").replace(
        '<meta property="article:published_time" content="2020-01-22T14:05:00-06:00">',
        '<meta property="article:published_time" content="2020-01-23T08:00:00-06:00">')
    assert page(html)["date_published"] == "2020-01-22T14:05:00-06:00"


def test_no_external_entity_and_no_network(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    html = (FIXTURES / "html/au-2016-valid.html").read_text(encoding="utf-8")
    html = html.replace("<!DOCTYPE html>", (
        f'<!DOCTYPE html SYSTEM "http://127.0.0.1:{port}/page.dtd" [\n'
        f'<!ENTITY secret SYSTEM "{secret.as_uri()}">\n'
        f'<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/remote.txt">\n'
        f'<!ENTITY % dtd SYSTEM "http://127.0.0.1:{port}/evil.dtd"> %dtd;\n]>'))
    html = html.replace("<p>Volunteers with torches", "<p>&secret; &remote; Volunteers with torches")
    try:
        data = page(html)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    assert "TOP-SECRET-CONTENT" not in json.dumps(data)
    assert data["headline"] == "Hobart Volunteers Count Record Number Of Little Penguins"


def test_truncated_warc_yields_the_records_before_the_cut():
    docs = list(read_warc(str(FIXTURES / "warc/truncated.warc.gz")))
    assert [d.read_error is None for d in docs] == [True, True, False]
    assert "truncated" in docs[2].read_error
    assert docs[0].uri.startswith("https://www.huffpost.com/archive/au/")
    assert docs[0].date == "2023-04-01T10:00:00Z"


@pytest.mark.parametrize(("text", "agencies"), [
    ("reported by Australian Associated Press", ["Australian Associated Press"]),
    ("The Associated Press and Reuters said", ["Reuters", "Associated Press"]),
    ("AAPL shares, EPAs and ANIMAL fell", []),
    ("(AP Photo/Ines Varga)", ["Associated Press"]),
    ("selon La Presse canadienne", ["The Canadian Press"]),
    ("Sourav Mitra/AFP via Getty Images", ["Agence France-Presse", "Getty Images"]),
])
def test_agencies_are_whole_words_and_the_longest_alias_wins(text, agencies):
    from archivekit.extract.assemble import find_agencies

    assert find_agencies([text], PROFILES) == agencies


@pytest.mark.parametrize(("rel", "rule", "needle"), [
    # The banner belongs at the top of the page body, the notice at its end.
    ("html/qc-2018-banner-missing.html", "banner.missing", "<body"),
    ("html/ca-2016-footer-missing.html", "footer.missing", None),
    ("html/au-2016-headline-missing.html", "headline.missing", "entry__body"),
    ("html/in-2018-banner-after-headline.html", None, None),
    ("html/ca-2018-body-missing.html", "body.missing", "entry__content-list"),
    ("text/au-banner-missing.txt", "banner.missing", None),
    ("text/qc-footer-missing.txt", "footer.missing", None),
])
def test_a_missing_part_is_reported_where_it_belongs(rel, rule, needle):
    """A *.missing finding has a line (for SARIF and GitHub annotations): where the part
    would stand, not nothing."""
    if rule is None:  # parts that are there keep their own lines
        assert all(f.line is not None for f in findings(rel))
        return
    found = [f for f in findings(rel) if f.rule == rule]
    assert len(found) == 1 and found[0].line is not None
    text = (FIXTURES / rel).read_text(encoding="utf-8")
    if needle is not None:
        assert found[0].line == line_of(rel, needle)
    elif rule == "banner.missing":  # a text dump: its first line
        assert found[0].line == 1 + next(i for i, line in enumerate(text.splitlines())
                                         if line.strip())
    else:  # the notice: at the page's last element (HTML) or last line (text)
        lines = text.splitlines()
        last = max(n for n, line in enumerate(lines, start=1) if line.strip())
        if rel.endswith(".txt"):
            assert found[0].line == last
        else:
            assert found[0].line > line_of(rel, "<body") and found[0].line <= last


COURIER = FIXTURES / "courier" / "courier-2019-valid.html"


def _courier(profile_dir) -> tuple[dict, list]:
    checker = Checker(profiles=load_profiles(str(profile_dir)), keep_record=True)
    result = checker.check(Document(path=str(COURIER), content=COURIER.read_bytes()))
    return result.record, result.findings


def test_a_profile_with_selectors_reads_a_template_the_built_in_rules_do_not_know():
    """README, Profiles: a new archive is a new profile file, not a code change. The Courier's
    page keeps its headline, byline, date, body and photo credits where no built-in
    rule looks; its profile's CSS selectors say where."""
    record, found = _courier(FIXTURES / "profiles")
    assert found == []
    assert record["profile"] == "example-courier"
    assert record["headline"] == "Tram depot to become a night market"
    assert record["authors"] == ["Hana Pelletier"]
    assert record["date_published"] == "2018-11-03T07:15:00+13:00"
    assert len(record["body"]) == 3 and record["body"][0].startswith("The old tram depot")
    assert record["images"] == [{
        "src": "https://img.courier.example.org/2018/11/depot.jpg",
        "caption": "Lanterns strung across the depot's main hall during a trial evening.",
        "credit": "Marta Kovač / Courier Pictures", "credit_agency": None}]
    assert record["banner"]["edition"] == record["footer"]["edition"] == "The Example Courier"


def test_without_its_selectors_the_generic_reading_finds_the_parts(tmp_path):
    data = json.loads((FIXTURES / "profiles" / "example-courier.json").read_text())
    del data["selectors"]
    (tmp_path / "example-courier.json").write_text(json.dumps(data))
    record, found = _courier(tmp_path)
    assert record["profile"] == "example-courier"  # banner and notice still match
    # The generic reading finds what the selectors name: the headline (the <title> less
    # its " | Site"), the byline (class word "writer"), the body (content density) and
    # the photo, its credit by class word ("source"), its caption by position.
    assert found == []
    assert record["headline"] == "Tram depot to become a night market"
    assert record["authors"] == ["Hana Pelletier"]
    assert len(record["body"]) == 3 and record["body"][0].startswith("The old tram depot")
    assert record["images"] == [{
        "src": "https://img.courier.example.org/2018/11/depot.jpg",
        "caption": "Lanterns strung across the depot's main hall during a trial evening.",
        "credit": "Marta Kovač / Courier Pictures", "credit_agency": None}]


@pytest.mark.parametrize(("selectors", "words"), [
    ({"headline": "div[[x"}, "selector 'div[[x'"),
    ({"title": "h1"}, "unknown selector field(s) title"),
    ({"headline": ""}, "a CSS selector string is expected"),
    ("h1", '"selectors" must be an object'),
])
def test_a_bad_selector_is_refused_when_the_profile_loads(tmp_path, selectors, words):
    from archivekit.profiles import ProfileError

    data = json.loads((FIXTURES / "profiles" / "example-courier.json").read_text())
    data["selectors"] = selectors
    (tmp_path / "p.json").write_text(json.dumps(data))
    with pytest.raises(ProfileError, match="invalid profile") as info:
        load_profiles(str(tmp_path))
    assert words in str(info.value)


def test_the_banner_or_notice_repeated_in_the_body_is_not_body_text():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_properties import BANNER, FOOTER, article_html

    checker = Checker()
    body = ("First paragraph of the story.", BANNER, "Second paragraph: " + FOOTER,
            "Third one names the archive but not the whole banner sentence.", "Last.")
    page = article_html(body=body, escape=lambda s: s).encode()
    record = extract(Document(path="a.html", content=page), checker.profiles).data
    assert record["body"] == ["First paragraph of the story.",
                              "Third one names the archive but not the whole banner sentence.", "Last."]
    plain = article_html(body=body[:1] + body[3:], escape=lambda s: s).encode()
    assert extract(Document(path="b.html", content=plain), checker.profiles).data["body"] == \
        record["body"]


# --- the parser reads UTF-8 pages as bytes ---------------------------------------------

_ODD_UTF8 = [b"", b"   ", b"<p>x</p>", b"\x00<p>a\x00b</p>", "<p>caf\u00e9 \u2014 \U0001F600</p>".encode(),
             b"<html><head><meta charset='iso-8859-1'></head><body>\xc3\xa9</body></html>",
             b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>"
             b"<p>\xe2\x80\x99</p>",
             b"a\r\nb\rc\n<p>\r\n</p>", b"<p>\xef\xbf\xbe \xef\xbf\xbf \xf4\x8f\xbf\xbf</p>",
             b"\x0c<p>\x01\x02\x7f</p>", b"<!DOCTYPE html><body><p>&amp;&#0;&#xD800;&#x110000;</p>",
             b"<p>" + "\u00e9".encode() * 50000 + b"</p>", b"<" * 1000, b"<html>" + b"<div>" * 300 + b"x"]


def _utf8_test_pages() -> list[bytes]:
    """The odd UTF-8 shapes, every fixture page and every real page there is."""
    from conftest import corpus_pages

    try:
        real = [p.read_bytes() for p in corpus_pages()]
    except pytest.skip.Exception:
        real = []
    return _ODD_UTF8 + [p.read_bytes() for p in sorted(FIXTURES.rglob("*.htm*"))] + real


def _parsed(text, utf8):
    from lxml import etree

    from archivekit.extract.dom import parse_html

    try:
        root = parse_html(text, utf8)
    except Exception as exc:  # noqa: BLE001 - the two paths must fail alike too
        return type(exc).__name__, str(exc)
    if root is None:
        return None
    return etree.tostring(root, encoding="unicode"), [el.sourceline for el in root.iter()]


def test_a_utf8_page_parsed_from_its_bytes_gives_the_tree_of_its_text():
    """parse_html reads a page's own bytes when its text is their UTF-8 decoding
    (Decoded.utf8): the tree and its line numbers are those of the text."""
    from archivekit.extract.decode import decode

    pages = _utf8_test_pages()
    compared = 0
    for data in pages:
        decoded = decode(data)
        if decoded.utf8 is None:
            continue
        assert decoded.utf8 is data and decoded.text == data.decode("utf-8")
        assert _parsed(decoded.text, None) == _parsed(decoded.text, data), data[:80]
        compared += 1
    assert compared >= len(_ODD_UTF8) + 20
    assert decode(b"\xef\xbb\xbf<p>x</p>").utf8 is None  # a BOM: the text path
    assert decode("<p>caf\u00e9</p>".encode("cp1252")).utf8 is None


def test_a_utf8_page_is_parsed_from_its_bytes_without_making_its_text():
    """The text of a UTF-8 page is made only when asked for: the tree from the bytes
    alone is the tree of the text, and the head read from the bytes is the text's."""
    from archivekit.extract.decode import decode

    pages = _utf8_test_pages()
    lazy = 0
    for data in pages:
        if decode(data).utf8 is None:
            continue
        text = data.decode("utf-8")
        for size in (0, 1, 5, 63, 64, 1024, len(text) + 1):
            assert decode(data).head(size) == text[:size], (size, data[:80])
        lazy += decode(data)._text is None
        assert _parsed(None, data) == _parsed(text, data), data[:80]
        assert decode(data).text == text
    assert lazy >= 20
    assert decode("<p>caf\u00e9 \u2019</p>".encode())._text is None
    suspect = decode("<p>It\u00e2\u20ac\u2122s</p>".encode())  # "It’s" read as cp1252
    assert not suspect.clean and "mojibake" in suspect.problem
    assert decode("<p>\u00c2x \u00e2ge \u00c3x</p>".encode()).clean  # leads, no pair


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("a \u00a0\u00e9\u00e2\u20ac\u2122\u0153\u009d\u201c\u201d\u02dc\u00a6"
                               "\u00a2\u00c3\u00a9\u00a8\u00aa\u00ab\u00b4\u00af\u00ae\u00a7\u00b9"
                               "\u00b2\u00b3\u00bc\u00bd\u00be\u00c2\u00b7\u00bb\u00b0"), max_size=30))
def test_the_mojibake_search_in_the_bytes_is_the_search_in_the_text(text):
    from archivekit.extract.decode import _MOJIBAKE, _MOJIBAKE_UTF8

    found, in_bytes = _MOJIBAKE.search(text), _MOJIBAKE_UTF8.search(text.encode())
    assert (found is None) == (in_bytes is None)
    if found is not None:
        assert found.group(0) == in_bytes.group(0).decode()
        assert found.start() == len(text.encode()[:in_bytes.start()].decode())
