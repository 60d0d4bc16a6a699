"""Read a JSON file the user named (a schema, a profile, a baseline), or say in one
line why not: the callers turn the error into an exit 2 or 3, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def read_json(path: str | os.PathLike, what: str, error: type[Exception]) -> Any:
    """The parsed contents of ``path``; ``error`` ("PATH: cannot read WHAT: ..." or
    "PATH: not JSON: ...") when it cannot be read or parsed."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for non-UTF-8 bytes
        raise error(f"{path}: not JSON: {exc}") from None
