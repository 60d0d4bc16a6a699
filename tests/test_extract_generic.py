"""The generic reading (issue 10): structured data, class tokens, content density,
images limited to the article, captions and credits told apart, and the ``extract``
verb that shows the record."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, run_archivekit

from archivekit.checker import Checker
from archivekit.extract import extract
from archivekit.extract.html_parts import strip_site
from archivekit.extract.structured import date_in_text
from archivekit.profiles import load_profiles
from archivekit.record import Document

PROFILES = load_profiles()
BANNER = ("<p>This article exists as part of the online archive for HuffPost Australia, "
          "which closed in 2021.</p>")
FOOTER = ("<p>This article exists as part of the online archive for HuffPost Australia. "
          "Certain site features have been disabled. If you have questions or concerns, "
          "please check our FAQ or contact support@huffpost.com.</p>")
URL = "https://www.huffpost.com/archive/au/entry/some-story_au_5c8a1e2fe4b0d7f6b0f3a912"
BODY = ("<p>The first paragraph of the story runs long enough to count as article text here.</p>"
        "<p>The second paragraph adds a little more, so the page has a body worth reading.</p>")


def record(rel: str) -> dict:
    path = FIXTURES / rel
    return extract(Document(path=str(path), content=path.read_bytes()), PROFILES).data


def page(html: str, name: str = "page.html") -> dict:
    return extract(Document(path=name, content=html.encode("utf-8")), PROFILES).data


def rules(html: str) -> set[str]:
    result = Checker().check(Document(path="page.html", content=html.encode("utf-8")))
    return {f.rule for f in result.findings}


def article(head: str = "", body: str = BODY) -> str:
    return (f"<html lang='en'><head><link rel='canonical' href='{URL}'>{head}</head>"
            f"<body>{BANNER}{body}{FOOTER}</body></html>")


def test_class_names_are_tokens_not_substrings():
    # body.loadimages and div.post-image-aligned-center once hid every paragraph.
    data = record("html/ca-2015-legacy-template.html")
    assert len(data["body"]) == 3 and data["body"][0].startswith("Ferry riders")
    assert data["headline"] == "Halifax Ferry Fares Frozen For Another Year"


def test_images_are_the_articles_and_its_lead_image_only():
    data = record("html/ca-2015-legacy-template.html")
    # Carousel thumbnails, the account avatar and the author's headshot are furniture;
    # the lead image's caption-classed div holds its credit, the alt its caption.
    assert data["images"] == [{
        "src": "https://i.huffpost.com/gen/3011874/images/o-HALIFAX-FERRY-facebook.jpg",
        "caption": "A harbour ferry leaving the Dartmouth terminal in the evening.",
        "credit": "Bloomberg via Getty Images", "credit_agency": "Getty Images"}]


@pytest.mark.parametrize(("rel", "headline"), [
    ("generic/au-jsonld-graph.html", "Hobart Bakery Turns Spent Grain Into Crackers"),
    ("generic/qc-opengraph-meta.html", "Un verger de Rougemont loue ses pommiers"),
    ("generic/ca-microdata-divs.html", "Winnipeg Transit Adds Heated Shelters On Three Routes"),
    ("html/au-2010-text-in-divs.html", "Darwin Markets Move Indoors For The Wet Season"),
])
def test_headline_from_structured_data_or_title_not_a_logo_or_menu(rel, headline):
    assert record(rel)["headline"] == headline


@pytest.mark.parametrize(("rel", "authors", "agencies"), [
    ("generic/au-jsonld-graph.html", ["Maeve Lindqvist"], []),
    ("generic/qc-opengraph-meta.html", ["Clémence Aubertin-Leduc"], []),
    ("generic/ca-microdata-divs.html", ["Tobias Ekwueme"], []),
    ("generic/in-byline-br-pre.html", ["AP"], ["Associated Press"]),
    ("html/au-2010-text-in-divs.html", ["Priya Ramaswamy"], []),
    ("html/ca-2015-legacy-template.html", ["Jonah Abernethy"], ["The Canadian Press"]),
])
def test_authors_from_jsonld_meta_microdata_and_markup(rel, authors, agencies):
    data = record(rel)
    assert data["authors"] == authors
    # A bare "AP" byline names the agency; prose and credits add theirs.
    assert set(agencies) <= set(data["attribution"]["agencies"])


@pytest.mark.parametrize(("rel", "date"), [
    ("generic/au-jsonld-graph.html", "2020-03-25T07:45:00+11:00"),
    ("generic/ca-microdata-divs.html", "2019-12-02T10:00:00-06:00"),
    ("html/au-2010-text-in-divs.html", "2010-11-20T08:00:00+09:30"),
    ("generic/in-byline-br-pre.html", "2019-03-04T00:00:00+00:00"),
    ("html/in-2021-span-timestamp-after-closure.html", "2021-01-12T00:00:00+00:00"),
    ("html/ca-2021-jsonld-after-closure.html", "2021-04-22T09:15:00-06:00"),
])
def test_dates_from_jsonld_meta_value_itemprop_and_spans(rel, date):
    assert record(rel)["date_published"] == date


def test_a_page_without_p_or_h1_is_read():
    data = record("html/au-2010-text-in-divs.html")
    assert data["parse"]["readable"] is True
    assert len(data["body"]) == 3
    html = article(body="<div><pre>Line one of a notice that is long enough to read.\n"
                        "Line two of the same notice, in preformatted text.</pre></div>")
    assert page(html)["body"] == ["Line one of a notice that is long enough to read. "
                                  "Line two of the same notice, in preformatted text."]


@pytest.mark.parametrize("credit", [
    "(Reed Saxon / Associated Press)", "Alex Wong | Getty Images", "Credit: EPA", "Photo: AFP",
    "Name / Reuters", "REUTERS/Name", "United Nations Command via Reuters",
    "Name via Getty Images", "ASSOCIATED PRESS", "(AP Photo/Name)",
    "(Photo by Name/Getty Images)", "Name/AFP via Getty Images", "Name/EPA/EFE",
    "PA Images via Getty Images", "AP", "PA",
])
def test_wire_credit_forms_are_well_formed(credit):
    html = article(body=BODY + f"<figure><img src='a.jpg' alt='A described scene.'>"
                               f"<figcaption>A described scene.<span class='credit'>{credit}"
                               f"</span></figcaption></figure>")
    found = rules(html)
    assert "image.credit.malformed" not in found and "image.credit.missing" not in found


@pytest.mark.parametrize(("caption", "want"), [
    ("Crowds on the pier at dawn. (Reed Saxon / Associated Press)",
     ("Crowds on the pier at dawn.", "(Reed Saxon / Associated Press)")),
    ("Crowds on the pier at dawn. Photo: AFP", ("Crowds on the pier at dawn.", "Photo: AFP")),
    ("Bloomberg via Getty Images", ("A pier.", "Bloomberg via Getty Images")),
    ("Crowds on the pier at dawn.", ("Crowds on the pier at dawn.", None)),
])
def test_caption_and_credit_told_apart_by_content(caption, want):
    html = article(body=BODY + f"<figure><img src='a.jpg' alt='A pier.'>"
                               f"<figcaption class='caption'>{caption}</figcaption></figure>")
    [image] = page(html)["images"]
    assert (image["caption"], image["credit"]) == want


def test_furniture_images_are_left_out_by_structure():
    tiles = "".join(f"<li><a href='/entry/{n}'><img src='t{n}.jpg' alt='Tile'></a></li>"
                    for n in range(5))
    html = article(body=f"<nav><img src='logo.png' alt='Logo'></nav><article>{BODY}"
                        f"<figure><img src='a.jpg' alt='x'><figcaption>A pier. "
                        f"<span class='credit'>Name / Reuters</span></figcaption></figure>"
                        f"</article><aside><figure><img src='s.jpg'><figcaption>Side"
                        f"</figcaption></figure></aside><ul>{tiles}</ul>")
    assert [i["src"] for i in page(html)["images"]] == ["a.jpg"]


def test_extraction_is_deterministic():
    # Element sets hold their lxml proxies: a freed proxy's id once came back for
    # another element and changed the body from run to run.
    path = FIXTURES / "generic/in-byline-br-pre.html"
    doc = Document(path=str(path), content=path.read_bytes())
    first = extract(doc, PROFILES).data
    assert all(extract(doc, PROFILES).data == first for _ in range(5))


@pytest.mark.parametrize(("title", "site", "want"), [
    ("A Headline | HuffPost Canada", "HuffPost Canada", "A Headline"),
    ("A Longer Headline Here - Daily Paper", None, "A Longer Headline Here"),
    ("Storm - what we know", None, "Storm - what we know"),
    ("Plain headline", None, "Plain headline"),
])
def test_site_suffix(title, site, want):
    assert strip_site(title, site) == want


@pytest.mark.parametrize(("value", "want"), [
    ("Posted 2019-03-04T10:00:00Z", "2019-03-04T10:00:00Z"),
    ("March 4, 2019 at 10am", "2019-03-04"),
    ("4 March 2019", "2019-03-04"),
    ("12/07/2018", None),
    ("no date here", None),
])
def test_date_in_text(value, want):
    assert date_in_text(value) == want


# --- the extract verb ---------------------------------------------------------------------

GENERIC = sorted((FIXTURES / "generic").glob("*.html"))


@pytest.fixture(scope="module")
def extract_runs(tmp_path_factory):
    empty = tmp_path_factory.mktemp("extract") / "empty.html"
    empty.write_bytes(b"")
    return {
        "json": run_archivekit("extract", *GENERIC, "--format", "json"),
        "text": run_archivekit("extract", FIXTURES / "html/ca-2015-legacy-template.html"),
        "bad": run_archivekit("extract", empty, "-f", "json"),
        "missing": run_archivekit("extract", empty.parent / "nope.html", "-f", "json"),
    }


def test_extract_json_gives_the_record_the_schema_validates(extract_runs):
    proc = extract_runs["json"]
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(p) for p in GENERIC]
    checker = Checker(keep_record=True)
    for line, path in zip(lines, GENERIC, strict=True):
        assert set(line) == {"path", "uri", "record"}
        result = checker.check(Document(path=str(path), content=path.read_bytes()))
        assert line["record"] == result.record
        assert line["uri"] == result.uri


def test_extract_text_shows_the_parts(extract_runs):
    proc = extract_runs["text"]
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "headline: Halifax Ferry Fares Frozen For Another Year" in out
    assert "authors:  Jonah Abernethy" in out
    assert "date:     2015-06-02T11:20:00-03:00" in out
    assert "body:     3 paragraphs" in out and "Ferry riders crossing Halifax" in out
    assert "caption: A harbour ferry leaving" in out
    assert "credit:  Bloomberg via Getty Images (Getty Images)" in out


def test_extract_unreadable_and_missing_inputs(extract_runs):
    bad = json.loads(extract_runs["bad"].stdout)
    assert bad["record"] is None and "empty" in bad["error"]
    assert extract_runs["bad"].returncode == 1  # as check's parse.unreadable finding
    missing = extract_runs["missing"]
    assert missing.returncode == 3 and "Traceback" not in missing.stderr
    assert "nope.html" in missing.stderr


@pytest.mark.parametrize("credit", ["Alex Wong | Getty Images", "Credit: EPA", "Photo: AFP"])
def test_text_dump_credit_forms(credit):
    text = (FIXTURES / "text/ca-caption-missing.txt").read_text(encoding="utf-8")
    text = text.replace("Aoife Brennan / The Canadian Press", credit)
    data = extract(Document(path="dump.txt", content=text.encode("utf-8")), PROFILES).data
    assert [(i["caption"], i["credit"]) for i in data["images"]] == [(None, credit)]
