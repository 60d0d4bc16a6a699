"""Read a JSON file the user named (a schema, a profile, a baseline), or say in one
line why not: the callers turn the error into an exit 2 or 3, never a traceback."""

from __future__ import annotations

import json
import os
from typing import Any

from archivekit.safepath import open_regular, read_bounded

# Largest schema, profile or baseline file read.
MAX_JSON_BYTES = 256 * 1024 * 1024


def read_json(path: str | os.PathLike, what: str, error: type[Exception]) -> Any:
    """The parsed contents of ``path``; ``error`` ("PATH: cannot read WHAT: ..." or
    "PATH: not JSON: ...") when it cannot be read or parsed."""
    try:
        fd = open_regular(path, follow_symlinks=True)  # a FIFO or device is refused, not read
        return json.loads(read_bounded(fd, MAX_JSON_BYTES, os.fspath(path), "limit of a user "
                                       "JSON file").decode("utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for non-UTF-8 bytes
        raise error(f"{path}: not JSON: {exc}") from None
    except RecursionError:  # 100,000 nested arrays: the parser's stack, not a crash
        raise error(f"{path}: not usable as {what}: JSON nested too deeply") from None
