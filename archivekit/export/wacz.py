"""Package WARC files as a WACZ 1.1.1 file (needs the ``wacz`` extra: cdxj-indexer).

Layout: ``archive/`` (the WARC files), ``indexes/index.cdxj`` (sorted CDXJ of the
capture records), ``pages/pages.jsonl`` (a header line, then one line per article),
``datapackage.json`` (sha256 and size of every file) and ``datapackage-digest.json``.
The zip is STORED (WARC files are already compressed) with fixed time stamps and a
fixed order, so the same WARCs and date give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archivekit import __version__
from archivekit.errors import MissingDependency
from archivekit.export.warc import warc_date

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
# Records a replay tool should find by URL; metadata records stay out of the index.
INDEXED_RECORDS = "response,revisit,resource"


class WaczUnavailable(MissingDependency):
    """The optional dependency (cdxj-indexer) is not installed."""

    def __init__(self) -> None:
        super().__init__("cdxj-indexer", "wacz", "WACZ export")


def require_indexer() -> None:
    """Raise :class:`WaczUnavailable` now, before any output is written, if cdxj-indexer
    cannot be imported."""
    try:
        from cdxj_indexer.main import write_cdx_index  # noqa: F401
    except ImportError:
        raise WaczUnavailable() from None


@dataclass(slots=True)
class Page:
    id: str
    url: str
    ts: str
    title: str | None = None

    def to_dict(self) -> dict:
        out = {"id": self.id, "url": self.url, "ts": self.ts}
        if self.title:
            out["title"] = self.title
        return out


def cdxj_index(warc_files: list[Path]) -> bytes:
    try:
        from cdxj_indexer.main import write_cdx_index
    except ImportError:
        raise WaczUnavailable() from None
    out = io.StringIO()
    by_dir: dict[Path, list[str]] = {}
    for path in warc_files:
        by_dir.setdefault(path.parent, []).append(str(path))
    for root, paths in by_dir.items():
        write_cdx_index(out, paths, {"sort": True, "dir_root": str(root),
                                     "records": INDEXED_RECORDS})
    lines = sorted(line for line in out.getvalue().splitlines() if line)
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def write_wacz(target: Path, warc_files: Iterable[Path], pages: Iterable[Page], *,
               date: datetime | None = None, title: str = "archivekit collection") -> Path:
    """Write ``target`` (a .wacz); returns it. Written under a temp name, then renamed."""
    target = Path(target)
    warc_files = sorted(Path(p) for p in warc_files)
    stamp = (date or datetime.now(UTC)).astimezone(UTC)
    zip_time = max(stamp, datetime(1980, 1, 1, tzinfo=UTC)).timetuple()[:6]
    pages_bytes = "".join(json.dumps(line, ensure_ascii=False) + "\n"
                          for line in [PAGES_HEADER, *(p.to_dict() for p in pages)]).encode("utf-8")
    index_bytes = cdxj_index(warc_files)

    resources = []
    entries: list[tuple[str, Path | bytes]] = []
    for path in warc_files:
        entries.append((f"archive/{path.name}", path))
    entries.append(("indexes/index.cdxj", index_bytes))
    entries.append(("pages/pages.jsonl", pages_bytes))
    for name, source in entries:
        digest, size = _sha256(source)
        resources.append({"name": Path(name).name, "path": name, "hash": f"sha256:{digest}",
                          "bytes": size})
    datapackage = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "created": warc_date(stamp),
        "software": f"archivekit {__version__}",
        "resources": resources,
    }
    datapackage_bytes = (json.dumps(datapackage, ensure_ascii=False, indent=2) + "\n").encode()
    digest_bytes = (json.dumps({"path": "datapackage.json",
                                "hash": "sha256:" + hashlib.sha256(datapackage_bytes).hexdigest()},
                               indent=2) + "\n").encode()
    entries.append(("datapackage.json", datapackage_bytes))
    entries.append(("datapackage-digest.json", digest_bytes))

    partial = target.with_name(target.name + ".open")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, source in entries:
            info = zipfile.ZipInfo(name, date_time=zip_time)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            with zf.open(info, "w", force_zip64=isinstance(source, Path)) as out:
                if isinstance(source, Path):
                    with open(source, "rb") as handle:
                        while chunk := handle.read(1 << 20):
                            out.write(chunk)
                else:
                    out.write(source)
    os.replace(partial, target)
    return target


def _sha256(source: Path | bytes) -> tuple[str, int]:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), len(source)
    hasher = hashlib.sha256()
    size = 0
    with open(source, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size
