"""``archive``'s outputs, byte for byte, against digests recorded from an earlier run: any
change to the WARC records, the JSON-LD, the NDJSON, the reports or the summary fails here.

The runs: the fixtures (HTML, text dumps, an input WARC whose response records are copied,
a page twice for a revisit) with the default options, and again with sha256 digests and
files rolled every few records (record ids rewritten); the real pages of
../shared/corpus/pages when they are beside the checkout. Every WARC is compared as its
records inflated (the deflate engine's own version does not move these digests) and read
back by warcio and FastWARC.

A change to the outputs that is meant (a new field, a version number) is recorded again
with ``ARCHIVEKIT_RECORD_BYTES=1 pytest tests/test_archive_bytes.py``: the diff of
``tests/golden/archive_bytes.json`` then shows which outputs moved.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from pathlib import Path

import pytest
from conftest import FIXTURES, corpus_pages

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.export.warc import WarcOptions, parse_date_option

GOLDEN = Path(__file__).resolve().parent / "golden" / "archive_bytes.json"
RECORD = os.environ.get("ARCHIVEKIT_RECORD_BYTES", "").strip() in ("1", "true", "yes")
DATE = "2024-05-01T12:00:00Z"
RUNS = {
    "fixtures-default": {},
    "fixtures-sha256-rolled": {"digest": "sha256", "max_size": 30_000},
}


def _fixtures(root: Path) -> list[str]:
    coll = root / "coll"
    for sub in ("html", "text", "generic", "courier", "bad"):
        shutil.copytree(FIXTURES / sub, coll / sub)
    shutil.copy(FIXTURES / "warc" / "sample.warc.gz", coll / "sample.warc.gz")
    shutil.copy(FIXTURES / "html" / "au-2018-valid.html", coll / "html" / "zz-copy.html")
    return ["coll"]


def _corpus(root: Path) -> list[str]:
    coll = root / "coll"
    coll.mkdir()
    for n, page in enumerate(corpus_pages()):
        shutil.copy(page, coll / f"{n:03d}-{page.parent.name}-{page.name}")
    return ["coll"]


def _inflated(path: Path) -> bytes:
    data, out = path.read_bytes(), []
    while data:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(member.decompress(data))
        data = member.unused_data
    return b"".join(out)


def _read_back(path: Path) -> int:
    """The file's records, read by warcio (digests checked) and FastWARC: their count."""
    from fastwarc.warc import ArchiveIterator as FastIterator
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        ids = [r.rec_headers.get_header("WARC-Record-ID")
               for r in ArchiveIterator(handle, check_digests="raise")]
    with open(path, "rb") as handle:  # verify_digests: a record whose digest fails is skipped
        fast = [r.record_id for r in FastIterator(handle, verify_digests=True)]
    assert fast == ids, path
    return len(ids)


def _digests(out: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        data = _inflated(path) if name.endswith(".warc.gz") else path.read_bytes()
        if name.endswith(".warc.gz"):
            assert _read_back(path) > 1
        digests[name] = hashlib.sha256(data).hexdigest()
    return digests


def _archive(root: Path, inputs: list[str], options: dict, monkeypatch) -> dict[str, str]:
    monkeypatch.chdir(root)  # the paths in the outputs are relative to it
    settings = ArchiveSettings(out_dir=Path("out"), warc_options=WarcOptions(
        date=parse_date_option(DATE), **options))
    for _ in archive_paths(inputs, Checker(), settings):
        pass
    return _digests(root / "out")


def _check(name: str, digests: dict[str, str]) -> None:
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if RECORD:
        golden[name] = digests
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
        return
    assert name in golden, f"no digests recorded for {name} (ARCHIVEKIT_RECORD_BYTES=1)"
    moved = sorted(k for k in golden[name].keys() | digests.keys()
                   if golden[name].get(k) != digests.get(k))
    assert not moved, f"outputs changed: {moved}"


@pytest.mark.parametrize("run", sorted(RUNS))
def test_fixture_outputs_are_the_recorded_bytes(run, tmp_path, monkeypatch):
    digests = _archive(tmp_path, _fixtures(tmp_path), RUNS[run], monkeypatch)
    assert any(name.endswith(".warc.gz") for name in digests)
    if run == "fixtures-sha256-rolled":
        assert sum(name.endswith(".warc.gz") for name in digests) > 2
    _check(run, digests)


@pytest.mark.parametrize("run", sorted(RUNS))
def test_one_article_at_a_time_gives_the_bytes_of_batches(run, tmp_path, monkeypatch):
    """archive_paths prepares articles in batches (a stage at a time); Archiver.process
    takes one at a time: the same outputs, files rolled or not."""
    from archivekit.archive import Archiver
    from archivekit.sources import collect_paths, read_documents

    inputs = _fixtures(tmp_path)
    batched = _archive(tmp_path, inputs, RUNS[run], monkeypatch)
    shutil.rmtree(tmp_path / "out")
    settings = ArchiveSettings(out_dir=Path("out"), inputs=tuple(inputs), warc_options=WarcOptions(
        date=parse_date_option(DATE), **RUNS[run]))
    with Archiver(settings, Checker()) as archiver:
        for document in read_documents(collect_paths(inputs)):
            archiver.process(document)
        archiver.finish()
    assert _digests(tmp_path / "out") == batched


def test_corpus_outputs_are_the_recorded_bytes(tmp_path, monkeypatch):
    digests = _archive(tmp_path, _corpus(tmp_path), {}, monkeypatch)
    _check("corpus-default", digests)


def test_the_inflated_records_are_every_members_bytes(tmp_path):
    """_inflated reads every member (the helper the digests rest on)."""
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"".join(zlib.compress(r, wbits=16 + zlib.MAX_WBITS) for r in (b"a", b"bc", b"")))
    assert _inflated(path) == b"abc"
