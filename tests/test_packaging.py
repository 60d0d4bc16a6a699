"""Packaging metadata that the issue found untrue: the licence file, py.typed, project
URLs (the SARIF rules link under the same address), the typer lower bound."""

from __future__ import annotations

import tomllib

from conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_license_file_is_the_declared_mit_licence():
    assert PYPROJECT["license"] == "MIT" and PYPROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_typed_package_and_classifiers():
    assert (ROOT / "archivekit" / "py.typed").is_file()
    assert "Typing :: Typed" in PYPROJECT["classifiers"]
    assert "Programming Language :: Python :: 3.11" in PYPROJECT["classifiers"]


def test_project_urls_and_sarif_help_links_agree():
    from archivekit.report.base import PROJECT_URL, RULES_DOC_URL

    urls = PYPROJECT["urls"]
    assert urls["Homepage"] == PROJECT_URL
    assert urls["Rules"] == RULES_DOC_URL


def test_typer_lower_bound_is_one_that_works():
    # 0.12.0-0.12.3 crash at start; 0.12.4-0.15 misread flags with click >= 8.3.
    assert "typer>=0.16" in PYPROJECT["dependencies"]
