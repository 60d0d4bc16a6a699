"""What a WARC export is asked for: :class:`WarcOptions`, the file names and the
export's time stamp, and the format's constants."""

from __future__ import annotations

import shlex
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from archivekit import __version__
from archivekit.errors import InputError, UsageError
from archivekit.export import compress

WARC_VERSION = "WARC/1.1"
WARC_FORMAT = "WARC File Format 1.1"
WARC_CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SOFTWARE = f"archivekit/{__version__}"
DIGESTS = ("sha1", "sha256")
DEFAULT_MAX_SIZE = 1_000_000_000
PARTIAL_SUFFIX = ".open"
# Namespace of archivekit's record ids (a UUIDv5 of the record's content in it).
RECORD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://archivekit.invalid/warc-record")
# Metadata records are JSON-LD (docs/export.md; WARC 1.1 allows warc-fields or any type), with the
# context inline so a processor expands them offline. The per-field digests are keyed by
# JSON pointer, not by term: kept as one JSON literal.
METADATA_CONTENT_TYPE = "application/ld+json"
METADATA_CONTEXT = {"@vocab": "https://archivekit.invalid/vocab#",
                    "field_sha256": {"@type": "@json"}}


class ExportError(InputError):
    """An export that cannot go on (output directory not writable, ...)."""


@dataclass
class WarcOptions:
    prefix: str = "archivekit"
    digest: str = "sha1"
    gzip_level: int = 6
    compressor: str = compress.DEFAULT_ENGINE  # deflate engine (archivekit.export.compress)
    max_size: int = DEFAULT_MAX_SIZE
    date: datetime | None = None
    operator: str | None = None
    command_line: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.digest not in DIGESTS:
            raise ExportError(f"unknown digest {self.digest!r} (choose sha1 or sha256)")
        if not 0 <= self.gzip_level <= 9:
            raise ExportError("gzip level must be 0 to 9")
        try:
            compress.check_engine(self.compressor)
        except UsageError as exc:
            raise ExportError(str(exc)) from None
        # The prefix names files in the output directory (WARCs, the WACZ): one plain name.
        if not self.prefix or self.prefix.startswith(".") or any(c in self.prefix for c in "/\\\0"):
            raise ExportError(f"prefix {self.prefix!r} must be a plain file name "
                              "(no directory, no leading dot)")


def file_name(options: WarcOptions, stamp: datetime, serial: int) -> str:
    """``PREFIX-YYYYMMDDhhmmss-NNNNN.warc.gz``."""
    return f"{options.prefix}-{stamp.strftime('%Y%m%d%H%M%S')}-{serial:05d}.warc.gz"


def export_stamp(options: WarcOptions) -> datetime:
    """The run's time stamp (file names, warcinfo dates): ``--date``, else now."""
    return (options.date or datetime.now(UTC)).astimezone(UTC)


# Options that change how a run goes, not what it writes: left out of the command line
# the warcinfo record keeps, so --jobs 1 and --jobs 8 write the same bytes.
_RUN_ONLY = {"--jobs": True, "-j": True, "--progress": True, "--quiet": False, "-q": False}


def warcinfo_command_line(argv: list[str] | None = None) -> str:
    """The command line for the warcinfo record (default: this process's), without the
    run-only options."""
    args = list(sys.argv[1:] if argv is None else argv)
    kept: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":  # the rest are paths
            kept += args[index - 1:]
            break
        name = arg.split("=", 1)[0]
        if name in _RUN_ONLY:
            index += _RUN_ONLY[name] and "=" not in arg  # skip its value too
        elif not (arg.startswith("-j") and arg[2:].isdigit()):  # -j4
            kept.append(arg)
    return "archivekit " + shlex.join(kept)
