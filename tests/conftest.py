"""Shared test helpers: run the real CLI in a subprocess, and where the fixtures live."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS_PAGES = ROOT.parent / "shared" / "corpus" / "pages"


def corpus_pages() -> list[Path]:
    """The real pages of ../shared/corpus/pages (Readability's and newspaper4k's); the
    test skips, saying why, where the shared corpus is not beside this checkout."""
    if not CORPUS_PAGES.is_dir():
        pytest.skip(f"{CORPUS_PAGES} is absent (the shared corpus is not beside this checkout)")
    pages = sorted(CORPUS_PAGES.glob("readability/*/source.html")) + sorted(
        CORPUS_PAGES.glob("newspaper4k/html/*.html"))
    assert len(pages) >= 150, len(pages)
    return pages

JAVA = shutil.which("java") or (os.environ.get("JAVA_HOME") and
                                 os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
# ``pytestmark = SPARK_MARKS`` in a test module: marked ``spark``, skipped with the reason
# where pyspark or Java is absent.
SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None,
                       reason="pyspark is not installed (pip install 'archivekit[spark]')"),
    pytest.mark.skipif(not JAVA, reason="Java is not installed (Spark needs a JVM)"),
]


def run_archivekit(*args, input: bytes | str | None = None, cwd: str | Path | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m archivekit ARGS...``; stdout/stderr captured as text (UTF-8)."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    proc = subprocess.run([sys.executable, "-m", "archivekit", *map(str, args)],
                          input=input, capture_output=True, cwd=cwd or ROOT, timeout=timeout,
                          env=_env())
    proc.stdout = proc.stdout.decode("utf-8", "replace")
    proc.stderr = proc.stderr.decode("utf-8", "replace")
    return proc


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update({"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"})
    # The code under test, whatever the subprocess's cwd (not an editable install elsewhere).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def run_cli():
    """``run_cli(*args, input=None)`` -> CompletedProcess with text stdout/stderr."""
    return run_archivekit


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
