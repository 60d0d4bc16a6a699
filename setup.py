"""The compiled core's build; everything else about the package is in pyproject.toml.

``pip install .`` compiles ``archivekit/_speedups`` (Cython, with lxml's own headers from
``lxml.get_include()``: no other libxml2 is needed). The extension is optional: without
a C compiler (or without Cython) the build goes on, says so, and archivekit runs its
pure-Python code, which gives the same results.
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

SPEEDUPS = "archivekit/_speedups"
MODULES = ["_dom", "_parsemem", "_simhash", "_tree"]


# Set by the wheel builds (cibuildwheel): a wheel without its compiled core is a failure.
REQUIRED = os.environ.get("ARCHIVEKIT_REQUIRE_EXTENSION", "").strip() in ("1", "true", "yes")


class OptionalBuildExt(build_ext):
    """build_ext that turns a failed compile into a warning (the pure path still works)."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - no compiler is one of many shapes of error
            if REQUIRED:
                raise
            self._skipped(exc)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            if REQUIRED:
                raise
            self._skipped(exc, ext.name)

    @staticmethod
    def _skipped(exc, name="the compiled core"):
        print(f"archivekit: not building {name} ({type(exc).__name__}: {exc}); "
              "archivekit will use its pure-Python code", file=sys.stderr)


def extensions() -> list[Extension]:
    if os.environ.get("ARCHIVEKIT_NO_EXTENSION", "").strip() in ("1", "true", "yes"):
        return []
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError as exc:
        if REQUIRED:
            raise
        print(f"archivekit: not building the compiled core ({exc})", file=sys.stderr)
        return []
    include = [d for d in lxml.get_include() if not d.endswith("__pycache__")]
    modules = [Extension(f"archivekit._speedups.{name}", [f"{SPEEDUPS}/{name}.pyx"],
                         include_dirs=include, optional=not REQUIRED) for name in MODULES]
    return cythonize(modules, compiler_directives={"language_level": "3"}, quiet=True)


setup(
    packages=find_packages(include=["archivekit", "archivekit.*"]) + ["archivekit.schemas"],
    # The wheel carries the top-level schemas/ as archivekit/schemas (resources.py finds
    # either place).
    package_dir={"archivekit.schemas": "schemas"},
    include_package_data=False,
    package_data={
        "archivekit.schemas": ["*.json"],
        "archivekit": ["profiles/*.json", "py.typed"],
        "archivekit.export": ["context/*"],
    },
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
)
