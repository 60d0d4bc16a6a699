"""The Spark job's input list may name URLs (read through fsspec): the partition code
reads them like local paths, and a URL that cannot be read is a finding, not a crash.
Plain Python, no Spark: tests/test_spark.py runs the same through local[2]."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import FIXTURES

from archivekit.checker import Checker, CheckerRecipe
from archivekit.spark_job import check_partition, read_input_list

pytestmark = pytest.mark.skipif(importlib.util.find_spec("fsspec") is None,
                                reason="fsspec is not installed (pip install 'archivekit[spark]')")


def _results(entries) -> list[dict]:
    return [json.loads(line) for line in check_partition(entries, CheckerRecipe.of(Checker()))]


def _key(result: dict) -> tuple:
    return (result["valid"], tuple(f["rule"] for f in result["findings"]),
            result["fingerprint"].get("sha256"))


def test_file_urls_give_what_the_paths_give():
    page = FIXTURES / "html" / "ca-2016-footer-missing.html"
    warc = FIXTURES / "warc" / "sample.warc.gz"
    by_path = _results([str(page), str(warc)])
    by_url = _results([page.as_uri(), warc.as_uri()])
    assert [_key(r) for r in by_url] == [_key(r) for r in by_path]
    assert by_url[0]["path"] == page.as_uri()
    assert by_url[1]["path"].startswith(warc.as_uri() + "#")


def test_a_page_in_an_fsspec_memory_store():
    import fsspec

    content = (FIXTURES / "text" / "au-valid.txt").read_bytes()
    with fsspec.open("memory://collection/au-valid.txt", "wb") as handle:
        handle.write(content)
    [result] = _results(["memory://collection/au-valid.txt"])
    assert result["valid"] and result["path"] == "memory://collection/au-valid.txt"


@pytest.mark.parametrize(("url", "words"), [
    ("nosuchprotocol://bucket/page.html", "Protocol not known"),
    ("file:///nonexistent/dir/page.html", "FileNotFoundError"),
])
def test_an_unreadable_url_is_a_finding(url, words):
    [result] = _results([url])
    assert result["path"] == url and not result["valid"]
    [finding] = result["findings"]
    assert finding["rule"] == "parse.unreadable" and words in finding["message"]


def test_a_directory_url_is_listed_like_a_directory(tmp_path):
    collection = tmp_path / "collection"
    (collection / "b").mkdir(parents=True)
    (collection / ".hidden").mkdir()
    for name in ("a.html", "b/c.txt", "b/d.warc.gz", "notes.md", ".e.html", ".hidden/f.html"):
        (collection / name).write_text("x")
    base = collection.as_uri()
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{base}\n# a comment\n{base}/a.html\n")
    entries = read_input_list(str(listing))
    assert entries == [f"{base}/a.html", f"{base}/b/c.txt", f"{base}/b/d.warc.gz",
                       f"{base}/a.html"]


def test_storage_options_parse_as_json_or_text():
    from archivekit.spark_job import SparkJobError, parse_storage_options

    assert parse_storage_options([
        "s3.endpoint_url=http://127.0.0.1:9000", "s3.anon=true",
        's3.config_kwargs={"retries": {"max_attempts": 1}}', "GCS.project=x=y"]) == {
        "s3": {"endpoint_url": "http://127.0.0.1:9000", "anon": True,
               "config_kwargs": {"retries": {"max_attempts": 1}}},
        "gcs": {"project": "x=y"}}
    for bad in ("endpoint_url=x", "s3.endpoint_url", ".x=1", "s3.=1"):
        with pytest.raises(SparkJobError, match="PROTOCOL.KEY=VALUE"):
            parse_storage_options([bad])


def test_a_partition_writes_its_files_to_a_url_output():
    """-o URL: the partition's NDJSON and WARC go to the store through fsspec (here its
    in-process memory:// store); what the driver gets back is counts and places."""
    import fsspec

    from archivekit.spark_job import OutputDir, PartitionTask, read_results, run_partition

    entries = [str(FIXTURES / "text" / "au-valid.txt"), str(FIXTURES / "warc" / "sample.warc.gz"),
               str(FIXTURES / "text" / "no-such-file.txt")]
    task = PartitionTask(CheckerRecipe.of(Checker()), OutputDir("memory://h16-run/out"), warc=True)
    summary = run_partition(task, 3, entries)
    assert "error" not in summary, summary
    assert summary["partition"] == 3 and summary["results"] == "results/part-00003"
    assert summary["articles"] == 1 + 5 and summary["input_errors"] == 1
    fs = fsspec.filesystem("memory")
    lines = fs.cat("/h16-run/out/results/part-00003").decode().splitlines()
    assert len(lines) == 7 and json.loads(lines[-1])["input_error"]
    assert [json.loads(line) for line in lines] == list(read_results("memory://h16-run/out"))
    [warc] = fs.glob("/h16-run/out/warc/part-00003/warc/*.warc.gz")
    assert warc.rsplit("/", 1)[-1].startswith("archivekit-part-00003-")
    fs.rm("/h16-run", recursive=True)


def test_a_partition_that_cannot_write_reports_one_line():
    from archivekit.spark_job import OutputDir, PartitionTask, run_partition

    task = PartitionTask(CheckerRecipe.of(Checker()), OutputDir("nosuchprotocol://bucket/out"))
    summary = run_partition(task, 0, [str(FIXTURES / "text" / "au-valid.txt")])
    assert summary["error"].startswith("cannot write nosuchprotocol://bucket/out/results/part-00000: ")
    assert "\n" not in summary["error"] and "Protocol not known" in summary["error"]
