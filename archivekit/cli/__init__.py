"""archivekit's command line: a thin layer of typer verbs over the library."""

from __future__ import annotations

import sys

# Each module registers its verb on the app when imported.
from archivekit.cli import (  # noqa: F401
    archive_cmd,
    check_cmd,
    export_cmd,
    extract_cmd,
    fingerprint_cmd,
    history_cmd,
    schema_cmd,
    spark_cmd,
    verify_cmd,
    warccheck_cmd,
)
from archivekit.cli.app import app
from archivekit.errors import ArchivekitError
from archivekit.printable import printable, route_library_logs


def main() -> None:
    """The one exit point: an :class:`ArchivekitError` from any verb becomes one line on
    stderr and its exit code."""
    route_library_logs()
    try:
        app()
    except ArchivekitError as exc:
        print(f"archivekit: error: {printable(exc)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Exception as exc:
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is None or not isinstance(exc, sqlite3.Error):
            raise
        # The ledger is archivekit's only SQLite file. Its store turns errors into
        # LedgerError; the verify passes that query it directly end here: still one line.
        print(f"archivekit: error: ledger error: {printable(str(exc).splitlines()[0] if str(exc) else exc)}",
              file=sys.stderr)
        sys.exit(3)
    except KeyboardInterrupt:
        print("archivekit: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
