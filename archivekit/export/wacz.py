"""Package WARC files as a WACZ 1.1.1 file (needs the ``wacz`` extra: cdxj-indexer).

Layout: ``archive/`` (the WARC files), ``indexes/index.cdxj`` (sorted CDXJ of the
capture records), ``pages/pages.jsonl`` (a header line, then one line per article URL:
``id``, ``url``, ``ts``, ``title``, ``text``), ``datapackage.json`` (``title``,
``description``, ``mainPageUrl``/``mainPageDate``, sha256 and size of every file) and
``datapackage-digest.json``.

A page's ``url`` is its record's WARC-Target-URI, so it resolves in the index: the
article URL, or for a file with no URL ``urn:archivekit:file:PATH``. Pages are unique
by URL: the first capture of a URL is its page (a replay lists the others under it).
:class:`PagesWriter` spools the pages to a file as they come, so memory stays flat.
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
from archivekit.safepath import create_fresh

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
    text: str | None = None  # the article body: the WACZ full-text field replay tools search

    def to_dict(self) -> dict:
        out = {"id": self.id, "url": self.url, "ts": self.ts}
        if self.title:
            out["title"] = self.title
        if self.text:
            out["text"] = self.text
        return out


class PagesWriter:
    """``pages/pages.jsonl`` written as the pages come (header first), one page per URL."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # create_fresh: a link planted at the spool's name is removed, never written through.
        self._out = open(create_fresh(self.path), "w", encoding="utf-8", newline="\n",
                         errors="backslashreplace")
        self._out.write(json.dumps(PAGES_HEADER, ensure_ascii=False) + "\n")
        self._seen: set[bytes] = set()
        self.first: Page | None = None
        self.count = 0

    def add(self, page: Page) -> bool:
        """Write ``page`` unless its URL already has one; True if written."""
        key = hashlib.blake2b(page.url.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        if key in self._seen:
            return False
        self._seen.add(key)
        self.first = self.first or page
        self.count += 1
        self._out.write(json.dumps(page.to_dict(), ensure_ascii=False) + "\n")
        return True

    def append(self, page: Page) -> None:  # list-like, for callers that collect pages
        self.add(page)

    def close(self) -> Path:
        if not self._out.closed:
            self._out.close()
        return self.path

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


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


def write_wacz(target: Path, warc_files: Iterable[Path], pages: Iterable[Page] | PagesWriter, *,
               date: datetime | None = None, title: str = "archivekit collection",
               description: str | None = None) -> Path:
    """Write ``target`` (a .wacz); returns it. Written under a temp name, then renamed.
    ``pages``: a :class:`PagesWriter` (its file is moved in), or pages to write."""
    target = Path(target)
    warc_files = sorted(Path(p) for p in warc_files)
    stamp = (date or datetime.now(UTC)).astimezone(UTC)
    zip_time = max(stamp, datetime(1980, 1, 1, tzinfo=UTC)).timetuple()[:6]
    spooled = pages if isinstance(pages, PagesWriter) else None
    if spooled is None:
        spooled = PagesWriter(target.with_name(f".{target.name}.pages.open"))
        for page in pages:
            spooled.add(page)
    pages_file = spooled.close()
    index_bytes = cdxj_index(warc_files)

    resources = []
    entries: list[tuple[str, Path | bytes]] = []
    for path in warc_files:
        entries.append((f"archive/{path.name}", path))
    entries.append(("indexes/index.cdxj", index_bytes))
    entries.append(("pages/pages.jsonl", pages_file))
    for name, source in entries:
        digest, size = _sha256(source)
        resources.append({"name": Path(name).name, "path": name, "hash": f"sha256:{digest}",
                          "bytes": size})
    datapackage = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "description": description or default_description(title, spooled.count),
        "created": warc_date(stamp),
        "software": f"archivekit {__version__}",
    }
    if spooled.first is not None:
        datapackage["mainPageUrl"] = spooled.first.url
        datapackage["mainPageDate"] = spooled.first.ts
    datapackage["resources"] = resources
    datapackage_bytes = (json.dumps(datapackage, ensure_ascii=False, indent=2) + "\n").encode()
    digest_bytes = (json.dumps({"path": "datapackage.json",
                                "hash": "sha256:" + hashlib.sha256(datapackage_bytes).hexdigest()},
                               indent=2) + "\n").encode()
    entries.append(("datapackage.json", datapackage_bytes))
    entries.append(("datapackage-digest.json", digest_bytes))

    _write_zip(target, entries, zip_time)
    spooled.discard()
    return target


def _write_zip(target: Path, entries: list[tuple[str, Path | bytes]], zip_time: tuple) -> None:
    """The WACZ's zip, stored (not compressed), under a temporary name and renamed."""
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


def default_description(title: str, pages: int) -> str:
    """The datapackage ``description`` (Markdown; plain text is valid Markdown)."""
    return (f"{title}: {pages:,} archived news article{'s' if pages != 1 else ''}, each as its "
            f"WARC record with the page list searchable by headline and text. Exported by "
            f"archivekit {__version__}.")


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
