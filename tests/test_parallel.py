"""The local process pool: same report for every --jobs, input order, per-worker setup/teardown."""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from archivekit.record import Document
from archivekit.runner import collector_paused, resolve_jobs, run_documents


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".html", ".htm", ".txt"))


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> tuple[Path, Path]:
    """The fixtures three times over (so there are several shards per worker) and a WARC."""
    from warcio.warcwriter import WARCWriter

    root = tmp_path_factory.mktemp("collection")
    for copy in range(3):
        for sub in ("html", "text", "bad"):
            if (FIXTURES / sub).is_dir():
                shutil.copytree(FIXTURES / sub, root / f"c{copy}" / sub)
    pages = _pages(FIXTURES)
    assert len(pages) >= 10, "the fixtures are needed for this test"
    warc = root.parent / f"{root.name}.warc.gz"
    with open(warc, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i, page in enumerate(pages * 2):
            ctype = "text/plain" if page.suffix == ".txt" else "text/html"
            record = writer.create_warc_record(
                f"https://www.huffingtonpost.com.au/entry/page-{i}", "resource",
                payload=io.BytesIO(page.read_bytes()), warc_content_type=ctype)
            writer.write_record(record)
    return root, warc


def test_jobs_1_and_2_give_identical_json_reports(run_cli, collection):
    root, warc = collection
    inputs = [root, warc, *(p for p in [FIXTURES / "warc" / "sample.warc.gz"] if p.exists())]
    one = run_cli("check", *inputs, "-f", "json", "--jobs", "1", "--progress", "never")
    two = run_cli("check", *inputs, "-f", "json", "--jobs", "2", "--progress", "never")
    assert one.returncode in (0, 1, 3), one.stderr
    assert "Traceback" not in two.stderr
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout)
    lines = one.stdout.splitlines()
    assert len(lines) > 3 * len(_pages(FIXTURES))  # pages and WARC records all there
    assert any(json.loads(line)["path"].startswith(str(warc)) for line in lines)


def test_text_report_identical_too(run_cli, collection):
    root, _ = collection
    one = run_cli("check", root / "c0", "-j", "1", "--progress", "never")
    two = run_cli("check", root / "c0", "-j", "2", "--progress", "never")
    assert two.stdout == one.stdout


def test_missing_input_with_a_pool_still_checks_the_rest(run_cli, collection):
    root, _ = collection
    proc = run_cli("check", root / "c0" / "html", root / "no-such-dir", "-f", "json", "-j", "2",
                   "--progress", "never")
    assert proc.returncode == 3
    assert "no-such-dir" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) == len(_pages(root / "c0" / "html"))


def where(document: Document, state) -> tuple[str, int, str]:
    return document.path, os.getpid(), state


def where_many(documents: list[Document], state) -> list[tuple[str, int, str]]:
    return [(document.path, len(documents), state) for document in documents]


def tag(label: str) -> str:
    return label


def mark_done(state) -> None:
    Path(state).joinpath(f"worker-{os.getpid()}").write_text("closed")


def test_run_documents_keeps_order_and_uses_several_processes(collection):
    root, warc = collection
    inputs = [str(root), str(warc)]
    serial = list(run_documents(inputs, where, setup=tag, setup_args=("s",), jobs=1))
    pooled = list(run_documents(inputs, where, setup=tag, setup_args=("s",), jobs=2, chunk=8))
    assert [p for p, _, _ in pooled] == [p for p, _, _ in serial]
    assert {s for _, _, s in pooled} == {"s"}
    assert len({pid for _, pid, _ in pooled}) == 2
    assert {pid for _, pid, _ in serial} == {os.getpid()}


def test_teardown_runs_once_in_each_worker(collection, tmp_path):
    root, _ = collection
    values = list(run_documents([str(root)], where, setup=tag, setup_args=(str(tmp_path),),
                                teardown=mark_done, jobs=2, chunk=4))
    pids = {pid for _, pid, _ in values}
    assert {p.name for p in tmp_path.iterdir()} == {f"worker-{pid}" for pid in pids}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_worker_gets_the_documents_in_batches_and_keeps_their_order(collection, jobs):
    root, warc = collection
    inputs = [str(root), str(warc)]
    one = list(run_documents(inputs, where, setup=tag, setup_args=("s",), jobs=1))
    batched = list(run_documents(inputs, where, many=where_many, setup=tag, setup_args=("s",),
                                 jobs=jobs, chunk=5))
    assert [p for p, _, _ in batched] == [p for p, _, _ in one]
    assert {s for _, _, s in batched} == {"s"}
    sizes = [size for _, size, _ in batched]
    assert max(sizes) == 5 and set(sizes) <= set(range(1, 6))


def test_a_batch_is_cut_short_at_its_byte_bound(monkeypatch):
    from archivekit import runner

    monkeypatch.setattr(runner, "MAX_BATCH_BYTES", 100)
    documents = [Document(path=f"p{i}", content=b"x" * size)
                 for i, size in enumerate([60, 30, 20, 5, 150, 1])]
    assert [[d.path for d in batch] for batch in runner.document_batches(documents, 4)] == \
        [["p0", "p1", "p2"], ["p3", "p4"], ["p5"]]


def test_the_last_shards_of_paths_are_cut_smaller_and_keep_their_order():
    from archivekit.runner import _split_tail

    paths = [[f"p{i}" for i in range(start, start + 8)] for start in range(0, 40, 8)]
    document = [Document(path="d", content=b"x")]
    shards = list(_split_tail(iter(paths + [document] + paths[:3]), keep=2))
    flat = [item if isinstance(item, str) else item.path for shard in shards for item in shard]
    assert flat == [f"p{i}" for i in range(40)] + ["d"] + [f"p{i}" for i in range(24)]
    # Path shards held back go out whole before a shard of documents; the last two, in
    # quarters.
    assert [len(shard) for shard in shards] == [8, 8, 8, 8, 8, 1, 8, 2, 2, 2, 2, 2, 2, 2, 2]


def test_resolve_jobs():
    assert resolve_jobs(3) == 3
    assert resolve_jobs(0) >= 1


def test_fingerprint_jobs_1_and_2_same_report_and_ledger(run_cli, tmp_path):
    import sqlite3

    inputs = [FIXTURES / "html", FIXTURES / "text"]
    runs = {}
    for jobs in (1, 2):
        ledger = tmp_path / f"ledger-{jobs}.db"
        proc = run_cli("fingerprint", *inputs, "--ledger", ledger, "-f", "json", "-j", jobs,
                       "--progress", "never")
        assert proc.returncode in (0, 1), proc.stderr
        with sqlite3.connect(ledger) as db:
            objects = sorted(db.execute("SELECT path, size, digests, content_sha256, fields, simhash,"
                                        " uri, profile, valid FROM objects"))
        runs[jobs] = (proc.stdout, objects)
    assert runs[1] == runs[2]
    assert len(runs[1][1]) == len(_pages(FIXTURES / "html")) + len(_pages(FIXTURES / "text"))


def test_a_checker_recipe_travels_without_its_checker_and_rebuilds_an_equal_one():
    """A forked worker uses the checker the recipe holds (its memory is a copy); what is
    pickled (a spawned worker, a Spark task) carries the recipe alone and builds anew."""
    import pickle

    from archivekit.checker import Checker, CheckerRecipe, check_document
    from archivekit.sources import read_file

    checker = Checker(keep_record=True)
    recipe = CheckerRecipe.of(checker)
    assert recipe.build() is checker
    travelled = pickle.loads(pickle.dumps(recipe))
    assert travelled.built is None and travelled == recipe
    rebuilt = travelled.build()
    assert rebuilt is not checker and rebuilt.keep_record
    page = read_file(str(next(p for p in _pages(FIXTURES) if p.suffix == ".html")))
    assert check_document(page, rebuilt).to_dict() == check_document(page, checker).to_dict()


def test_the_collector_is_paused_for_a_batch_and_left_as_it_was():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a batch that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a host that turned it off keeps it off
    finally:
        gc.enable()


def test_archive_leaves_the_collector_on(tmp_path):
    from archivekit.archive import ArchiveSettings, archive_paths
    from archivekit.checker import Checker

    results = list(archive_paths([str(FIXTURES)], Checker(keep_record=True),
                                 ArchiveSettings(out_dir=tmp_path / "out")))
    assert results and gc.isenabled()


def test_one_page_runs_here_and_one_warc_in_the_pool(collection):
    """A pool for a single page would only start its processes; a single WARC file's
    records are still spread over the workers."""
    root, warc = collection
    page = str(next(p for p in sorted(root.rglob("*.html"))))
    assert [pid for _, pid, _ in run_documents([page], where, setup=tag, setup_args=("s",),
                                              jobs=2)] == [os.getpid()]
    pooled = list(run_documents([str(warc)], where, setup=tag, setup_args=("s",), jobs=2, chunk=2))
    assert pooled and os.getpid() not in {pid for _, pid, _ in pooled}
