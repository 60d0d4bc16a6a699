"""Locate the data files that ship with archivekit (schemas, profiles, contexts).

In a wheel the schemas live inside the package (``archivekit/schemas``); in a source
checkout or an editable install they live at the top level (``schemas/``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def schemas_dir() -> Path:
    for candidate in (PACKAGE_DIR / "schemas", PACKAGE_DIR.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("archivekit's schemas/ directory is missing from this installation")


def schema_path(name: str = "article.schema.json") -> Path:
    return schemas_dir() / name


def profiles_dir() -> Path:
    return PACKAGE_DIR / "profiles"
