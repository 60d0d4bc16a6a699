"""Reporters: each formats results as they stream past, and only formats.

:data:`REPORTER_BY_NAME` is the one list of formats (the CLI's ``--format`` choices come from
it); each entry names the module and class, imported only when that format is used. The
interface (:class:`Reporter`, :class:`Summary`) is in :mod:`archivekit.report.base`.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TextIO

from archivekit.report.base import Reporter, Summary

__all__ = ["FORMATS", "REPORTER_BY_NAME", "Reporter", "Summary", "make_reporter", "use_color"]

# format name -> "module:Class" (lazy: a run imports only the reporter it uses).
REPORTER_BY_NAME: dict[str, str] = {
    "text": "archivekit.report.text:TextReporter",
    "json": "archivekit.report.jsonl:JsonReporter",
    "junit": "archivekit.report.junit:JunitReporter",
    "sarif": "archivekit.report.sarif:SarifReporter",
    "gitlab": "archivekit.report.gitlab:GitlabReporter",
    "github": "archivekit.report.github:GithubReporter",
    "html": "archivekit.report.html:HtmlReporter",
}
FORMATS = tuple(REPORTER_BY_NAME)


def reporter_class(fmt: str) -> type[Reporter]:
    try:
        module, _, name = REPORTER_BY_NAME[fmt].partition(":")
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    return getattr(importlib.import_module(module), name)


def use_color(stream: TextIO, mode: str = "auto") -> bool:
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    if mode == "always" or os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def make_reporter(fmt: str, stream: TextIO | None = None, **options) -> Reporter:
    return reporter_class(fmt)(stream or sys.stdout, **options)
