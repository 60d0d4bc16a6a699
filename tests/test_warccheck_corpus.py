"""warc-check, check and archive on real WARC and ARC files written by other tools.

The files and the verdict the WARC 1.1 text gives for each are in ../shared/corpus/warc/
(expected.tsv): ``pass`` (no finding), ``pass-should`` (only a SHOULD is broken: warnings
at most), ``fail`` (an error), ``fail-http`` (an HTTP-level defect: a warning or an error).
The pages ``check`` reports per file are counted here independently with warcio (FastWARC
where warcio gives up on the file).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_archivekit

from archivekit.record import ERROR
from archivekit.warccheck import check_warc

CORPUS = ROOT.parent / "shared" / "corpus" / "warc"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")

if not (CORPUS / "expected.tsv").is_file():
    pytest.skip(f"the shared corpus is not there ({CORPUS})", allow_module_level=True)


def expected() -> list[tuple[str, str]]:
    rows = (CORPUS / "expected.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [tuple(row.split("\t")[:2]) for row in rows if row.strip()]


EXPECTED = expected()
FILES = [name for name, _ in EXPECTED]


def verdict_of(findings) -> str:
    if any(f.severity == ERROR for f in findings):
        return "fail"
    return "warn" if findings else "pass"


ACCEPTED = {"pass": {"pass"}, "pass-should": {"pass", "warn"}, "fail": {"fail"},
            "fail-http": {"warn", "fail"}}


@pytest.mark.parametrize(("name", "verdict"), EXPECTED, ids=FILES)
def test_warc_check_verdict(name, verdict):
    report = check_warc(str(CORPUS / name))
    ours = verdict_of(report.findings)
    assert ours in ACCEPTED[verdict], [(f.rule, f.message, f.pointer) for f in report.findings]
    if name.endswith((".arc", ".arc.gz")):
        assert [f.rule for f in report.findings] == ["warc.arc"]


def test_verdict_details_of_the_files_that_need_new_rules():
    def rules(name):
        return {f.rule for f in check_warc(str(CORPUS / name)).findings}

    assert rules("pywb/dupes.warc.gz") == set()
    assert rules("pywb/iana.warc.gz") == {"warc.http.transfer_encoding"}
    assert rules("warcio/example-iana.org-chunked.warc") == {"warc.http.chunked"}
    assert rules("warcio/example-space-in-target-uri.warc.gz") == {"warc.target_uri.malformed"}
    assert rules("pywb/example-wget-1-14.warc.gz") == {"warc.record_id.duplicate"}
    assert rules("pywb/example-wpull.warc.gz") == {"warc.field.forbidden"}


def _warcio_pages(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle, arc2warc=True, ensure_http_headers=False):
            if record.rec_type == "response":
                headers = record.http_headers
                ctype = headers.get_header("Content-Type") if headers else None
            elif record.rec_type == "resource":
                ctype = record.rec_headers.get_header("Content-Type")
            else:
                continue
            count += (ctype or "").split(";")[0].strip().lower() in PAGE_TYPES
    return count


def _fastwarc_pages(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    count = 0
    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle, record_types=WarcRecordType.any_type,
                                      parse_http=True, strict_mode=False):
            if record.record_type == WarcRecordType.response and record.http_headers is not None:
                ctype = record.http_headers.get("Content-Type")
            elif record.record_type == WarcRecordType.resource:
                ctype = record.headers.get("Content-Type")
            else:
                continue
            count += (ctype or "").split(";")[0].strip().lower() in PAGE_TYPES
    return count


def independent_pages(path: Path) -> int:
    """HTML and text response/resource records, as warcio (else FastWARC) reads them."""
    try:
        return _warcio_pages(path)
    except Exception:  # noqa: BLE001 - warcio gives up on whole-file gzips and some damage
        pytest.importorskip("fastwarc")
        return _fastwarc_pages(path)


def test_check_reports_one_article_per_page_record_and_never_a_traceback():
    proc = run_archivekit("check", *[CORPUS / name for name in FILES], "-f", "json", "-j", "1",
                          "-q", timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 3), proc.stderr
    found: dict[str, int] = {name: 0 for name in FILES}
    for line in proc.stdout.splitlines():
        path = json.loads(line)["path"].rsplit("#", 1)[0]
        found[str(Path(path).relative_to(CORPUS))] += 1
    assert found == {name: independent_pages(CORPUS / name) for name in FILES}


def test_warc_check_cli_over_every_file_never_a_traceback():
    proc = run_archivekit("warc-check", *[CORPUS / name for name in FILES], "-f", "json",
                          timeout=300)
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == len(FILES)
    for name, result in zip(FILES, results, strict=True):
        assert result["path"] == str(CORPUS / name)
        assert (result["fingerprint"]["records"] >= 1) != name.endswith((".arc", ".arc.gz"))


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("corpus") / "out"
    proc = run_archivekit("archive", *[CORPUS / name for name in FILES], "-o", out, "-f", "json",
                          "-j", "1", "-q", "--date", "2024-01-02T03:04:05Z", timeout=600)
    return out, proc


def test_archive_of_the_corpus_reads_every_page(archived):
    out, proc = archived
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    lines = (out / "report.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(independent_pages(CORPUS / name) for name in FILES)


def test_archive_output_passes_warc_check_and_warcio_check(archived):
    out, _ = archived
    warcs = sorted((out / "warc").glob("*.warc.gz"))
    assert warcs
    for path in warcs:
        report = check_warc(str(path))
        assert report.valid, [(f.rule, f.message) for f in report.findings if f.severity == ERROR]
    warcio = shutil.which("warcio") or str(Path(sys.executable).parent / "warcio")
    proc = subprocess.run([warcio, "check", *map(str, warcs)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_archive_converts_arc_records_to_warc_with_their_url_and_date(archived):
    from warcio.archiveiterator import ArchiveIterator

    out, _ = archived
    records = []
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with open(path, "rb") as handle:
            records += [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                         r.rec_headers.get_header("WARC-Date")) for r in ArchiveIterator(handle)]
    # warcio/example-space-in-url.arc: the URL keeps its words, its spaces percent-encoded.
    assert any(uri == "http://example.com/index.cfm?FuseAction=Email&EmailTitle=Examples%20From"
                      "%20The%20Live%20Web&IsPopUp=False" and date == "2014-02-16T05:02:21Z"
               for kind, uri, date in records if kind in ("resource", "revisit")), records
