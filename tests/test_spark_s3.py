"""The Spark job against an object store: an S3-compatible server (moto's server mode) on
a loopback port, a bucket holding the fixtures and a WARC, the job reading ``s3://`` URLs
through fsspec/s3fs and writing its outputs back to the bucket. A missing object, a wrong
credential and an unreachable endpoint are findings or one-line errors, never a failed
stage. Everything on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, ROOT, SPARK_MARKS

pytestmark = SPARK_MARKS

BUCKET = "collection"
PREFIX = f"s3://{BUCKET}/fixtures"
WARC = "warc/sample.warc.gz"


@pytest.fixture(scope="module")
def s3(tmp_path_factory, request):
    from s3_server import S3Server

    server = S3Server(tmp_path_factory.mktemp("h16-moto") / "moto.log")
    request.addfinalizer(server.stop)  # by its process id, pass or fail
    server.start()
    client = server.client()
    client.create_bucket(Bucket=BUCKET)
    for sub in ("html", "text"):
        server.upload_tree(BUCKET, FIXTURES / sub, f"fixtures/{sub}")
    client.upload_file(str(FIXTURES / WARC), BUCKET, f"fixtures/{WARC}")
    return server


def _spark(env, *args, timeout=300):
    """``archivekit spark-job ...`` in local[2] with ``env`` (the store's settings)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "archivekit", "spark-job", *map(str, args),
                           "--master", "local[2]"], capture_output=True, text=True, cwd=ROOT,
                          env={**env, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
                          timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "Lost task" not in proc.stderr and "stage failure" not in proc.stderr, proc.stderr[-3000:]
    return proc


def _local_lines(run_cli, *args) -> list[str]:
    """The local pool's lines for the same fixtures, their paths as the bucket's URLs."""
    local = run_cli(*args, "--progress", "never")
    assert local.returncode in (0, 1), local.stderr
    quoted = json.dumps(str(FIXTURES))[1:-1]
    return [line.replace(f'"path":"{quoted}/', f'"path":"{PREFIX}/')
            for line in local.stdout.splitlines()]


def _bucket_text(s3, key: str) -> str:
    return s3.client().get_object(Bucket=BUCKET, Key=key)["Body"].read().decode("utf-8")


def test_s3_inputs_and_outputs_match_the_local_pool(s3, run_cli, tmp_path, monkeypatch):
    """Endpoint and credentials from botocore's environment variables; -o s3://."""
    from archivekit.spark_job import read_results

    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{PREFIX}/html/\n{PREFIX}/text\n{PREFIX}/{WARC}\n"
                       f"{PREFIX}/html/no-such-page.html\n")
    out = f"s3://{BUCKET}/runs/env"
    spark = _spark(s3.env(), listing, "-o", out, "--warc")
    assert spark.returncode == 3, spark.stderr[-3000:]  # the missing object is unreadable input

    archived = tmp_path / "archive"
    run_cli("archive", FIXTURES / "html", FIXTURES / "text", FIXTURES / WARC, "-o", archived,
            "--quiet")
    quoted = json.dumps(str(FIXTURES))[1:-1]
    expected = {line.replace(f'"path":"{quoted}/', f'"path":"{PREFIX}/')
                for line in (archived / "report.jsonl").read_text().splitlines()}
    parts = sorted(o["Key"] for o in s3.client().list_objects_v2(
        Bucket=BUCKET, Prefix="runs/env/results/")["Contents"])
    got = [line for key in parts if key.rsplit("/", 1)[-1].startswith("part-")
           for line in _bucket_text(s3, key).splitlines()]
    missing = [line for line in got if "no-such-page" in line]
    assert len(missing) == 1
    [finding] = json.loads(missing[0])["findings"]
    assert finding["rule"] == "parse.unreadable" and "FileNotFoundError" in finding["message"]
    assert {line for line in got if line not in missing} == expected  # byte for byte per article
    assert len(got) == len(expected) + 1
    assert "runs/env/results/_SUCCESS" in parts

    import fsspec.config

    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": s3.endpoint, "key": s3.key,
                                                   "secret": s3.secret})
    assert len(list(read_results(out))) == len(got)

    counters = json.loads(_bucket_text(s3, "runs/env/counters.json"))
    assert counters["articles"] == len(got) and counters["input_errors"] == 1
    assert counters["failures"] == sum(not json.loads(line)["valid"] for line in got)
    partitions = [json.loads(line) for line in _bucket_text(s3, "runs/env/partitions.jsonl")
                  .splitlines()]
    assert len(partitions) == counters["partitions"] == len([k for k in parts if "/part-" in k])

    # One WARC per partition, uploaded to the bucket, each a valid WARC 1.1 file.
    warcs = sorted(o["Key"] for o in s3.client().list_objects_v2(
        Bucket=BUCKET, Prefix="runs/env/warc/")["Contents"])
    assert len({key.split("/")[3] for key in warcs}) == counters["partitions"]
    assert all(key.endswith(".warc.gz") for key in warcs)
    local_warc = tmp_path / "part.warc.gz"
    s3.client().download_file(BUCKET, warcs[0], str(local_warc))
    assert run_cli("warc-check", local_warc).returncode == 0


def test_list_in_the_bucket_endpoint_from_storage_option(s3, run_cli, tmp_path):
    """The input list is itself an object; the endpoint comes from --storage-option (no
    endpoint variable in the environment); the output is a local directory."""
    from archivekit.spark_job import read_results

    s3.client().put_object(Bucket=BUCKET, Key="lists/inputs.txt",
                           Body=f"# the fixtures\n{PREFIX}/text/\n{PREFIX}/{WARC}\n".encode())
    env = s3.env()
    del env["AWS_ENDPOINT_URL_S3"]
    out = tmp_path / "out"
    spark = _spark(env, f"s3://{BUCKET}/lists/inputs.txt", "-o", out,
                   "--storage-option", f"s3.endpoint_url={s3.endpoint}")
    expected = _local_lines(run_cli, "check", FIXTURES / "text", FIXTURES / WARC, "-f", "json")
    assert spark.returncode == 1, spark.stderr[-3000:]
    got = [line for part in sorted((out / "results").glob("part-*"))
           for line in part.read_text().splitlines()]
    assert sorted(got) == sorted(expected)
    assert len(list(read_results(str(out)))) == len(expected)


def test_a_wrong_credential_is_a_finding_per_input(s3, run_cli, tmp_path):
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{PREFIX}/text/\n{PREFIX}/{WARC}\n")
    out = tmp_path / "out"
    spark = _spark(s3.env(secret="not-the-secret"), listing, "-o", out)
    assert spark.returncode == 3
    results = [json.loads(line) for part in sorted((out / "results").glob("part-*"))
               for line in part.read_text().splitlines()]
    assert [r["path"] for r in results] == [f"{PREFIX}/text/", f"{PREFIX}/{WARC}"]
    for result in results:
        [finding] = result["findings"]
        assert finding["rule"] == "parse.unreadable" and "PermissionError" in finding["message"]
    assert json.loads((out / "counters.json").read_text())["input_errors"] == 2


def test_an_unreachable_endpoint_is_a_finding(s3, run_cli, tmp_path):
    from spark_standalone import free_port

    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{PREFIX}/{WARC}\n")
    out = tmp_path / "out"
    spark = _spark(s3.env(endpoint=closed), listing, "-o", out)
    assert spark.returncode == 3
    [line] = (out / "results" / "part-00000").read_text().splitlines()
    [finding] = json.loads(line)["findings"]
    assert finding["rule"] == "parse.unreadable"
    assert "Could not connect to the endpoint URL" in finding["message"]


@pytest.mark.parametrize("case", ["wrong credential", "unreachable endpoint", "bad option"])
def test_an_output_the_job_cannot_reach_is_a_one_line_error(s3, run_cli, tmp_path, case):
    from spark_standalone import free_port

    listing = tmp_path / "inputs.txt"
    listing.write_text(f"{PREFIX}/{WARC}\n")
    args = [listing, "-o", f"s3://{BUCKET}/runs/{case.replace(' ', '-')}"]
    env = s3.env()
    if case == "wrong credential":
        env = s3.env(key="AKIANOSUCHKEY", secret="x")
        words, code = "PermissionError", 3
    elif case == "unreachable endpoint":
        env = s3.env(endpoint=f"http://127.0.0.1:{free_port()}")
        words, code = "Could not connect to the endpoint URL", 3
    else:
        args += ["--storage-option", "endpoint_url"]
        words, code = "expected PROTOCOL.KEY=VALUE", 2
    proc = _spark(env, *args, timeout=120)
    assert proc.returncode == code
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("archivekit: error:"), proc.stderr
    assert words in lines[0]
