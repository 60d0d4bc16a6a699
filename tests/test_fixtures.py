"""Every fixture fires exactly the rules that fixtures/README.md lists for it.

The CLI runs as a real subprocess: once over the whole fixtures directory (HTML, text,
bad bytes and the WARCs together), and again for exit codes and standard input.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FIXTURES, run_archivekit

TABLE = FIXTURES / "README.md"
ARTICLE_SUFFIXES = (".html", ".htm", ".txt")
EDITIONS = ("Australia", "Canada", "Québec", "India")
# The rule catalogue (docs/rules.md, archivekit.catalogue): the schema rules.
CATALOGUE = (
    "parse.unreadable", "parse.encoding", "banner.missing", "banner.mismatch", "banner.position",
    "footer.missing", "headline.missing", "body.missing", "attribution.missing",
    "image.caption.missing", "image.credit.missing", "image.credit.malformed",
    "date.after_closure", "profile.unknown", "date.malformed", "url.malformed",
)
_ROW = re.compile(r"^\|\s*`(?P<name>[^`]+)`\s*\|(?P<cells>.*)\|\s*$")


def read_table() -> dict[str, dict]:
    """Rows of the fixtures table: name -> {shape, edition, rules}."""
    rows: dict[str, dict] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        shape, edition, rules, *_ = (c.strip() for c in match.group("cells").split("|"))
        assert match.group("name") not in rows, f"duplicate row {match.group('name')}"
        rows[match.group("name")] = {"shape": shape, "edition": edition,
                                     "rules": frozenset(re.findall(r"`([^`]+)`", rules))}
    return rows


ROWS = read_table()


def result_name(path: str, warc_counts: dict[str, int]) -> str:
    """A result's row name: the path under fixtures/, WARC records as file#n in order."""
    file_part, hash_, _offset = path.partition("#")
    name = Path(file_part).resolve().relative_to(FIXTURES).as_posix()
    if hash_:
        warc_counts[name] += 1
        return f"{name}#{warc_counts[name]}"
    return name


@pytest.fixture(scope="module")
def reported() -> dict[str, dict]:
    """One run over the whole fixtures directory: row name -> JSON result."""
    proc = run_archivekit("check", FIXTURES, "-f", "json", "-q")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr  # the collection holds defective articles
    warc_counts: dict[str, int] = defaultdict(int)
    out: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        name = result_name(result["path"], warc_counts)
        assert name not in out, f"{name} reported twice"
        out[name] = result
        assert result["valid"] == (not any(f["severity"] == "error" for f in result["findings"]))
    return out


@pytest.fixture(scope="module")
def fired(reported) -> dict[str, frozenset[str]]:
    return {name: frozenset(f["rule"] for f in result["findings"])
            for name, result in reported.items()}


def test_table_lists_every_fixture_file_and_nothing_else():
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*")
               if p.is_file() and p.name.lower().endswith(ARTICLE_SUFFIXES)}
    in_table = {name for name in ROWS if "#" not in name}
    assert on_disk == in_table
    warcs = {name.split("#")[0] for name in ROWS if "#" in name}
    assert warcs == {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.warc.gz")}


def test_corpus_shape():
    articles = [name for name in ROWS if "#" not in name]
    assert len(articles) >= 34
    for edition in EDITIONS:
        for shape in ("html 2018", "html 2016", "text"):
            assert any(r["edition"] == edition and r["shape"] == shape and not r["rules"]
                       for r in ROWS.values()), f"no valid {shape} fixture for {edition}"
    fired_by = defaultdict(set)
    for row in ROWS.values():
        for rule in row["rules"]:
            fired_by[rule].add(row["shape"].split()[0])
    missing = [rule for rule in CATALOGUE if rule not in fired_by]
    assert not missing, f"no fixture fires {missing}"
    # Article-level rules are shown in both shapes, except a headline (a text dump's
    # first line always is one) and the URL (text dumps carry none).
    for rule in set(CATALOGUE) - {"parse.unreadable", "parse.encoding", "headline.missing",
                                  "url.malformed"}:
        assert {"html", "text"} <= fired_by[rule], f"{rule}: {sorted(fired_by[rule])}"
    assert any(not name.isascii() and " " in name for name in ROWS), "no odd file name"


def test_every_row_was_reported(fired):
    assert set(fired) == set(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_fixture_fires_exactly_its_rules(fired, name):
    assert fired.get(name) == ROWS[name]["rules"]


def _one(*args, input=None):
    return run_archivekit("check", *args, "-f", "json", "-q", "-j", "1", input=input)


def _results(proc) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]


STDIN_CASES = ["html/qc-2018-valid.html", "text/au-body-missing.txt"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, object]:
    """Every single-input CLI run of this module, started together (each pays the
    interpreter's start-up, so running them side by side keeps the file fast)."""
    missing = tmp_path_factory.mktemp("missing") / "no-such-page.html"
    cases = {
        "valid": (FIXTURES / "html/au-2018-valid.html",),
        "error": (FIXTURES / "text/qc-footer-missing.txt",),
        "warning": (FIXTURES / "bad/au-cp1252-undeclared.html",),
        "warning-strict": (FIXTURES / "bad/au-cp1252-undeclared.html", "--strict"),
        "missing-and-valid": (missing, FIXTURES / "html/in-2016-valid.html"),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(_one, *args) for key, args in cases.items()}
        for name in STDIN_CASES:
            futures[f"stdin:{name}"] = pool.submit(_one, "-", input=(FIXTURES / name).read_bytes())
        futures["text"] = pool.submit(run_archivekit, "check", FIXTURES, "-q")
        return {key: future.result() for key, future in futures.items()}


def test_exit_codes(runs):
    assert runs["valid"].returncode == 0
    assert runs["error"].returncode == 1
    # A warning alone passes, and fails with --strict.
    assert runs["warning"].returncode == 0
    assert runs["warning-strict"].returncode == 1
    for proc in runs.values():
        assert "Traceback" not in proc.stderr


def test_missing_path_exits_3_and_still_checks_the_rest(runs):
    proc = runs["missing-and-valid"]
    assert proc.returncode == 3
    assert proc.stderr.strip().startswith("archivekit: error:") and "no-such-page" in proc.stderr
    [result] = _results(proc)
    assert result["valid"] and result["profile"] == "huffpost-in"


@pytest.mark.parametrize("name", STDIN_CASES)
def test_stdin(runs, name):
    proc = runs[f"stdin:{name}"]
    [result] = _results(proc)
    assert result["path"] == "-"
    assert {f["rule"] for f in result["findings"]} == ROWS[name]["rules"]
    assert proc.returncode == (1 if any(f["severity"] == "error" for f in result["findings"]) else 0)


def test_warc_records_keep_their_target_uri_and_skip_other_records(reported):
    results = [r for name, r in sorted(reported.items()) if name.startswith("warc/sample.")]
    assert [r["uri"].split("/")[2] for r in results] == [
        "www.huffpost.com", "www.huffpost.com", "www.huffingtonpost.ca", "www.huffpost.com",
        "quebec.huffingtonpost.ca"]
    assert [r["profile"] for r in results] == [
        "huffpost-au", "huffpost-in", "huffpost-ca", "huffpost-qc", "huffpost-qc"]


def test_truncated_warc_reads_up_to_the_cut(reported):
    results = [r for name, r in sorted(reported.items()) if name.startswith("warc/truncated.")]
    assert len(results) == 3
    assert results[0]["valid"] and results[0]["profile"] == "huffpost-au"
    assert [f["rule"] for f in results[2]["findings"]] == ["parse.unreadable"]
    assert "truncated" in results[2]["findings"][0]["message"]


def test_text_report_over_everything(runs):
    proc = runs["text"]
    assert proc.returncode == 1
    assert "Québec édition – sans crédit (copie).txt" in proc.stdout
