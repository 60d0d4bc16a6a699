"""`archive` and `export` with --jobs: the same bytes in every output for any number of workers."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_archivekit
from test_export_warc import make_collection

from archivekit.archive import ArchiveSettings, archive_paths
from archivekit.checker import Checker
from archivekit.cli.archive_cmd import command_line
from archivekit.export.warc import WarcOptions, parse_date_option


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_tree(one: Path, other: Path) -> None:
    first, second = tree(one), tree(other)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"differ between --jobs 1 and --jobs 2: {different}"


def run(cwd: Path, *args: str):
    proc = run_archivekit(*args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("parallel")
    make_collection(root)  # pages, texts, an input WARC, and a page twice (a revisit)
    return root


def test_archive_jobs_1_and_2_write_identical_files(collection):
    # A small --max-size rolls the WARC every few articles, so records prepared in a worker
    # before a roll have to be re-pointed at the new file's warcinfo by the parent.
    common = ("archive", "coll", "--date", "2024-05-01", "-f", "json", "--max-size", "30000",
              "--wacz", "--bag")
    one = run(collection, *common, "-o", "out", "--jobs", "1", "--progress", "never")
    # --progress always: its counting thread makes the pool start with forkserver.
    two = run(collection, *common, "-o", "out", "-j", "2", "--progress", "always")
    assert one.stdout == two.stdout
    assert "archivekit: archiving " not in one.stderr
    assert "archivekit: archiving " in two.stderr and "articles (100%)" in two.stderr
    (collection / "out").rename(collection / "out-2")
    run(collection, *common, "-o", "out", "--jobs", "1", "--progress", "never")
    assert len(list((collection / "out" / "warc").glob("*.warc.gz"))) > 2
    for name in ("report.jsonl", "report.html", "summary.json", "archivekit.wacz"):
        assert (collection / "out" / name).exists()
    assert_same_tree(collection / "out", collection / "out-2")


def test_export_jobs_1_and_2_write_identical_files(collection):
    common = ("export", "coll", "-o", "exp", "--warc", "--jsonld", "--wacz", "--date",
              "2024-05-01T12:00:00Z", "-f", "json", "--digest", "sha256")
    one = run(collection, *common, "--jobs", "1", "--progress", "never")
    (collection / "exp").rename(collection / "exp-1")
    two = run(collection, *common, "--jobs=2", "--quiet")
    assert one.stdout == two.stdout
    assert two.stderr == ""
    assert (collection / "exp" / "jsonld" / "articles.ndjson").stat().st_size > 0
    assert_same_tree(collection / "exp-1", collection / "exp")


def test_library_pool_gives_the_same_results_and_files(collection, tmp_path):
    def job(out: Path, jobs: int):
        settings = ArchiveSettings(out_dir=out, wacz=False,
                                   warc_options=WarcOptions(date=parse_date_option("2024-05-01"),
                                                            max_size=50_000))
        return [r.to_dict() for r in archive_paths([str(collection / "coll")], Checker(), settings,
                                                   jobs=jobs)]

    assert job(tmp_path / "one", 1) == job(tmp_path / "two", 2)
    assert_same_tree(tmp_path / "one", tmp_path / "two")


def test_run_only_options_stay_out_of_the_warcinfo_command_line():
    assert command_line(["archive", "d", "-o", "out", "--jobs", "4", "--progress", "never",
                         "-q", "-j3", "--quiet", "-j", "2", "--jobs=8", "--date", "2024"]) == \
        "archivekit archive d -o out --date 2024"
    assert command_line(["export", "--", "--jobs"]) == "archivekit export -- --jobs"
