"""The Spark job on a real standalone cluster: a master and two workers (one core each,
their own work dirs) started from the pyspark install on 127.0.0.1, the job submitted
with docs/spark.md's standalone line as written. Its results equal local[2]'s and the
local pool's byte for byte per article, one NDJSON and one WARC per partition, and its
tasks ran in executors on both workers. Then the same against the S3 server."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from conftest import FIXTURES, ROOT, SPARK_MARKS

pytestmark = SPARK_MARKS

DOC = ROOT / "docs" / "spark.md"
INPUTS = [FIXTURES / "html", FIXTURES / "text", *sorted((FIXTURES / "warc").glob("*.warc.gz"))]


def doc_line() -> str:
    """The standalone ``spark-submit`` line of docs/spark.md, continuation lines joined."""
    text = DOC.read_text(encoding="utf-8")
    marker = text.index("<!-- the standalone line:")
    block = re.search(r"```sh\n(.*?)```", text[marker:], re.S).group(1)
    command = block.replace("\\\n", " ")
    [line] = [c for c in command.splitlines() if c.lstrip().startswith("spark-submit")]
    assert "spark://MASTER:7077" in line
    return " ".join(line.split())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, request):
    from spark_standalone import Cluster

    # PYTHONPATH: executors import this checkout's archivekit (in CI, the editable install).
    started = Cluster(tmp_path_factory.mktemp("h16-spark-cluster"), pythonpath=str(ROOT))
    request.addfinalizer(started.stop)  # every daemon by its process id, pass or fail
    started.start()
    return started


def _submit(cluster, line: str, cwd, env=None, timeout=600) -> subprocess.CompletedProcess:
    line = line.replace("spark://MASTER:7077", cluster.master_url)
    proc = subprocess.run(["bash", "-c", line], cwd=cwd, env={**cluster.env(), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:] + cluster.log_tail()
    assert "Lost task" not in proc.stderr and "stage failure" not in proc.stderr, proc.stderr[-4000:]
    return proc


def _lines(directory) -> list[str]:
    return [line for part in sorted((directory / "results").glob("part-*"))
            for line in part.read_text(encoding="utf-8").splitlines()]


def test_standalone_cluster_matches_local2_and_the_local_pool(cluster, run_cli, tmp_path):
    (tmp_path / "inputs.txt").write_text("".join(f"{p}\n" for p in INPUTS))
    submitted = _submit(cluster, doc_line(), tmp_path)
    assert "-o out/ --warc" in doc_line()
    out = tmp_path / "out"

    archived = tmp_path / "archive"
    pool = run_cli("archive", *INPUTS, "-o", archived, "--jobs", "2", "--quiet")
    local2 = run_cli("spark-job", tmp_path / "inputs.txt", "-o", tmp_path / "local2", "--warc",
                     "--master", "local[2]", timeout=300)
    assert submitted.returncode == pool.returncode == local2.returncode == 1, (
        submitted.stderr[-3000:], local2.stderr[-3000:])

    # The same set of results, byte for byte per article.
    expected = (archived / "report.jsonl").read_text(encoding="utf-8").splitlines()
    got = _lines(out)
    assert sorted(got) == sorted(expected)
    assert sorted(_lines(tmp_path / "local2")) == sorted(expected)

    counters = json.loads((out / "counters.json").read_text())
    results = [json.loads(line) for line in expected]
    assert (counters["articles"], counters["findings"], counters["failures"]) == (
        len(results), sum(len(r["findings"]) for r in results), sum(not r["valid"] for r in results))
    local2_counters = json.loads((tmp_path / "local2" / "counters.json").read_text())
    assert counters["input_errors"] == local2_counters["input_errors"]
    assert f"{len(results)} articles in {counters['partitions']} partitions" in submitted.stdout
    assert (out / "results" / "_SUCCESS").exists()

    # One NDJSON and one WARC per partition; every WARC valid, one metadata record an export.
    parts = sorted(p.name for p in (out / "results").glob("part-*"))
    assert parts == [f"part-{i:05d}" for i in range(counters["partitions"])]
    assert counters["partitions"] >= 2
    warcs = sorted((out / "warc").glob("part-*/warc/*.warc.gz"))
    assert [w.parent.parent.name for w in warcs] == parts
    check = run_cli("warc-check", *warcs)
    assert check.returncode == 0, check.stdout[-2000:]
    exported = sum(1 for w in (archived / "warc").glob("*.warc.gz")
                   for _ in _metadata_records(w))
    assert sum(1 for w in warcs for _ in _metadata_records(w)) == exported

    # The tasks ran in executors on both workers: each executor's working directory is
    # WORKER_DIR/APP_ID/EXECUTOR_ID, and the master saw the application use both cores.
    partitions = [json.loads(line) for line in (out / "partitions.jsonl").read_text().splitlines()]
    assert [p["partition"] for p in partitions] == list(range(counters["partitions"]))
    ran_on = {str(work) for work in cluster.work_dirs
              for p in partitions if p["workdir"].startswith(str(work) + os.sep)}
    assert ran_on == {str(w) for w in cluster.work_dirs}, partitions
    assert len({p["executor"] for p in partitions}) == 2
    state = cluster.state()
    [app] = [a for a in state["completedapps"] + state["activeapps"]
             if a["name"] == "archivekit-check" and a["id"] in partitions[0]["workdir"]]
    assert app["cores"] == 2 and len(state["workers"]) == 2


def _metadata_records(path):
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "metadata":
                yield record


def test_standalone_cluster_reads_and_writes_the_object_store(cluster, run_cli, tmp_path,
                                                              tmp_path_factory, request):
    """s3:// inputs and -o s3:// on the cluster: the endpoint by --storage-option (it
    travels with the tasks), the credentials to the executors by spark.executorEnv."""
    from s3_server import S3Server

    s3 = S3Server(tmp_path_factory.mktemp("h16-cluster-moto") / "moto.log")
    request.addfinalizer(s3.stop)
    s3.start()
    client = s3.client()
    client.create_bucket(Bucket="collection")
    s3.upload_tree("collection", FIXTURES / "text", "fixtures/text")
    client.upload_file(str(FIXTURES / "warc" / "sample.warc.gz"), "collection",
                       "fixtures/warc/sample.warc.gz")
    (tmp_path / "inputs.txt").write_text("s3://collection/fixtures/text/\n"
                                         "s3://collection/fixtures/warc/sample.warc.gz\n")
    line = doc_line().replace("-o out/", "-o s3://collection/runs/cluster") + (
        f" --storage-option s3.endpoint_url={s3.endpoint}")
    executor_env = (f"--conf spark.executorEnv.AWS_ACCESS_KEY_ID={s3.key} "
                    f"--conf spark.executorEnv.AWS_SECRET_ACCESS_KEY={s3.secret} "
                    "--conf spark.executorEnv.AWS_DEFAULT_REGION=us-east-1 ")
    line = line.replace("spark-submit ", "spark-submit " + executor_env, 1)
    env = {k: v for k, v in s3.env().items() if k.startswith("AWS_") and k != "AWS_ENDPOINT_URL_S3"}
    submitted = _submit(cluster, line, tmp_path, env=env)
    assert submitted.returncode == 1, submitted.stderr[-3000:]

    archived = tmp_path / "archive"
    run_cli("archive", FIXTURES / "text", FIXTURES / "warc" / "sample.warc.gz", "-o", archived,
            "--quiet")
    quoted = json.dumps(str(FIXTURES))[1:-1]
    expected = sorted(line.replace(f'"path":"{quoted}/', '"path":"s3://collection/fixtures/')
                      for line in (archived / "report.jsonl").read_text().splitlines())
    keys = sorted(o["Key"] for o in client.list_objects_v2(
        Bucket="collection", Prefix="runs/cluster/")["Contents"])
    got = sorted(line for key in keys if "/results/part-" in key
                 for line in client.get_object(Bucket="collection", Key=key)["Body"]
                 .read().decode().splitlines())
    assert got == expected
    partitions = [json.loads(line) for line in client.get_object(
        Bucket="collection", Key="runs/cluster/partitions.jsonl")["Body"].read().decode().splitlines()]
    assert len([k for k in keys if "/warc/part-" in k]) == len(partitions)
    assert {p["workdir"].split(os.sep + "app-")[0] for p in partitions} <= {
        str(w) for w in cluster.work_dirs}
