"""One exception base (``ArchivekitError``), caught once in the CLI's entry point; errors met
while walking the inputs are typed values in the stream."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys

import pytest
from conftest import FIXTURES, ROOT, run_archivekit

import archivekit
from archivekit.errors import ArchivekitError, MissingDependency
from archivekit.sources import UnlistedDir, collect_paths, read_documents

# Owned by other helpers while this branch was written (they split these modules); the lead
# removes an entry when its module derives from ArchivekitError too.
NOT_YET: set[str] = set()


def _modules():
    for info in pkgutil.walk_packages(archivekit.__path__, "archivekit."):
        if info.name.startswith("archivekit.cli") or info.name == "archivekit.__main__":
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # an optional extra (pyspark) that is not installed
            continue


def test_every_exception_class_derives_from_archivekit_error():
    found = {}
    for module in _modules():
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) \
                    and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    assert len(found) >= 12
    stray = sorted(name for name, cls in found.items()
                   if not issubclass(cls, ArchivekitError) and name not in NOT_YET)
    assert stray == []


def _blocked_cdxj(tmp_path):
    fake = tmp_path / "blocked" / "cdxj_indexer"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('cdxj_indexer blocked for this test')\n")
    return str(tmp_path / "blocked")


def test_archive_wacz_without_cdxj_indexer_is_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=_blocked_cdxj(tmp_path), NO_COLOR="1")
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "archivekit", "archive", str(FIXTURES / "html"),
                           "-o", str(out), "--wacz", "-q"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("archivekit: error:")
    assert "pip install 'archivekit[wacz]'" in lines[0] and "cdxj-indexer" in lines[0]
    assert not list(tmp_path.rglob("*.open"))
    assert not (out / "report.jsonl").exists()


def test_missing_dependency_names_the_extra():
    exc = MissingDependency("cdxj-indexer", "wacz", "WACZ export")
    assert exc.exit_code == 2
    assert str(exc) == ("WACZ export needs cdxj-indexer, which is not installed: "
                        "pip install 'archivekit[wacz]'")


def test_read_documents_turns_an_unlisted_dir_into_an_unreadable_document():
    (doc,) = read_documents([UnlistedDir("coll/closed", "Permission denied")])
    assert doc.path == "coll/closed" and doc.io_error and doc.content == b""
    assert doc.read_error == "cannot list directory: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any directory")
def test_unlisted_directory_is_a_typed_value_and_an_unreadable_document(tmp_path):
    (tmp_path / "ok.html").write_text("<html></html>")
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "a.html").write_text("<html></html>")
    closed.chmod(0)
    try:
        paths = list(collect_paths([str(tmp_path)]))
        unlisted = [p for p in paths if isinstance(p, UnlistedDir)]
        assert [u.path for u in unlisted] == [str(closed)]
        assert all(isinstance(p, str) for p in paths if p not in unlisted)
        docs = list(read_documents(paths))
        bad = [d for d in docs if d.path == str(closed)]
        assert bad and bad[0].io_error and bad[0].read_error.startswith("cannot list directory:")
        proc = run_archivekit("check", str(tmp_path), "-f", "json", "-j", "2")
        assert proc.returncode == 3 and "Traceback" not in proc.stderr
        assert str(closed) in proc.stdout
    finally:
        closed.chmod(0o755)
