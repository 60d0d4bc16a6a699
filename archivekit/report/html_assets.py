"""The CSS and the one inline script of ``report.html`` (sorting and filtering the
articles table in the page; no network, no library). The page's Content-Security-Policy
allows this script by its sha256 and nothing else."""

from __future__ import annotations

import base64
import hashlib

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:90rem;
padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
.meta{color:#555}.meta code{word-break:break-all}.totals{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.total{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.total b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6;position:sticky;top:0}
th button{font:inherit;font-weight:bold;border:0;background:none;padding:0;cursor:pointer;color:inherit}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
td.n{text-align:right;font-variant-numeric:tabular-nums}td.url{word-break:break-all;max-width:22rem}
.error{color:#b00020}.warning{color:#8a5a00}.valid{color:#1b7f3b}code{font-size:.9em}
ul.f{margin:0;padding-left:1rem}small{color:#666;word-break:break-all}
.controls{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.8rem 0}
.controls input{min-width:18rem;padding:.3rem}.controls select{padding:.3rem}
details{margin:.2rem 0}.cluster{margin:.6rem 0;padding:.2rem .8rem;border-left:3px solid #d08a00}
svg text{font:12px system-ui,sans-serif}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}th{background:#222}
.total,th,td{border-color:#333}.meta,small{color:#aaa}svg text{fill:#eee}}
"""

SCRIPT = """(function () {
  "use strict";
  var table = document.getElementById("articles-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var q = document.getElementById("q");
  var selects = {status: document.getElementById("f-status"),
                 edition: document.getElementById("f-edition"),
                 year: document.getElementById("f-year"),
                 rule: document.getElementById("f-rule")};
  var shown = document.getElementById("shown");
  function has(list, word) { return (" " + list + " ").indexOf(" " + word + " ") >= 0; }
  function apply() {
    var text = q.value.trim().toLowerCase(), count = 0;
    var status = selects.status.value, edition = selects.edition.value,
        year = selects.year.value, rule = selects.rule.value;
    rows.forEach(function (row) {
      var d = row.dataset;
      var ok = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        (!status || has(d.status, status)) && (!edition || d.edition === edition) &&
        (!year || d.year === year) && (!rule || has(d.rules, rule));
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  function sortBy(th) {
    var index = th.cellIndex, numeric = th.dataset.type === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var keyed = rows.map(function (row, i) {
      var cell = row.cells[index];
      var v = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
      return [numeric ? (parseFloat(v) || 0) : v.toLowerCase(), i, row];
    });
    keyed.sort(function (a, b) { return a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1]; });
    rows = keyed.map(function (k) { body.appendChild(k[2]); return k[2]; });
  }
  table.tHead.addEventListener("click", function (event) {
    var th = event.target.closest("th");
    if (th) { sortBy(th); }
  });
  q.addEventListener("input", apply);
  Object.keys(selects).forEach(function (key) { selects[key].addEventListener("change", apply); });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-rule]"), function (link) {
    link.addEventListener("click", function () {
      selects.rule.value = link.getAttribute("data-rule");
      selects.status.value = ""; selects.edition.value = ""; selects.year.value = ""; q.value = "";
      apply();
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
  apply();
}());
"""


def script_hash(script: str = SCRIPT) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"
