"""The Spark job in local[2] gives the same set of results as the local pool."""

from __future__ import annotations

import json

from conftest import FIXTURES, SPARK_MARKS

pytestmark = SPARK_MARKS


def _canonical(objects) -> set[str]:
    return {json.dumps(o, sort_keys=True) for o in objects}


def test_spark_local2_matches_the_local_pool(run_cli, tmp_path):
    from archivekit.spark_job import read_results

    inputs = [FIXTURES / "html", FIXTURES / "text"]
    inputs += sorted((FIXTURES / "warc").glob("sample*.warc.gz"))
    listing = tmp_path / "inputs.txt"
    listing.write_text("# the fixtures\n" + "".join(f"{p}\n" for p in inputs) + "\n")
    out = tmp_path / "out"

    spark = run_cli("spark-job", listing, "-o", out, "--master", "local[2]", timeout=180)
    local = run_cli("check", *inputs, "-f", "json", "--jobs", "2", "--progress", "never")

    assert "Traceback" not in spark.stderr, spark.stderr[-2000:]
    assert spark.returncode == local.returncode, (spark.stdout, spark.stderr[-2000:])
    expected = [json.loads(line) for line in local.stdout.splitlines()]
    got = list(read_results(str(out)))
    assert len(got) == len(expected)
    assert _canonical(got) == _canonical(expected)
    # Byte for byte per article: the NDJSON lines are check --format json's lines.
    lines = [line for part in sorted((out / "results").glob("part-*"))
             for line in part.read_text(encoding="utf-8").splitlines()]
    assert sorted(lines) == sorted(local.stdout.splitlines())

    parts = sorted((out / "results").glob("part-*"))
    assert len(parts) >= 2  # one NDJSON file per partition
    counters = json.loads((out / "counters.json").read_text())
    assert counters["articles"] == len(expected)
    assert counters["findings"] == sum(len(r["findings"]) for r in expected)
    assert counters["failures"] == sum(not r["valid"] for r in expected)
    assert f"{len(expected)} articles" in spark.stdout

    again = run_cli("spark-job", listing, "-o", out, "--master", "local[2]")
    assert again.returncode == 3 and "already exists" in again.stderr


def test_missing_input_list_is_a_one_line_error(run_cli, tmp_path):
    proc = run_cli("spark-job", tmp_path / "nope.txt", "-o", tmp_path / "out")
    assert proc.returncode == 3
    assert proc.stderr.startswith("archivekit: error:") and "cannot read input list" in proc.stderr


def test_spark_warc_per_partition(run_cli, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from archivekit.spark_job import read_results

    inputs = [FIXTURES / "html", FIXTURES / "warc" / "sample.warc.gz"]
    listing = tmp_path / "inputs.txt"
    listing.write_text("".join(f"{p}\n" for p in inputs))
    out = tmp_path / "out"
    spark = run_cli("spark-job", listing, "-o", out, "--master", "local[2]", "--partitions", "3",
                    "--warc", timeout=180)
    assert "Traceback" not in spark.stderr, spark.stderr[-2000:]
    local = run_cli("check", *inputs, "-f", "json", "--jobs", "1", "--progress", "never")
    expected = {(r["path"], tuple(f["rule"] for f in r["findings"]))
                for r in map(json.loads, local.stdout.splitlines())}
    got = list(read_results(str(out)))
    assert {(r["path"], tuple(f["rule"] for f in r["findings"])) for r in got} == expected

    warcs = sorted((out / "warc").glob("part-*/warc/*.warc.gz"))
    assert len({w.parent.parent.name for w in warcs}) == 3  # one WARC per partition
    metadata = 0
    for warc in warcs:
        with open(warc, "rb") as handle:
            types = [r.rec_type for r in ArchiveIterator(handle, check_digests="raise")]
        assert types[0] == "warcinfo"
        metadata += types.count("metadata")
        check = run_cli("warc-check", warc)
        assert check.returncode == 0, check.stdout
    exported = [r for r in got if not any(f["rule"] == "parse.unreadable" for f in r["findings"])]
    assert metadata == len(exported)


def test_spark_reads_urls_in_the_input_list(run_cli, tmp_path):
    """file:// URLs (fsspec; s3a://, hdfs:// and gs:// go the same way with their driver
    installed) give the results the paths give; a URL that cannot be read is counted."""
    from archivekit.spark_job import read_results

    inputs = [FIXTURES / "html", FIXTURES / "warc" / "sample.warc.gz"]
    listing = tmp_path / "inputs.txt"
    listing.write_text("".join(f"{p.as_uri()}\n" for p in inputs)
                       + "nosuchprotocol://bucket/page.html\n")
    out = tmp_path / "out"
    spark = run_cli("spark-job", listing, "-o", out, "--master", "local[2]", timeout=180)
    assert "Traceback" not in spark.stderr, spark.stderr[-2000:]
    local = run_cli("check", *inputs, "-f", "json", "--jobs", "1", "--progress", "never")
    expected = sorted((r["valid"], tuple(f["rule"] for f in r["findings"]))
                      for r in map(json.loads, local.stdout.splitlines()))
    got = list(read_results(str(out)))
    unreadable = [r for r in got if r["path"].startswith("nosuchprotocol://")]
    assert len(unreadable) == 1 and unreadable[0]["findings"][0]["rule"] == "parse.unreadable"
    assert sorted((r["valid"], tuple(f["rule"] for f in r["findings"]))
                  for r in got if r not in unreadable) == expected
    assert all(r["path"].startswith("file://") for r in got if r not in unreadable)
    assert json.loads((out / "counters.json").read_text())["input_errors"] == 1
