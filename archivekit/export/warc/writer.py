"""Write prepared records to WARC files in input order: :class:`WarcExporter` (file
roll-over, revisits, ``.open`` names) and the :class:`WarcRef` it returns."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archivekit.export.warc.fields import metadata_record_id, record_uuid
from archivekit.export.warc.options import PARTIAL_SUFFIX, ExportError, WarcOptions, export_stamp, file_name
from archivekit.export.warc.records import PreparedRecord, RecordMaker, Written
from archivekit.record import Document, Result
from archivekit.safepath import UnsafeName, create_fresh, real_dir


@dataclass(slots=True)
class WarcRef:
    """Where an article landed in the WARC output."""

    filename: str
    record_id: str
    record_type: str
    metadata_id: str
    target_uri: str
    date: str
    payload_digest: str


@dataclass
class WarcExporter:
    """Writes articles into rolled WARC files in ``out_dir``; use as a context manager.

    :meth:`add` does everything in this process; with a pool, workers call
    ``RecordMaker.prepare`` and the parent passes each :class:`PreparedRecord` to
    :meth:`write`, in input order (revisits and rolling depend on what came before)."""

    out_dir: Path
    options: WarcOptions = field(default_factory=WarcOptions)
    on_file_done: Callable[[Path], None] | None = None
    files: list[Path] = field(default_factory=list)
    stamp: datetime | None = None  # default: --date, else now

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        self._serial = 0
        self._handle = None
        self._partial: Path | None = None
        self._final: Path | None = None
        self._warcinfo_id = ""
        self._payloads: dict[str, Written] = {}
        self._ids_seen: dict[str, int] = {}
        self.stamp = self.stamp.astimezone(UTC) if self.stamp else export_stamp(self.options)
        self.maker = RecordMaker(self.options, self.stamp)

    # --- files ----------------------------------------------------------------------------

    def __enter__(self) -> WarcExporter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def serial(self) -> int:
        """The number of the file the next article goes into."""
        return self._serial

    def _open(self) -> None:
        name = file_name(self.options, self.stamp, self._serial)
        self._final = self.out_dir / name
        self._partial = self.out_dir / (name + PARTIAL_SUFFIX)
        try:
            # No link planted in -o DIR redirects the write: a real directory, a fresh file
            # (O_EXCL | O_NOFOLLOW), renamed within it when complete.
            real_dir(self.out_dir)
            self._handle = os.fdopen(create_fresh(self._partial), "wb")
        except UnsafeName:
            raise
        except OSError as exc:
            raise ExportError(f"cannot write {self._partial}: {exc.strerror or exc}") from None
        self._warcinfo_id = self.maker.warcinfo_id(self._serial)
        self._handle.write(self.maker.warcinfo(self._serial))

    def _finish_file(self) -> None:
        if self._handle is None:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        os.replace(self._partial, self._final)
        self.files.append(self._final)
        if self.on_file_done:
            self.on_file_done(self._final)
        self._serial += 1

    def close(self) -> None:
        self._finish_file()

    def abort(self) -> None:
        """Leave no complete-looking file behind: the partial file keeps its .open name."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def current_name(self) -> str:
        return self._final.name if self._final else file_name(self.options, self.stamp, self._serial)

    # --- records --------------------------------------------------------------------------

    def _unique(self, record_id: str) -> str:
        count = self._ids_seen.get(record_id, 0)
        self._ids_seen[record_id] = count + 1
        if count:
            return record_uuid(record_id, str(count))
        return record_id

    def add(self, document: Document, result: Result, metadata: dict) -> WarcRef:
        """Write one article (and its metadata record); returns where it went."""
        prepared = self.maker.prepare(document, result, metadata,
                                      self.maker.warcinfo_id(self._serial))
        return self.write(prepared)

    def write(self, prepared: PreparedRecord) -> WarcRef:
        """Write an article made ready by ``RecordMaker.prepare``; returns where it went."""
        if self._handle is None:
            self._open()
        maker, p = self.maker, prepared
        uri, date, warcinfo_id = p.uri, p.date, self._warcinfo_id
        earlier = self._payloads.get(p.content_key)

        # An input response whose record id is written already (the same capture in two
        # input WARCs) is not copied again: a revisit, or a copy with a fresh id.
        duplicate = p.kind == "response" and p.record_id in self._ids_seen
        if (p.kind == "resource" or duplicate) and earlier is not None and earlier.payload_digest:
            record_type = "revisit"
            record_id = self._unique(record_uuid("revisit", uri, date, earlier.record_id))
            self._handle.write(maker.revisit(uri, date, record_id, warcinfo_id, earlier))
            payload_digest = earlier.payload_digest
        elif p.kind == "response" and not duplicate:
            record_type, record_id, payload_digest = "response", self._unique(p.record_id), \
                p.payload_digest
            self._handle.write(p.member)
            self._payloads.setdefault(p.content_key, Written(uri, date, record_id, payload_digest))
        else:
            record_type, payload_digest = p.kind, p.payload_digest
            record_id = self._unique(p.record_id)
            member = p.member
            if record_id != p.record_id or warcinfo_id != p.warcinfo_id:
                member = maker.with_ids(member, {p.record_id: record_id,
                                                 p.warcinfo_id: warcinfo_id})
            self._handle.write(member)
            self._payloads[p.content_key] = Written(uri, date, record_id, payload_digest)

        kept = record_id == p.record_id  # then the metadata id the maker made is the one
        metadata_id = self._unique(p.metadata_id if kept
                                   else metadata_record_id(record_id, p.metadata_sha256))
        if kept and warcinfo_id == p.warcinfo_id and metadata_id == p.metadata_id:
            self._handle.write(p.metadata_member)  # made with the record, for these ids
        else:
            self._handle.write(maker.metadata(uri, date, metadata_id, record_id, warcinfo_id,
                                              p.metadata_block))
        ref = WarcRef(filename=self.current_name, record_id=record_id, record_type=record_type,
                      metadata_id=metadata_id, target_uri=uri, date=date,
                      payload_digest=payload_digest)
        if self._handle.tell() >= self.options.max_size:
            self._finish_file()
        return ref
