"""Which implementation archivekit calls: the compiled core or the pure-Python reference.

The compiled core (:mod:`archivekit._speedups`, Cython) is used when it was built and
imports; otherwise the pure-Python code runs, with the same results (the tests hold the
two equal). Two environment variables, read once at import:

* ``ARCHIVEKIT_PURE=1`` forces the pure-Python code even where the extension is built;
* ``ARCHIVEKIT_COMPILED=1`` requires the extension: importing archivekit fails with an
  ImportError that says why, instead of falling back quietly (for CI and benchmarks).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from archivekit.errors import UsageError

F = TypeVar("F", bound=Callable)


class CompiledCoreMissing(UsageError, ImportError):
    """ARCHIVEKIT_COMPILED=1 and the extension is not there (or both variables are set)."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _load() -> tuple[ModuleType | None, str]:
    pure, compiled = _flag("ARCHIVEKIT_PURE"), _flag("ARCHIVEKIT_COMPILED")
    if pure and compiled:
        raise CompiledCoreMissing("ARCHIVEKIT_PURE=1 and ARCHIVEKIT_COMPILED=1 ask for opposite things")
    if pure:
        return None, "pure (ARCHIVEKIT_PURE=1)"
    try:
        import archivekit._speedups as module
    except ImportError as exc:
        if compiled:
            raise CompiledCoreMissing(
                f"ARCHIVEKIT_COMPILED=1 but archivekit's compiled core does not import ({exc}); "
                "reinstall archivekit where a C compiler is (pip install .) or unset the variable"
            ) from exc
        return None, f"pure (compiled core not built: {exc})"
    return module, "compiled"


COMPILED, WHICH = _load()


def choose(name: str, pure: F) -> F:
    """The compiled ``name`` when the compiled core is in use, else ``pure``."""
    if COMPILED is None:
        return pure
    return getattr(COMPILED, name)
