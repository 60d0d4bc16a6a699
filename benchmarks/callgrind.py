"""Instructions per page under callgrind: deterministic where wall time is not.

``instructions_per_item(argv_for, small, large)`` runs ``python ARGV`` under
``valgrind --tool=callgrind`` twice, with ``small`` and ``large`` items, and returns
(Ir(large) - Ir(small)) / (large - small): the start-up (interpreter, imports, set-up)
cancels out. The same input gives the same count on any run, loaded machine or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def valgrind() -> str:
    path = shutil.which("valgrind")
    if not path:
        raise SystemExit("--callgrind needs valgrind: apt-get install -y valgrind")
    return path


def instructions(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Total instructions (Ir) of ``python ARGV`` under callgrind."""
    with tempfile.TemporaryDirectory(prefix="archivekit-callgrind-") as work:
        out = Path(work) / "callgrind.out"
        proc = subprocess.run([valgrind(), "--tool=callgrind", f"--callgrind-out-file={out}",
                               sys.executable, *argv], capture_output=True, text=True,
                              env={**os.environ, **(env or {}), "PYTHONHASHSEED": "0"})
        if proc.returncode != 0:
            raise SystemExit(f"callgrind run failed ({proc.returncode}): {proc.stderr[-1500:]}")
        text = out.read_text(errors="replace")
        match = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.MULTILINE)
        if not match:
            raise SystemExit(f"no instruction total in {out}")
        return int(match.group(1))


def instructions_per_item(argv_for: Callable[[int], list[str]], small: int, large: int,
                          env: dict[str, str] | None = None) -> float:
    low = instructions(argv_for(small), env)
    high = instructions(argv_for(large), env)
    return (high - low) / (large - small)
