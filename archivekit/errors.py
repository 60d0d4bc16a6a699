"""One base for every error archivekit raises, each carrying the exit code the CLI ends with.

The library raises these; the CLI's entry point catches ``ArchivekitError`` once and prints
``archivekit: <message>`` on one line. Problems with one article are not errors: they are
``Finding`` values in the result stream.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INPUT = 3


class ArchivekitError(Exception):
    """Base of archivekit's exceptions; ``exit_code`` is what the CLI exits with."""

    exit_code: int = EXIT_USAGE


class UsageError(ArchivekitError):
    """A bad option, a bad user file (schema, profile, baseline), a bad combination."""

    exit_code = EXIT_USAGE


class InputError(ArchivekitError):
    """Input that could not be read at all (or in which no article was found)."""

    exit_code = EXIT_INPUT


class MissingDependency(UsageError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str, what: str = ""):
        self.module = module
        self.extra = extra
        need = f"{what} needs " if what else ""
        super().__init__(f"{need}{module}, which is not installed: pip install 'archivekit[{extra}]'")
