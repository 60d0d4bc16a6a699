"""WACZ 1.1.1 export: layout, pages, index, datapackage digests, determinism."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, run_archivekit


def export_wacz(root: Path) -> Path:
    coll = root / "coll"
    if not coll.exists():
        shutil.copytree(FIXTURES / "html", coll / "html")
        shutil.copy(FIXTURES / "warc" / "sample.warc.gz", coll)
    proc = run_archivekit("export", "coll", "-o", "out", "--wacz", "--date", "2024-05-01T00:00:00Z",
                          "-f", "json", cwd=root)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return root / "out" / "archivekit.wacz"


@pytest.fixture(scope="module")
def wacz(tmp_path_factory) -> Path:
    return export_wacz(tmp_path_factory.mktemp("wacz"))


def test_layout_and_stored_entries(wacz):
    with zipfile.ZipFile(wacz) as zf:
        names = zf.namelist()
        assert names[-2:] == ["datapackage.json", "datapackage-digest.json"]
        assert "indexes/index.cdxj" in names and "pages/pages.jsonl" in names
        assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        assert {i.date_time for i in zf.infolist()} == {(2024, 5, 1, 0, 0, 0)}


def test_datapackage_lists_every_file_with_its_sha256(wacz):
    with zipfile.ZipFile(wacz) as zf:
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1" and package["profile"] == "data-package"
        listed = {r["path"] for r in package["resources"]}
        assert listed == set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        for resource in package["resources"]:
            data = zf.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()


def test_pages_have_a_header_and_one_line_per_article_url(wacz):
    with zipfile.ZipFile(wacz) as zf:
        lines = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()]
        index = zf.read("indexes/index.cdxj").decode().splitlines()
        warcs = {n.split("/", 1)[1] for n in zf.namelist() if n.startswith("archive/")}
    assert lines[0] == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    # every html fixture and the sample WARC's 5 pages, one page per URL: the sample WARC
    # holds 4 captures of URLs the html fixtures have too (their first capture is the page)
    articles = len(list((FIXTURES / "html").glob("*.html"))) + 5
    urls = [p["url"] for p in lines[1:]]
    assert len(urls) == len(set(urls)) == articles - 4
    assert len({p["id"] for p in lines[1:]}) == len(urls)
    assert all(p["url"] and p["ts"].endswith("Z") for p in lines[1:])
    assert index == sorted(index)
    entries = [json.loads(line.split(" ", 2)[2]) for line in index]
    assert {e["filename"] for e in entries} == warcs
    assert {p["url"] for p in lines[1:]} <= {e["url"] for e in entries}
    assert all(e.get("mime") != "application/ld+json" for e in entries)  # metadata not indexed


def test_same_input_and_date_give_identical_wacz(tmp_path):
    first = export_wacz(tmp_path).read_bytes()
    second = export_wacz(tmp_path).read_bytes()
    assert first == second


def test_wacz_validator_accepts_it(wacz):
    validator = Path(sys.executable).parent / "wacz"
    if not validator.exists():
        pytest.skip("the wacz package (py-wacz) is not installed")
    proc = subprocess.run([str(validator), "validate", "-f", str(wacz)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout


def _index(zf: zipfile.ZipFile) -> dict[tuple[str, str], dict]:
    """(url, 14-digit timestamp) -> CDXJ entry."""
    out = {}
    for line in zf.read("indexes/index.cdxj").decode().splitlines():
        _key, stamp, body = line.split(" ", 2)
        entry = json.loads(body)
        out.setdefault((entry["url"], stamp), entry)
    return out


def test_every_page_url_replays_from_a_record_in_the_index(tmp_path):
    """The whole fixture set (text dumps without URL, the schemeless canonical URL, both
    WARCs): every page resolves to a resource/response record of the WACZ by url + ts."""
    proc = run_archivekit("archive", FIXTURES, "-o", tmp_path / "out", "--wacz", "--date",
                          "2024-05-01", "-q", "--name", "HuffPost fixtures")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    with zipfile.ZipFile(tmp_path / "out" / "archivekit.wacz") as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").decode().splitlines()[1:]]
        index = _index(zf)
        package = json.loads(zf.read("datapackage.json"))
        warcs = set(zf.namelist())
    urls = [p["url"] for p in pages]
    assert len(urls) == len(set(urls)) > 40
    for page in pages:
        stamp = "".join(ch for ch in page["ts"] if ch.isdigit())[:14]
        entry = index.get((page["url"], stamp))
        assert entry is not None, page["url"]
        assert "archive/" + entry["filename"] in warcs
        # the URL a replay looks up: an absolute URL, or the file's urn (no URL known)
        assert page["url"].startswith(("https://", "http://", "urn:archivekit:file:")), page["url"]
    assert not [p for p in pages if p["url"].startswith("huffpost.com")]
    with_url = [p for p in pages if p["url"].startswith("http")]
    # only the headline-missing fixture and the body-missing one lack a title or a text
    # (the courier page's headline comes from its <title> since the generic reading)
    assert len([p for p in with_url if not (p.get("title") and p.get("text"))]) == 2
    brisbane = next(p for p in pages if "brisbane-ferry" in p["url"])
    assert brisbane["title"].startswith("Brisbane Ferry") and "catamarans" in brisbane["text"]
    assert package["title"] == "HuffPost fixtures"
    assert package["description"] and package["mainPageUrl"] == pages[0]["url"]
    assert package["mainPageDate"] == pages[0]["ts"]
    assert not list((tmp_path / "out").glob("*.open"))
    validator = Path(sys.executable).parent / "wacz"
    if validator.exists():
        proc = subprocess.run([str(validator), "validate", "-f", str(tmp_path / "out" / "archivekit.wacz")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
