"""Crash safety: SIGKILL `archivekit archive` at 20 random points, rerun, compare.

After every kill, each output under its final name must be complete and valid (the
partial ones carry the ``.open`` suffix or live in hidden temporary directories); after
the final rerun the outputs must be byte-identical to an uninterrupted run, and no
input file may have changed. The kill points are seeded, so a failure reproduces.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_properties import article_html, article_text  # noqa: E402

ARTICLES = 240
KILLS = 20
SEED = 20261127
DATE = "2021-03-04T05:06:07Z"
PARTIAL_SUFFIX = ".open"


def build_collection(root: Path) -> Path:
    collection = root / "collection"
    for n in range(ARTICLES):
        folder = collection / f"batch-{n // 60:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        if n % 8 == 7:
            (folder / f"note-{n:04d}.txt").write_text(article_text(
                headline=f"Orchard growers tally the harvest number {n}",
                body=(f"Growers in the valley picked {n} tonnes of apples, AAP reported.",
                      "Cold nights sweetened the late varieties.")))
        else:
            (folder / f"page-{n:04d}.html").write_text(article_html(
                headline=f"Night market returns to the square, week {n}",
                body=(f"Stallholders set up {n} tables before dusk, according to AAP.",
                      f"Organisers counted {n * 37} visitors across the evening."),
                url=f"https://www.huffpost.com/archive/au/entry/night-market_au_{n:024x}"))
    (collection / "batch-00" / "broken.html").write_bytes(b"\x00\x01\x02 not a page")
    return collection


def archive_cmd(collection: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "archivekit", "archive", str(collection), "-o", str(out),
            "--date", DATE, "--bag", "--wacz", "-f", "json", "-q", "--max-size", "200000"]


def digest_tree(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                path.stat().st_mtime_ns)
    return out


def final_outputs(out: Path) -> dict[str, bytes]:
    """Every output under its final name (no partial suffix, no hidden temporary)."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if any(part.startswith(".") for part in relative.parts) or path.name.endswith(PARTIAL_SUFFIX):
            continue
        if path.is_file():
            files[str(relative)] = path.read_bytes()
    return files


def assert_complete_where_final(out: Path) -> None:
    """An interrupted run leaves no output that looks complete but is not."""
    files = final_outputs(out)
    for name, data in files.items():
        if name.endswith(".warc.gz"):
            with open(out / name, "rb") as handle:
                records = list(ArchiveIterator(handle, check_digests="raise"))
            assert records and records[0].rec_type == "warcinfo", name
        elif name.endswith((".jsonld", ".json")):
            json.loads(data)
        elif name.endswith((".jsonl", ".ndjson")):
            assert data.endswith(b"\n"), name
            for line in data.splitlines():
                json.loads(line)
        elif name.endswith(".wacz"):
            with zipfile.ZipFile(out / name) as archive:
                assert archive.testzip() is None
                assert "datapackage.json" in archive.namelist()
    if "summary.json" in files:
        summary = json.loads(files["summary.json"])
        assert len(files["report.jsonl"].splitlines()) == summary["articles"]
    if (out / "bag").is_dir():
        bagit = pytest.importorskip("bagit")
        bagit.Bag(str(out / "bag")).validate()


def run_to_end(collection: Path, out: Path) -> tuple[int, bytes]:
    proc = subprocess.run(archive_cmd(collection, out), capture_output=True, timeout=300)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return proc.returncode, proc.stdout


def test_sigkill_at_random_points_then_rerun_gives_identical_outputs(tmp_path):
    collection = build_collection(tmp_path)
    inputs_before = digest_tree(collection)

    out = tmp_path / "out"
    started = time.monotonic()
    code, reference_stdout = run_to_end(collection, out)
    elapsed = time.monotonic() - started
    # The warcinfo record names the command line, -o DIR included: the uninterrupted run
    # writes where the interrupted ones will, then moves aside.
    out.rename(tmp_path / "reference")
    assert code == 1  # the broken page is an error finding
    reference = final_outputs(tmp_path / "reference")
    assert any(name.endswith(".warc.gz") for name in reference)
    assert {"report.jsonl", "summary.json", "archivekit.wacz"} <= set(reference)
    assert_complete_where_final(tmp_path / "reference")

    rng = random.Random(SEED)
    kill_points = sorted(rng.uniform(0.05, 1.05) * elapsed for _ in range(KILLS))
    finished_before_kill = 0
    for delay in kill_points:
        proc = subprocess.Popen(archive_cmd(collection, out), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
            finished_before_kill += 1
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if out.exists():
            assert_complete_where_final(out)
    assert finished_before_kill < KILLS // 2, "the run is too short for the kill points to land in it"

    code, stdout = run_to_end(collection, out)
    assert code == 1
    assert stdout == reference_stdout
    final = final_outputs(out)
    assert sorted(final) == sorted(reference)
    for name in reference:
        assert final[name] == reference[name], f"{name} differs from the uninterrupted run"
    assert_complete_where_final(out)
    leftovers = [str(p.relative_to(out)) for p in out.rglob("*")
                 if p.name.endswith(PARTIAL_SUFFIX) or p.name.startswith(".")]
    assert not leftovers, f"temporary files left after a complete run: {leftovers}"

    assert digest_tree(collection) == inputs_before, "an input file was modified"


def test_a_complete_write_removes_what_a_killed_write_of_the_same_file_left(tmp_path):
    from archivekit.atomic import write_text

    stale = tmp_path / ".summary.json.0123456789abcdef0123456789abcdef.tmp"
    keep = [tmp_path / ".summary.json.not-a-uuid.tmp", tmp_path / ".report.csv.0123456789abcdef0123456789abcdef.tmp",
            tmp_path / "summary.json.0123456789abcdef0123456789abcdef.tmp"]
    for path in (stale, *keep):
        path.write_text("partial")
    write_text(tmp_path / "summary.json", "{}")
    assert (tmp_path / "summary.json").read_text() == "{}"
    assert not stale.exists() and all(p.exists() for p in keep)
