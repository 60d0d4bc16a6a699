"""report.html: self-contained, and it renders in headless Chromium with the totals."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from conftest import FIXTURES

from archivekit.checker import Checker, check_paths
from archivekit.record import Finding, Result
from archivekit.report.html import HtmlReport, write_html_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    checker = Checker.from_options()
    totals = write_html_report(check_paths([str(FIXTURES / "html"), str(FIXTURES / "text")], checker),
                               out, title="Fixture <collection>", rules=checker.schema.rules())
    return out, totals


def test_self_contained_no_network(report):
    path, totals = report
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page
    assert "Fixture &lt;collection&gt;" in page  # escaped
    assert totals.failing > 0 and totals.by_rule
    assert not list(path.parent.glob(".report.html.*"))  # temporary renamed away


def test_failing_rows_link_to_their_findings(report):
    page = report[0].read_text(encoding="utf-8")
    links = set(re.findall(r'href="#(article-\d+)"', page))
    anchors = set(re.findall(r'id="(article-\d+)"', page))
    assert links and links == anchors
    assert len(links) == report[1].failing


@pytest.mark.skipif(not CHROMIUM, reason="chromium is not installed (apt-get install chromium)")
def test_renders_in_headless_chromium_with_the_totals(report, tmp_path):
    path, totals = report
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=90)
    dom = proc.stdout
    assert "<h1>Fixture &lt;collection&gt;</h1>" in dom, proc.stderr[-1500:]

    def total(key: str) -> int:
        found = re.search(rf'id="total-{key}"><b>([\d,]+)</b>', dom)
        assert found, key
        return int(found.group(1).replace(",", ""))

    assert total("articles") == totals.articles
    assert total("valid") == totals.valid
    assert total("failing") == totals.failing
    assert total("errors") == totals.errors
    for rule, count in totals.by_rule.items():
        assert re.search(rf'<tr id="rule-{re.escape(rule)}">.*?<td class="n">{count}</td>', dom)
        assert f"<title>{rule}: {count}</title>" in dom  # the SVG bar
    for edition in totals.editions:
        assert f'id="edition-{edition}"' in dom.replace("&lt;", "<").replace("&gt;", ">")


def test_render_small_report_is_stable():
    report = HtmlReport(title="t")
    report.add(Result("a.html", None, "huffpost-au", []))
    report.add(Result("b.html", None, "huffpost-ca", [Finding("banner.missing", "error", "no banner",
                                                              "/banner")], ))
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    page = report.render(when)
    assert page == report.render(when)
    assert 'id="total-articles"><b>2</b>' in page and 'id="total-failing"><b>1</b>' in page
    assert '<a href="#article-1">b.html</a>' in page


def test_archive_writes_report_html(run_cli, tmp_path):
    out = tmp_path / "out"
    proc = run_cli("archive", FIXTURES / "html", "-o", out, "--date", "2024-06-01", "-q",
                   "-f", "json")
    assert proc.returncode in (0, 1), proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    articles = len(proc.stdout.splitlines())
    assert f'id="total-articles"><b>{articles}</b>' in page
    assert "2024-06-01T00:00:00+00:00" in page  # --date makes the page reproducible
