"""The free list for libxml2's blocks (archivekit/_speedups/_parsemem.pyx): kept only in
archivekit's scope, bounded, safe across threads and scopes, and invisible in the outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import nullcontext
from pathlib import Path

import pytest
from conftest import CORPUS_PAGES, FIXTURES

from archivekit import speedups
from archivekit.checker import Checker
from archivekit.extract import dom
from archivekit.sources import collect_paths, read_file

parsemem = getattr(speedups.COMPILED, "parsemem", None)
needs_free_list = pytest.mark.skipif(parsemem is None, reason="the compiled core is not in use")
PACKAGE_ROOT = Path(dom.__file__).resolve().parents[2]
BUDGET = 4 << 20


def _fixture_paths() -> list[str]:
    paths = list(collect_paths([str(FIXTURES)]))
    assert len(paths) >= 30
    return paths


def _parse_and_free(content: bytes) -> int:
    root = dom.parse_html(None, content)
    count = sum(1 for _ in root.iter())
    del root
    return count


def _page(elements: int) -> bytes:
    cells = "".join(f"<p class='c{i % 7}'>w{i} <b>x</b></p>" for i in range(elements))
    return f"<html><body><div>{cells}</div></body></html>".encode()


def test_the_scope_is_the_free_list_exactly_when_the_compiled_core_is_in_use():
    if parsemem is None:
        assert isinstance(dom.page_memory, nullcontext)
    else:
        assert isinstance(dom.page_memory, parsemem.Scope)


@needs_free_list
def test_blocks_are_kept_inside_a_scope_only():
    page = _page(300)
    parsemem.release()
    _parse_and_free(page)
    assert parsemem.kept_bytes() == 0  # outside a scope: glibc's, as without archivekit
    with dom.page_memory:
        _parse_and_free(page)
        kept = parsemem.kept_bytes()
        assert kept > 0
        _parse_and_free(page)  # the next parse takes the kept blocks back
        assert parsemem.kept_bytes() <= kept * 1.5
        parsemem.release()  # not inside a scope: nothing is given back
        assert parsemem.kept_bytes() > 0
    parsemem.release()
    assert parsemem.kept_bytes() == 0


@needs_free_list
def test_the_list_holds_at_most_its_budget():
    with dom.page_memory:
        _parse_and_free(_page(60_000))
        assert 0 < parsemem.kept_bytes() <= BUDGET
    parsemem.release()


@needs_free_list
def test_scopes_nest_and_an_unmatched_end_is_harmless():
    parsemem.end()
    parsemem.end()
    with dom.page_memory, dom.page_memory:
        _parse_and_free(_page(50))
    _parse_and_free(_page(50))
    kept = parsemem.kept_bytes()
    _parse_and_free(_page(50))  # the scopes are closed: no more is kept
    assert parsemem.kept_bytes() == kept
    parsemem.release()


@needs_free_list
def test_trees_made_and_freed_across_scopes_and_threads():
    page = _page(400)
    outside = dom.parse_html(None, page)
    with dom.page_memory:
        inside = dom.parse_html(None, page)
        del outside  # made by glibc's malloc, freed onto the list
    kept_trees = [dom.parse_html(None, page) for _ in range(3)]
    del inside  # made in the scope, freed outside it

    def worker():
        for _ in range(20):
            with dom.page_memory:
                _parse_and_free(page)
        kept_trees.pop()  # a tree of the main thread, freed on this one

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert kept_trees == []
    assert _parse_and_free(page) == _parse_and_free(page)
    parsemem.release()


def _results(paths: list[str]) -> list[str]:
    checker = Checker(keep_record=True)
    return [json.dumps(checker.check(read_file(p)).to_dict(), sort_keys=True) for p in paths]


def test_outputs_are_the_same_with_and_without_the_free_list(monkeypatch):
    import archivekit.extract as extract_module

    paths = _fixture_paths()
    if CORPUS_PAGES.is_dir():
        paths += [str(p) for p in sorted(CORPUS_PAGES.glob("readability/*/source.html"))[:40]]
    with_list = _results(paths)
    monkeypatch.setattr(extract_module, "page_memory", nullcontext())
    assert _results(paths) == with_list


@needs_free_list
def test_threads_checking_at_once_give_the_serial_results():
    paths = _fixture_paths()
    expected = _results(paths)
    got: dict[int, list[str]] = {}

    def worker(n: int) -> None:
        got[n] = _results(paths)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(got[n] == expected for n in range(4))


MALLOC_DEBUG = Path("/lib/x86_64-linux-gnu/libc_malloc_debug.so.0")


@needs_free_list
@pytest.mark.skipif(not MALLOC_DEBUG.exists(), reason="glibc's malloc debugging library is absent")
def test_glibcs_heap_checks_pass_over_the_fixtures_and_real_pages():
    """glibc's checking malloc (it aborts on a bad free and reports usable sizes of its
    own) under a run of check over the fixtures and the real pages."""
    targets = [str(FIXTURES)] + ([str(CORPUS_PAGES)] if CORPUS_PAGES.is_dir() else [])
    env = {**os.environ, "LD_PRELOAD": str(MALLOC_DEBUG), "GLIBC_TUNABLES": "glibc.malloc.check=3",
           "PYTHONPATH": str(PACKAGE_ROOT)}
    proc = subprocess.run([sys.executable, "-m", "archivekit", "check", *targets, "--format", "json",
                           "--progress", "never", "--jobs", "1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                          timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


REFUSED = """
import ctypes, os, sys
import lxml.etree as etree
libxml2 = ctypes.CDLL(etree.__file__)
funcs = [ctypes.cast(getattr(libxml2, n), ctypes.c_void_p) for n in
         ("xmlMemFree", "xmlMemMalloc", "xmlMemRealloc", "xmlMemoryStrdup")]
assert libxml2.xmlMemSetup(*funcs) == 0  # libxml2's own debugging allocator
from contextlib import nullcontext
from archivekit.extract import dom
print(type(dom.page_memory).__name__, flush=True)
os._exit(0)  # the blocks made before the switch are not freed through the debugging one
"""


@needs_free_list
def test_a_libxml2_with_another_allocator_is_left_as_it_was():
    proc = subprocess.run([sys.executable, "-c", REFUSED], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "nullcontext"
