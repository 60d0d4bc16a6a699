"""CLI habits: help that reads as words, -V, completion, examples in every verb's help,
and progress that never lands on a results line of the terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT

VERBS = ["archive", "bag", "check", "export", "extract", "fingerprint", "history", "schema", "spark-job",
         "verify", "verify-bag", "warc-check"]
PYTHON_TYPE = re.compile(r"<(bool|str|int|list\[[^\]]*\]|float)>|\b(STR|BOOL|INT RANGE|TEXT)\b")


@pytest.mark.parametrize("verb", VERBS)
def test_help_reads_as_words_and_has_examples(run_cli, verb):
    proc = run_cli(verb, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert not PYTHON_TYPE.search(out), PYTHON_TYPE.search(out).group(0)
    assert "{" not in out.split("\n", 3)[1]  # the usage line: PATH..., not {PATH}...
    assert re.search(r"Examples?:", out)
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert not re.search(r"\b(paths|files|input_list|bag_dir)\b", usage), usage


def test_strict_is_a_flag_without_a_metavar(run_cli):
    out = run_cli("check", "--help").stdout
    line = next(line for line in out.splitlines() if "--strict" in line)
    assert re.search(r"--strict\s+Fail", line), line


def test_version_and_completion(run_cli):
    from archivekit import __version__

    for flag in ("-V", "--version"):
        proc = run_cli(flag)
        assert (proc.returncode, proc.stdout.strip()) == (0, f"archivekit {__version__}")
    assert "--install-completion" in run_cli("--help").stdout


def test_spark_job_help_shows_dunder_file(run_cli):
    assert "print(m.__file__)" in run_cli("spark-job", "--help").stdout


def test_warc_check_quiet_keeps_stderr_empty(run_cli, tmp_path):
    proc = run_cli("warc-check", "-q", FIXTURES / "warc" / "sample.warc.gz", tmp_path / "gone.warc")
    assert proc.returncode == 3 and proc.stderr == ""
    proc = run_cli("warc-check", FIXTURES / "warc" / "sample.warc.gz", tmp_path / "gone.warc")
    assert "gone.warc: no such file" in proc.stderr


def _visible_lines(raw: bytes) -> list[str]:
    """The terminal's lines as a reader sees them: after the last carriage return or
    erase-line of each line, without colour codes."""
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    lines = []
    for line in text.split("\n"):
        line = re.split(r"\r|\x1b\[2K", line)[-1]
        lines.append(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line))
    return lines


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_never_shares_a_line_with_a_result():
    """stdout and stderr on one pseudo-terminal, as in an interactive shell."""
    master, slave = pty.openpty()
    env = dict(os.environ, NO_COLOR="1", COLUMNS="150", TERM="xterm", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "archivekit", "check", "fixtures/html",
                             "fixtures/text", "-j", "1"], stdout=slave, stderr=slave, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready = select.select([master], [], [], 1.0)[0]
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    lines = _visible_lines(b"".join(chunks))
    bar = [line for line in lines if re.search(r"\d+ findings", line) and "checking" in line]
    results = [line for line in lines if re.search(r"\.(html|txt)(: ok|$| \[)", line)]
    assert bar, lines  # the bar was drawn
    assert len(results) >= 40, lines
    mixed = [line for line in lines if "checking" in line and re.search(r"\.(html|txt)", line)]
    assert mixed == []
    assert re.match(r"\d+ articles: ", [line for line in lines if line.strip()][-1])


def test_every_verb_runs_with_start_ups_objects_set_aside():
    """Each verb freezes what start-up made (typer's adapters, the modules) before it runs,
    so the collector never walks it again; the verb's own signature is what typer sees."""
    import gc
    import inspect

    from archivekit.cli.app import _start_up_set_aside, app

    def verb(path: str, count: int = 1) -> int:
        return gc.get_freeze_count()

    wrapped = _start_up_set_aside(verb)
    assert inspect.signature(wrapped) == inspect.signature(verb)
    try:
        assert wrapped("x") > 0
    finally:
        gc.unfreeze()
    commands = {info.name or info.callback.__name__: info.callback
                for info in app.registered_commands}
    frozen_first = _start_up_set_aside(verb).__code__
    assert len(commands) == len(VERBS)
    assert all(c.__code__ is frozen_first for c in commands.values()), commands
