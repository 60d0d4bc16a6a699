"""glibc's malloc tuned for a run (archivekit/allocator.py), each case in a fresh process."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")

# How many chunks glibc serves with mmap after a 1 MiB buffer is made (and kept).
PROBE = """
import ctypes, json, sys
from archivekit import allocator

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                               "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
tuned = allocator.tune() if sys.argv[1] == "tune" else None
before = libc.mallinfo2().hblks
buffer = bytearray(1 << 20)
print(json.dumps({"tuned": tuned, "mmapped": libc.mallinfo2().hblks - before}))
"""


def probe(mode: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "ARCHIVEKIT_MALLOC"))}
    proc = subprocess.run([sys.executable, "-c", PROBE, mode], env=clean | env,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_untuned_glibc_maps_a_large_buffer_and_tuned_serves_it_from_the_heap():
    assert probe("plain") == {"tuned": None, "mmapped": 1}
    assert probe("tune") == {"tuned": True, "mmapped": 0}


def test_the_users_own_settings_and_the_opt_out_are_respected():
    assert probe("tune", ARCHIVEKIT_MALLOC="default") == {"tuned": False, "mmapped": 1}
    assert probe("tune", MALLOC_MMAP_THRESHOLD_="131072")["tuned"] is False
    assert probe("tune", MALLOC_TRIM_THRESHOLD_="131072")["tuned"] is False


def test_a_run_tunes_its_process(tmp_path):
    """check_paths (run_documents) tunes the process it runs in."""
    script = (
        "from archivekit import allocator\n"
        "from archivekit.checker import Checker, check_paths\n"
        "assert allocator._tuned is None\n"
        f"list(check_paths([{str(tmp_path)!r}], Checker()))\n"
        "print(allocator._tuned)\n")
    (tmp_path / "a.html").write_text("<html><body><h1>Title</h1><p>Text.</p></body></html>")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "ARCHIVEKIT_MALLOC"))}
    proc = subprocess.run([sys.executable, "-c", script], env=clean, capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "True"
