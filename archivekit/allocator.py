"""glibc's malloc, tuned for a run over many pages.

By default glibc hands freed memory at the top of its heap back to the kernel once more
than 128 KiB of it is free (``M_TRIM_THRESHOLD``), and serves every request of 128 KiB
or more with a fresh ``mmap`` (``M_MMAP_THRESHOLD``) that is unmapped again when freed.
A run reads, decodes, parses and writes one ~50 KB page after another: each page's
buffers were given back after the page before, so their memory pages fault in again,
every page, every buffer. On the virtual machines this is measured on, that refaulting
was a third of ``check``'s time (``benchmarks/bench_check.py``, docs/performance.md).

:func:`tune` raises both thresholds once per process, so freed buffers are reused: at
most ``TRIM_THRESHOLD`` of free memory stays mapped at the heap's top, and buffers up to
``MMAP_THRESHOLD`` (beyond the default page limit) come from the heap. Peak memory is
unchanged (what is kept was in use at the peak). The run's drivers call it (the CLI and
every pool worker through :func:`archivekit.runner.run_documents`); a user's own
``MALLOC_TRIM_THRESHOLD_`` / ``MALLOC_MMAP_THRESHOLD_`` settings win, and
``ARCHIVEKIT_MALLOC=default`` leaves glibc as it is. Elsewhere (musl, macOS) nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

TRIM_THRESHOLD = 64 * 1024 * 1024
MMAP_THRESHOLD = 32 * 1024 * 1024
_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3

_tuned: bool | None = None


def tune() -> bool:
    """Raise glibc's trim and mmap thresholds for this process (once); whether they are."""
    global _tuned
    if _tuned is None:
        _tuned = _apply()
    return _tuned


def _apply() -> bool:
    if os.environ.get("ARCHIVEKIT_MALLOC", "").strip().lower() == "default":
        return False
    if "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False  # the user tuned glibc already
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and \
        bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def _glibc_mallopt():
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - glibc only: musl's mallopt does nothing
        mallopt = libc.mallopt
    except (AttributeError, OSError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt
