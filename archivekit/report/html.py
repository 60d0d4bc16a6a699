"""The collection report: ``report.html``, one self-contained page, and ``report.csv``
beside it with every result.

The page needs no network at all (it opens from a USB stick in a reading room): inline
CSS, inline SVG charts, one inline script allowed by its hash in the page's
Content-Security-Policy. It shows the tool version, command line and run date; totals;
findings per rule (errors and warnings), each rule listing the articles it hit; totals
per edition and per publication year with charts; every article with its headline,
URL, edition, date and findings in a table that sorts (click a column) and filters (text,
status, edition, year, rule) in the page; and the duplicate and near-duplicate clusters
(same content digest; body simhashes within 6 bits).

Memory: the page keeps the first ``max_articles`` articles in full; every article's
CSV row is spooled to a temporary file, and only its digests are kept for the clusters.

Library use::

    report = HtmlReport(title="HuffPost archive", rules=checker.schema.rules())
    for result in results:
        report.add(result)            # facts from result.record, or pass article_facts(...)
    report.write("out/report.html")   # and out/report.csv

or in one call: ``write_html_report(results, "out/report.html")``.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as _html_escape
from pathlib import Path
from typing import Any

from archivekit import __version__
from archivekit.atomic import write_text
from archivekit.export.isodate import iso_date
from archivekit.record import ERROR, Finding, Result
from archivekit.report.base import Reporter, Summary
from archivekit.report.clusters import NEAR_DISTANCE, Cluster, find_clusters
from archivekit.report.html_assets import CSS, SCRIPT, script_hash
from archivekit.report.paths import printable


def escape(text: str) -> str:
    """HTML-escaped, with control characters and undecodable bytes as visible escapes."""
    return _html_escape(printable(text))

MAX_ARTICLES = 5000
MAX_RULE_LINKS = 200
NO_DATE = "(no date)"
UNREADABLE_DATE = "(unreadable date)"
CSV_FIELDS = ("n", "path", "url", "headline", "edition", "profile", "date_published", "year",
              "valid", "errors", "warnings", "rules", "findings", "sha256", "content_sha256",
              "simhash", "cluster")


def article_facts(record: dict[str, Any] | None) -> dict[str, str | None]:
    """What the report shows of an article's record (small, picklable: workers send it)."""
    record = record or {}
    return {"headline": record.get("headline"), "url": record.get("url"),
            "edition": record.get("edition"), "date": record.get("date_published")}


@dataclass(slots=True)
class _Article:
    n: int
    path: str
    url: str
    headline: str
    edition: str
    date: str          # ISO when readable, else as found
    year: str
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


@dataclass
class _Tally:
    articles: int = 0
    valid: int = 0
    errors: int = 0
    warnings: int = 0


@dataclass
class HtmlReport:
    title: str = "archivekit collection report"
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    max_articles: int = MAX_ARTICLES
    command_line: str | None = None
    near_distance: int = NEAR_DISTANCE
    articles: int = 0
    valid: int = 0
    failing: int = 0
    errors: int = 0
    warnings: int = 0
    known: int = 0
    by_rule: Counter = field(default_factory=Counter)
    rule_articles: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    rule_severity: dict[str, str] = field(default_factory=dict)
    editions: dict[str, _Tally] = field(default_factory=dict)
    years: dict[str, _Tally] = field(default_factory=dict)
    shown: list[_Article] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)
    # Where the CSV rows are spooled until written: an anonymous file in the directory the
    # report goes to (archive's -o DIR), so nothing lands in the system's temporary
    # directory (None: that one). ``keep_csv=False``: no rows kept (a page on a stream
    # has no CSV beside it).
    spool_dir: str | os.PathLike | None = None
    keep_csv: bool = True

    def __post_init__(self) -> None:
        self._csv_file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="",
                                                errors="backslashreplace", dir=self.spool_dir) \
            if self.keep_csv else None
        self._csv = csv.writer(self._csv_file) if self._csv_file is not None else None
        self._content: dict[int, str] = {}
        self._simhash: dict[int, int] = {}
        self._labels: dict[int, str] = {}  # article number -> path, for clusters past the cap

    # --- collecting -----------------------------------------------------------------------

    def add(self, result: Result, facts: dict[str, str | None] | None = None) -> None:
        facts = facts if facts is not None else article_facts(result.record)
        self.articles += 1
        n = self.articles
        self.known += len(result.known)
        url = facts.get("url") or result.uri or ""
        edition = facts.get("edition") or result.profile or "(unknown)"
        found_date = facts.get("date") or ""
        read_date = iso_date(found_date)
        date = read_date or found_date
        year = date[:4] if found_date and read_date else (
            UNREADABLE_DATE if found_date else NO_DATE)
        article = _Article(n, result.path, url, facts.get("headline") or "", edition, date, year,
                           list(result.findings))
        valid, errors, warnings = result.valid, article.errors, article.warnings
        for tally in (self.editions.setdefault(edition, _Tally()),
                      self.years.setdefault(year, _Tally())):
            tally.articles += 1
            tally.valid += valid
            tally.errors += errors
            tally.warnings += warnings
        self.errors += errors
        self.warnings += warnings
        self.valid += valid
        self.failing += not valid
        for finding in result.findings:
            self.by_rule[finding.rule] += 1
            self.rule_severity.setdefault(finding.rule, finding.severity)
            hits = self.rule_articles[finding.rule]
            if not hits or hits[-1] != n:
                hits.append(n)
        if len(self.shown) < self.max_articles:
            self.shown.append(article)
        fingerprint = result.fingerprint or {}
        if fingerprint.get("content_sha256"):
            self._content[n] = fingerprint["content_sha256"]
        if fingerprint.get("simhash"):
            self._simhash[n] = int(fingerprint["simhash"], 16)
        if n in self._content or n in self._simhash:
            self._labels[n] = article.headline or result.path
        if self._csv is None:
            return
        self._csv.writerow([
            n, result.path, url, article.headline, edition, result.profile or "", found_date,
            year, "true" if valid else "false", errors, warnings,
            " ".join(sorted({f.rule for f in result.findings})),
            " | ".join(f"{f.severity} {f.rule}: {f.message}" for f in result.findings),
            fingerprint.get("sha256", ""), fingerprint.get("content_sha256", ""),
            fingerprint.get("simhash", "")])

    def clusters(self) -> list[Cluster]:
        return find_clusters(self._content, self._simhash, distance=self.near_distance)

    # --- the page -------------------------------------------------------------------------

    def render(self, generated: datetime | None = None, *, csv_name: str | None = "report.csv",
               clusters: list[Cluster] | None = None) -> str:
        """The page. ``generated``: the run date shown (default now)."""
        generated = generated or datetime.now(UTC).replace(microsecond=0)
        clusters = self.clusters() if clusters is None else clusters
        policy = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                  f"script-src {script_hash()}")
        parts = [
            "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            # Forbid every fetch: the page must work, and be safe, offline.
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
            f"<title>{escape(self.title)}</title><style>{CSS}</style></head><body>",
            f"<h1>{escape(self.title)}</h1>", self._meta(generated, csv_name),
            self._totals(clusters), self._rules_section(), self._editions_section(),
            self._years_section(), self._articles_section(), self._clusters_section(clusters),
            self._input_errors_section(), f"<script>{SCRIPT}</script>", "</body></html>",
        ]
        return "\n".join(parts) + "\n"

    def _meta(self, generated: datetime, csv_name: str | None) -> str:
        lines = [f"archivekit {escape(__version__)}", f"run on {generated.isoformat()}"]
        if self.command_line:
            lines.append(f"command line <code>{escape(self.command_line)}</code>")
        if csv_name:
            lines.append(f'every result as CSV: <a href="{escape(csv_name)}">{escape(csv_name)}</a>')
        return '<p class="meta" id="meta">' + " · ".join(lines) + "</p>"

    def _totals(self, clusters: list[Cluster]) -> str:
        boxes = [("articles", self.articles, "articles"), ("valid", self.valid, "valid"),
                 ("failing", self.failing, "with errors"), ("errors", self.errors, "errors"),
                 ("warnings", self.warnings, "warnings"),
                 ("clusters", len(clusters), "duplicate clusters")]
        if self.known:
            boxes.append(("known", self.known, "known (baseline)"))
        if self.input_errors:
            boxes.append(("unreadable-inputs", len(self.input_errors), "inputs not readable"))
        html = "".join(f'<div class="total" id="total-{key}"><b>{value:,}</b>{label}</div>'
                       for key, value, label in boxes)
        return f'<h2 id="totals">Totals</h2><div class="totals">{html}</div>'

    def _link(self, n: int) -> str:
        if n <= len(self.shown):
            article = self.shown[n - 1]
            return f'<a href="#a-{n}">{escape(article.headline or article.path)}</a>'
        return escape(self._labels.get(n, f"article {n}"))

    def _rules_section(self) -> str:
        if not self.by_rule:
            return '<h2 id="rules">Findings per rule</h2><p>No findings.</p>'
        rows = []
        for rule, count in sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
            severity = self.rule_severity.get(rule) or self.rules.get(rule, {}).get("severity", "")
            hits = self.rule_articles[rule]
            links = ", ".join(self._link(n) for n in hits[:MAX_RULE_LINKS])
            if len(hits) > MAX_RULE_LINKS:
                links += f" and {len(hits) - MAX_RULE_LINKS:,} more (filter the table, or the CSV)"
            message = self.rules.get(rule, {}).get("message", "")
            rows.append(
                f'<tr id="rule-{escape(rule)}"><td><code>{escape(rule)}</code>'
                f"{'<br><small>' + escape(message) + '</small>' if message else ''}</td>"
                f'<td class="{escape(severity)}">{escape(severity)}</td>'
                f'<td class="n">{count:,}</td><td class="n">{len(hits):,}</td>'
                f'<td><details><summary>{len(hits):,} article{"s" if len(hits) != 1 else ""}'
                f'</summary>{links}</details><a href="#articles" data-rule="{escape(rule)}">'
                "show them in the table</a></td></tr>")
        return ('<h2 id="rules">Findings per rule</h2>' + self._rule_chart() +
                "<table><thead><tr><th>rule</th><th>severity</th><th>findings</th>"
                f"<th>articles</th><th>which</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def _rule_chart(self) -> str:
        items = sorted(self.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        return _bar_chart("Findings per rule", [
            (rule, [(count, "#b00020" if self.rule_severity.get(rule) == ERROR else "#d08a00")],
             f"{rule}: {count:,}") for rule, count in items])

    def _tally_section(self, key: str, heading: str, label: str,
                       tallies: list[tuple[str, _Tally]]) -> str:
        rows = "".join(
            f'<tr id="{key}-{escape(name)}"><td>{escape(name)}</td><td class="n">{t.articles:,}</td>'
            f'<td class="n">{t.valid:,}</td><td class="n">{t.articles - t.valid:,}</td>'
            f'<td class="n">{t.errors:,}</td><td class="n">{t.warnings:,}</td></tr>'
            for name, t in tallies)
        chart = _bar_chart(heading, [
            (name, [(t.valid, "#1b7f3b"), (t.articles - t.valid, "#b00020")],
             f"{name}: {t.articles:,} articles, {t.valid:,} valid, {t.articles - t.valid:,} with errors")
            for name, t in tallies])
        return (f'<h2 id="{key}s">{heading}</h2>{chart}<table><thead><tr><th>{label}</th>'
                "<th>articles</th><th>valid</th><th>with errors</th><th>errors</th><th>warnings</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")

    def _editions_section(self) -> str:
        return self._tally_section("edition", "Per edition", "edition",
                                   sorted(self.editions.items()))

    def _years_section(self) -> str:
        return self._tally_section("year", "Per publication year", "year published",
                                   sorted(self.years.items()))

    def _options(self, element: str, everything: str, values: Iterable[str]) -> str:
        options = "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)
        return (f'<select id="{element}" aria-label="{escape(everything)}">'
                f'<option value="">{escape(everything)}</option>{options}</select>')

    def _articles_section(self) -> str:
        controls = (
            '<div class="controls"><input id="q" type="search" aria-label="Filter the articles" '
            'placeholder="Filter: headline, URL, path, rule, message">'
            '<select id="f-status" aria-label="status"><option value="">any status</option>'
            '<option value="error">with errors</option><option value="warning">with warnings'
            '</option><option value="valid">valid</option><option value="clean">no findings'
            "</option></select>" + self._options("f-edition", "every edition", sorted(self.editions))
            + self._options("f-year", "every year", sorted(self.years))
            + self._options("f-rule", "every rule", sorted(self.by_rule))
            + f'<span id="shown">{len(self.shown)} of {len(self.shown)} shown</span></div>')
        head = "".join(
            f'<th data-key="{key}"{" data-type=num" if numeric else ""}><button type="button">'
            f"{label}</button></th>" for key, label, numeric in (
                ("n", "#", True), ("headline", "headline / path", False), ("url", "URL", False),
                ("edition", "edition", False), ("date", "published", False),
                ("status", "status", False), ("errors", "errors", True),
                ("warnings", "warnings", True), ("findings", "findings", False)))
        rows = "".join(self._article_row(a) for a in self.shown)
        more = ""
        if self.articles > len(self.shown):
            more = (f"<p>The table shows the first {len(self.shown):,} of {self.articles:,} "
                    "articles; the CSV has them all.</p>")
        return (f'<h2 id="articles">Articles</h2>{more}{controls}'
                f'<table id="articles-table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def _article_row(self, a: _Article) -> str:
        status = [s for s, on in (("error", a.errors), ("warning", a.warnings),
                                  ("valid", not a.errors), ("clean", not a.findings)) if on]
        label = ("errors" if a.errors else "warnings" if a.warnings else "valid")
        css = "error" if a.errors else "warning" if a.warnings else "valid"
        items = "".join(
            f'<li><span class="{escape(f.severity)}">{escape(f.severity)}</span> '
            f'<a href="#rule-{escape(f.rule)}"><code>{escape(f.rule)}</code></a> {escape(f.message)}'
            f"{' <code>' + escape(f.pointer) + '</code>' if f.pointer else ''}"
            f"{f' (line {f.line})' if f.line is not None else ''}</li>" for f in a.findings)
        rules = " ".join(sorted({f.rule for f in a.findings}))
        return (f'<tr id="a-{a.n}" data-status="{" ".join(status)}" data-edition="{escape(a.edition)}"'
                f' data-year="{escape(a.year)}" data-rules="{escape(rules)}">'
                f'<td class="n" data-v="{a.n}">{a.n}</td>'
                f"<td>{escape(a.headline) or '<i>(no headline)</i>'}<br><small>{escape(a.path)}"
                f'</small></td><td class="url">{escape(a.url)}</td><td>{escape(a.edition)}</td>'
                f'<td data-v="{escape(a.date)}">{escape(a.date)}</td>'
                f'<td class="{css}">{label}</td><td class="n">{a.errors}</td>'
                f'<td class="n">{a.warnings}</td>'
                f'<td>{"<ul class=f>" + items + "</ul>" if items else ""}</td></tr>')

    def _clusters_section(self, clusters: list[Cluster]) -> str:
        heading = ('<h2 id="duplicates">Duplicates and near-duplicates</h2>'
                   f"<p>Duplicates: the same content digest (headline, byline, date, body, "
                   f"images). Near-duplicates: bodies whose simhashes differ in at most "
                   f"{self.near_distance} of 64 bits.</p>")
        if not clusters:
            return heading + "<p>None found.</p>"
        blocks = []
        for i, cluster in enumerate(clusters, 1):
            what = ("same content" if cluster.kind == "duplicate"
                    else f"near-duplicates, simhash distance up to {cluster.distance}")
            links = "".join(f"<li>{self._link(n)}</li>" for n in cluster.members)
            blocks.append(f'<div class="cluster" id="cluster-{i}" data-kind="{cluster.kind}">'
                          f"<b>{cluster.kind} cluster {i}</b>: {len(cluster.members)} articles, "
                          f"{what}<ul>{links}</ul></div>")
        return heading + "".join(blocks)

    def _input_errors_section(self) -> str:
        if not self.input_errors:
            return ""
        items = "".join(f"<li>{escape(e)}</li>" for e in self.input_errors)
        return f'<h2 id="input-errors">Inputs that could not be read</h2><ul>{items}</ul>'

    # --- writing --------------------------------------------------------------------------

    def write(self, path: str | os.PathLike, generated: datetime | None = None) -> Path:
        """Write the page and ``report.csv`` beside it, each atomically (a temporary name
        beside it, renamed when complete)."""
        path = Path(path)
        clusters = self.clusters()
        csv_path = path.with_suffix(".csv")
        write_text(csv_path, self.csv_text(clusters), errors="backslashreplace")
        return write_text(path, self.render(generated, csv_name=csv_path.name, clusters=clusters),
                          errors="backslashreplace")

    def csv_text(self, clusters: list[Cluster] | None = None) -> str:
        """Every article's row, with the number of the cluster it belongs to."""
        if self._csv_file is None:
            raise ValueError("this report keeps no CSV rows (keep_csv=False)")
        clusters = self.clusters() if clusters is None else clusters
        member_of: dict[int, list[str]] = defaultdict(list)
        for i, cluster in enumerate(clusters, 1):
            for n in cluster.members:
                member_of[n].append(str(i))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        self._csv_file.flush()
        self._csv_file.seek(0)
        for row in csv.reader(self._csv_file):
            writer.writerow([*row, " ".join(member_of.get(int(row[0]), []))])
        self._csv_file.seek(0, os.SEEK_END)
        return out.getvalue()


def _bar_chart(label: str, items: list[tuple[str, list[tuple[int, str]], str]]) -> str:
    """An inline SVG of horizontal bars, one row per item (label, segments, tooltip)."""
    if not items:
        return ""
    top = max(sum(v for v, _ in segments) for _, segments, _ in items) or 1
    label_w, bar_w, row_h = 230, 420, 22
    height = row_h * len(items) + 8
    bars = []
    for i, (name, segments, tip) in enumerate(items):
        y = 4 + i * row_h
        x = label_w
        bars.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(name)}</text>')
        for value, colour in segments:
            if value <= 0:
                continue
            width = max(1, round(bar_w * value / top))
            bars.append(f'<rect x="{x}" y="{y + 3}" width="{width}" height="{row_h - 6}" '
                        f'fill="{colour}"><title>{escape(tip)}</title></rect>')
            x += width
        total = sum(v for v, _ in segments)
        bars.append(f'<text x="{x + 6}" y="{y + 15}">{total:,}</text>')
    width = label_w + bar_w + 80
    return (f'<svg role="img" aria-label="{escape(label)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def write_html_report(results: Iterable[Result], path: str | os.PathLike, *,
                      title: str = "archivekit collection report",
                      rules: dict[str, dict[str, str]] | None = None,
                      input_errors: Iterable[str] = (),
                      generated: datetime | None = None,
                      command_line: str | None = None) -> HtmlReport:
    """Consume ``results`` and write ``report.html`` (and ``report.csv``) at ``path``."""
    report = HtmlReport(title=title, rules=rules or {}, command_line=command_line,
                        spool_dir=Path(path).parent)
    for result in results:
        report.add(result)
    report.input_errors = list(input_errors)
    report.write(path, generated)
    return report


class HtmlReporter(Reporter):
    """``--format html``: the same page as ``report.html`` (facts from each result's
    record), written to the stream at the end; no CSV beside a stream."""

    def __init__(self, stream, **options):
        super().__init__(stream, **options)
        self.report = HtmlReport(title=f"archivekit report: {self.collection}", rules=self.rules,
                                 keep_csv=False)

    def result(self, result: Result) -> None:
        self.report.add(result)

    def finish(self, summary: Summary) -> None:
        self.report.input_errors = list(summary.input_errors)
        self.stream.write(self.report.render(csv_name=None))
