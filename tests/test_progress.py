"""Progress on stderr: plain lines off a terminal, a bar on one, nothing with --progress never."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT

from archivekit.progress import CollectionSize, ProgressReporter, make_progress
from archivekit.record import Finding, Result

LINE = re.compile(r"^archivekit: checking [\d,]+(/~?[\d,]+ articles \(\d+%\))?.*findings", re.M)


def test_plain_lines_on_a_non_terminal_run(run_cli):
    proc = run_cli("check", FIXTURES / "html", FIXTURES / "text", "-f", "json", "-j", "2",
                   "--progress", "always")
    assert LINE.search(proc.stderr), proc.stderr
    assert "100%" in proc.stderr
    for line in proc.stdout.splitlines():  # results alone on stdout
        json.loads(line)


def test_a_short_run_logs_no_progress_lines_in_ci(run_cli):
    """--progress auto off a terminal: a run of a few seconds leaves the log to results."""
    proc = run_cli("check", FIXTURES / "html", "-f", "json", "-j", "1")
    assert not LINE.search(proc.stderr), proc.stderr


def test_auto_lines_wait_for_a_few_seconds_then_stay_apart(tmp_path):
    out = io.StringIO()
    progress = ProgressReporter(None, stream=out, quiet_for=5.0)
    for i in range(10):
        progress.advance(_result(f"p{i}", 0))
    assert out.getvalue() == ""  # not yet five seconds in
    # As if the run had been going for a minute: the next result gives a line...
    progress._started -= 60
    progress._last_line_at -= 60
    progress.advance(_result("late", 1))
    assert out.getvalue().count("\n") == 1
    progress.advance(_result("next", 0))  # ...and the one right after it none
    assert out.getvalue().count("\n") == 1
    progress.close()
    assert out.getvalue().splitlines()[-1].startswith("archivekit: checking 12/12 articles (100%)")


def test_no_progress_with_never_or_quiet(run_cli):
    for flags in (["--progress", "never"], ["--quiet"]):
        proc = run_cli("check", FIXTURES / "html", "-f", "json", *flags)
        assert not LINE.search(proc.stderr), (flags, proc.stderr)
        assert proc.stdout.strip()


def test_always_wins_over_quiet(run_cli):
    proc = run_cli("check", FIXTURES / "html", "-f", "json", "--quiet", "--progress", "always")
    assert LINE.search(proc.stderr)


def _result(path: str, findings: int) -> Result:
    return Result(path=path, uri=None, profile=None, findings=[
        Finding("banner.missing", "error", "no banner") for _ in range(findings)])


def test_lines_every_five_percent_with_totals_and_findings(tmp_path):
    for i in range(40):
        (tmp_path / f"p{i:02}.html").write_text("<p>x</p>")
    size = CollectionSize([str(tmp_path)])
    size._count()  # synchronously, for a deterministic total
    size.start = lambda: None  # already counted
    out = io.StringIO()
    progress = ProgressReporter(size, stream=out)
    for i in range(40):
        progress.advance(_result(f"p{i}", 1 if i % 4 == 0 else 0))
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 20  # every 2 articles = 5 % of 40
    assert lines[-1].startswith("archivekit: checking 40/40 articles (100%)")
    assert "10 findings in 10 failing articles" in lines[-1]


def test_warc_totals_are_marked_as_estimates(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"\0" * 120_000)
    (tmp_path / "b.html").write_text("<p>x</p>")
    size = CollectionSize([str(tmp_path)])
    size._count()
    assert size.estimated and size.total == 11


def test_make_progress_modes():
    stream = io.StringIO()
    assert make_progress("never", stream=stream) is None
    assert make_progress("auto", quiet=True, stream=stream) is None
    assert make_progress("always", quiet=True, stream=stream) is not None
    assert make_progress("auto", stream=stream)._use_bar is False  # not a terminal


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_bar_on_a_terminal_without_colour_when_no_color():
    """stderr on a pty: a rich bar, no ANSI colours with NO_COLOR; stdout stays JSON."""
    master, slave = pty.openpty()
    env = dict(os.environ, NO_COLOR="1", COLUMNS="160", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "archivekit", "check", str(FIXTURES / "html"),
                             "-f", "json", "-j", "1"], stdout=subprocess.PIPE, stderr=slave,
                            cwd=ROOT, env=env)
    os.close(slave)
    stdout, _ = proc.communicate(timeout=120)
    chunks = []
    while select.select([master], [], [], 0.5)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert "findings" in err and "checking" in err
    assert "archivekit: checking" not in err  # the bar, not plain lines
    assert not re.search(r"\x1b\[(3\d|38;)", err), "colour despite NO_COLOR"
    for line in stdout.decode().splitlines():
        json.loads(line)
