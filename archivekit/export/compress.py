"""Deflate engines for the WARC's gzip members (one member a record).

Every engine writes standard gzip members (RFC 1952, no file name, time stamp 0) that
any gzip reader inflates: zlib, warcio, FastWARC. They differ in speed and size:

* ``zlib-ng`` (the default): zlib's levels with zlib's meaning, ~1.4-2x zlib's speed,
  nearly the same size. Its bytes are fixed for a given input, level and zlib-ng version.
* ``isal`` (python-isal, the ``isal`` extra): Intel's ISA-L, several times faster at the
  cost of larger files. ISA-L has four levels; ``--gzip-level`` maps onto them:

  ============  ===========  ==============================================
  --gzip-level  ISA-L level  on ~50 KB article pages (size against zlib-ng 6)
  ============  ===========  ==============================================
  0             (stored)     no compression, the same bytes as zlib-ng 0
  1-3           0            fastest, ~+17% size
  4-6           1            ~6x zlib-ng 6's speed, ~+9% size
  7-8           2            ~+8% size
  9             3            ~3x zlib-ng 6's speed, ~+7% size
  ============  ===========  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable

from archivekit.errors import MissingDependency, UsageError

ENGINES = ("zlib-ng", "isal")
DEFAULT_ENGINE = "zlib-ng"
_GZIP_WBITS = 16 + 15  # a gzip header and trailer around a deflate stream, 32 KB window

Deflater = Callable[[bytes], bytes]


def isal_level(gzip_level: int) -> int | None:
    """The ISA-L level ``--gzip-level`` means with ``--compressor isal`` (None: stored)."""
    _check_level(gzip_level)
    if gzip_level == 0:
        return None
    return 0 if gzip_level <= 3 else 1 if gzip_level <= 6 else 2 if gzip_level <= 8 else 3


def _check_level(level: int) -> None:
    if not 0 <= level <= 9:
        raise UsageError(f"gzip level must be 0 to 9, not {level}")


def check_engine(engine: str) -> None:
    """Raise UsageError for an unknown engine, MissingDependency when it is not installed."""
    if engine not in ENGINES:
        raise UsageError(f"unknown compressor {engine!r} (choose {' or '.join(ENGINES)})")
    if engine == "isal":
        try:
            import isal.isal_zlib  # noqa: F401
        except ImportError:
            raise MissingDependency("isal", "isal", "--compressor isal") from None


def deflater(engine: str = DEFAULT_ENGINE, level: int = 6) -> Deflater:
    """A function that deflates bytes into one complete gzip member."""
    check_engine(engine)
    _check_level(level)
    from zlib_ng import zlib_ng

    module, engine_level = zlib_ng, level
    if engine == "isal" and level:
        from isal import isal_zlib

        module, engine_level = isal_zlib, isal_level(level)

    def deflate(data: bytes) -> bytes:
        compressor = module.compressobj(engine_level, module.DEFLATED, _GZIP_WBITS)
        return compressor.compress(data) + compressor.flush()

    return deflate
