"""report.html and report.csv: every article (warnings too) with headline, URL, edition,
date and findings; rules linking to their articles; totals per edition and year with
charts; duplicate and near-duplicate clusters; run facts. In headless Chromium (driven
through the DevTools protocol, offline) the page renders, sorts and filters, and a
screenshot is taken."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import shutil
from datetime import UTC, datetime
from html import unescape

import pytest
from cdp import CHROMIUM, Browser
from conftest import FIXTURES

from archivekit.record import Finding, Result
from archivekit.report.html import HtmlReport
from archivekit.report.html_assets import SCRIPT


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """``archive`` over the fixtures plus a near-duplicate of one article (one word of its
    body changed) and an exact copy of another."""
    from conftest import run_archivekit

    root = tmp_path_factory.mktemp("report")
    extra = root / "extra"
    extra.mkdir()
    page = (FIXTURES / "html" / "au-2018-valid.html").read_text(encoding="utf-8")
    assert "catamarans" in page
    (extra / "au-2018-valid-edited.html").write_text(page.replace("catamarans", "ferries", 1),
                                                     encoding="utf-8")
    shutil.copy(FIXTURES / "html" / "ca-2018-valid.html", extra / "ca-2018-valid-copy.html")
    out = root / "out"
    proc = run_archivekit("archive", FIXTURES, extra, "-o", out, "--date", "2024-06-01", "-q",
                          "--name", "Fixture <collection>")
    assert proc.returncode == 1, proc.stderr
    results = [json.loads(line) for line in (out / "report.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"out": out, "html": (out / "report.html").read_text(encoding="utf-8"), "results": results}


def rows(page: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr id="a-(\d+)".*?</tr>', page, re.S)}


def test_self_contained_with_one_hashed_inline_script(run):
    page = run["html"]
    assert page.count("<script") == 1 and f"<script>{SCRIPT}</script>" in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
    assert "@import" not in page and "url(" not in page and " src=" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "Fixture &lt;collection&gt;" in page  # escaped
    assert not list(run["out"].glob(".report.*"))  # temporaries renamed away


def test_run_facts_version_command_line_and_date(run):
    from archivekit import __version__

    meta = unescape(re.search(r'<p class="meta" id="meta">(.*?)</p>', run["html"]).group(1))
    assert f"archivekit {__version__}" in meta
    assert "run on 2024-06-01T00:00:00+00:00" in meta
    assert re.search(r"archivekit archive \S*fixtures \S*extra -o \S*out --date 2024-06-01", meta)
    assert '<a href="report.csv">' in run["html"]


def test_every_article_with_headline_url_edition_date_and_findings(run):
    page, results = run["html"], run["results"]
    table = rows(page)
    assert sorted(table) == list(range(1, len(results) + 1))
    warnings_on_valid = 0
    for n, result in enumerate(results, 1):
        row = table[n]
        assert unescape(re.search(r"<small>(.*?)</small>", row).group(1)) == result["path"]
        for finding in result["findings"]:
            assert f'<a href="#rule-{finding["rule"]}"><code>{finding["rule"]}</code></a>' in row
        if result["valid"] and result["findings"]:
            warnings_on_valid += len(result["findings"])
            assert 'data-status="warning valid"' in row
    assert warnings_on_valid >= 10
    [brisbane] = [r for n, r in table.items() if results[n - 1]["path"].endswith("html/au-2018-valid.html")]
    assert "Brisbane Ferry Service Trials Solar-Powered Vessels" in brisbane
    assert "https://www.huffpost.com/archive/au/entry/brisbane-ferry-solar-trial" in brisbane
    assert 'data-edition="HuffPost Australia"' in brisbane and 'data-year="2019"' in brisbane
    assert "2019-03-14T09:30:00+10:00" in brisbane


def test_every_rule_links_to_the_articles_it_hit(run):
    page, results = run["html"], run["results"]
    hit: dict[str, list[int]] = {}
    for n, result in enumerate(results, 1):
        for rule in dict.fromkeys(f["rule"] for f in result["findings"]):
            hit.setdefault(rule, []).append(n)
    assert "parse.encoding" in hit and "banner.missing" in hit  # a warning and an error
    for rule, numbers in hit.items():
        row = re.search(rf'<tr id="rule-{re.escape(rule)}">.*?</tr>', page, re.S).group(0)
        assert [int(n) for n in re.findall(r'href="#a-(\d+)"', row)] == numbers
        assert f'data-rule="{rule}"' in row


def test_totals_per_edition_and_year_with_charts(run):
    page, results = run["html"], run["results"]

    def section(key: str) -> str:
        return re.search(rf'<h2 id="{key}">.*?</table>', page, re.S).group(0)

    for key, prefix in (("editions", "edition"), ("years", "year")):
        part = section(key)
        assert "<svg" in part and "<rect" in part
        counts = [int(m) for m in re.findall(rf'<tr id="{prefix}-[^"]+"><td>[^<]*</td><td class="n">(\d+)', part)]
        assert sum(counts) == len(results)
    years = section("years")
    assert 'id="year-2019"' in years and 'id="year-(no date)"' in years
    assert 'id="edition-HuffPost Australia"' in section("editions")


def test_duplicate_and_near_duplicate_clusters(run):
    page, results = run["html"], run["results"]
    number = {r["path"]: n for n, r in enumerate(results, 1)}
    clusters = re.findall(r'<div class="cluster" id="cluster-\d+" data-kind="([a-z-]+)">(.*?)</div>', page, re.S)
    members = [(kind, {int(n) for n in re.findall(r'href="#a-(\d+)"', body)}) for kind, body in clusters]
    original = number[str(FIXTURES / "html" / "au-2018-valid.html")]
    edited = next(n for p, n in number.items() if p.endswith("au-2018-valid-edited.html"))
    assert any(kind == "near-duplicate" and {original, edited} <= m for kind, m in members)
    ca = number[str(FIXTURES / "html" / "ca-2018-valid.html")]
    copy = next(n for p, n in number.items() if p.endswith("ca-2018-valid-copy.html"))
    assert any(kind == "duplicate" and {ca, copy} <= m for kind, m in members)
    # the same WARC record in sample.warc.gz and truncated.warc.gz
    assert sum(kind == "duplicate" for kind, _ in members) >= 3


def test_csv_has_every_result_beside_the_page(run):
    results = run["results"]
    with open(run["out"] / "report.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert [r["path"] for r in table] == [r["path"] for r in results]
    assert [r["valid"] == "true" for r in table] == [r["valid"] for r in results]
    for row, result in zip(table, results, strict=True):
        assert row["rules"].split() == sorted({f["rule"] for f in result["findings"]})
        assert int(row["errors"]) + int(row["warnings"]) == len(result["findings"])
    assert any(row["cluster"] for row in table)
    assert next(r for r in table if r["path"].endswith("html/au-2018-valid.html"))["year"] == "2019"


def test_render_small_report_is_stable():
    report = HtmlReport(title="t")
    report.add(Result("a.html", None, "huffpost-au", []),
               {"headline": "A", "url": "https://example.org/a", "edition": "Ed", "date": "12/07/2018"})
    report.add(Result("b.html", None, "huffpost-ca", [Finding("banner.missing", "error", "no banner",
                                                              "/banner")]))
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    page = report.render(when)
    assert page == report.render(when)
    assert 'id="total-articles"><b>2</b>' in page and 'id="total-failing"><b>1</b>' in page
    assert 'data-year="2018"' in page and "2018-07-12" in page  # read day first
    assert '<a href="#a-2">b.html</a>' in page
    text = report.csv_text()
    assert list(csv.reader(io.StringIO(text)))[2][:3] == ["2", "b.html", ""]


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (apt-get install chromium)")
def test_sorts_and_filters_offline_in_headless_chromium(run, tmp_path):
    results = run["results"]
    with Browser(tmp_path / "profile") as browser:
        browser.goto((run["out"] / "report.html").as_uri())
        assert browser.eval("document.documentElement.dataset.ready") == "1"  # the CSP let it run
        assert all(url.startswith(("file:", "data:")) for url in browser.requests()), browser.requests()
        assert browser.eval("document.querySelector('h1').textContent") == "archivekit report: Fixture <collection>"
        shown = "document.getElementById('shown').textContent"
        assert browser.eval(shown) == f"{len(results)} of {len(results)} shown"

        visible = ("Array.from(document.querySelectorAll('#articles-table tbody tr'))"
                   ".filter(r => !r.hidden)")
        dates = f"{visible}.map(r => r.cells[4].getAttribute('data-v'))"
        click = "document.querySelector('th[data-key=\"{}\"] button').click()"
        browser.eval(click.format("date"))
        ascending = browser.eval(dates)
        assert ascending == sorted(ascending) and ascending[0] == "" and ascending[-1] > "2019"
        browser.eval(click.format("date"))
        assert browser.eval(dates) == sorted(ascending, reverse=True)
        browser.eval(click.format("errors"))
        errors = browser.eval(f"{visible}.map(r => Number(r.cells[6].textContent))")
        assert errors == sorted(errors) and errors[-1] >= 2
        browser.eval(click.format("n"))
        assert browser.eval(f"{visible}.map(r => r.id)") == [f"a-{n}" for n in range(1, len(results) + 1)]

        def set_filter(element: str, value: str, event: str) -> None:
            browser.eval(f"(() => {{ const e = document.getElementById('{element}'); e.value = {json.dumps(value)};"
                         f" e.dispatchEvent(new Event('{event}')); }})()")

        set_filter("q", "brisbane", "input")
        brisbane = [n for n, r in enumerate(results, 1) if "brisbane" in (r["uri"] or "").lower()]
        assert browser.eval(f"{visible}.map(r => r.id)") == [f"a-{n}" for n in brisbane]
        assert browser.eval(shown) == f"{len(brisbane)} of {len(results)} shown"
        set_filter("q", "", "input")
        set_filter("f-status", "warning", "change")
        warned = [n for n, r in enumerate(results, 1) if any(f["severity"] == "warning" for f in r["findings"])]
        assert browser.eval(f"{visible}.map(r => r.id)") == [f"a-{n}" for n in warned]
        set_filter("f-edition", "HuffPost Québec", "change")
        assert browser.eval(f"{visible}.every(r => r.dataset.edition === 'HuffPost Québec' "
                            "&& r.dataset.status.includes('warning'))")
        # a rule's "show them in the table" link: only that rule's articles, other filters off
        browser.eval("document.querySelector('a[data-rule=\"banner.missing\"]').click()")
        missing = [n for n, r in enumerate(results, 1) if any(f["rule"] == "banner.missing" for f in r["findings"])]
        assert browser.eval(f"{visible}.map(r => r.id)") == [f"a-{n}" for n in missing]
        shot = browser.screenshot(tmp_path / "report.png")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000
    print(f"screenshot: {shot}")
