"""Build and serialise the records (warcio's recordbuilder role): warcinfo, resource or
verbatim response, revisit, metadata; each record its own gzip member.

The records are serialised here, byte for byte as warcio's ``WARCWriter`` writes them
(``tests/test_warc_records.py`` builds them both ways): the version line, the fields in
the order given, ``Content-Type`` and ``Content-Length`` last, a blank line, the block and
two CRLFs. None of these records has HTTP headers for warcio to parse out of its block.
Building them through warcio's record objects cost more than the rest of the record."""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass
from datetime import datetime

from archivekit.dates import warc_date
from archivekit.export import compress
from archivekit.export.warc.fields import (
    capture_date_for,
    content_type_for,
    digest_label,
    metadata_record_id,
    record_uuid,
    target_uri_for,
)
from archivekit.export.warc.input import _header_value, read_input_record
from archivekit.export.warc.options import (
    METADATA_CONTENT_TYPE,
    METADATA_CONTEXT,
    REVISIT_PROFILE,
    SOFTWARE,
    WARC_CONFORMS_TO,
    WARC_FORMAT,
    WARC_VERSION,
    ExportError,
    WarcOptions,
    file_name,
)
from archivekit.jsonbytes import compact
from archivekit.locations import parse_location
from archivekit.record import Document, Result


def record_bytes(headers: list[tuple[str, str]], block: bytes, content_type: str | None) -> bytes:
    """A record serialised: ``headers`` in order, then Content-Type (unless None) and
    Content-Length, the block, the record's end. Field values are written as UTF-8."""
    fields = [f"{WARC_VERSION}\r\n"]
    fields += [f"{name}: {value}\r\n" for name, value in headers]
    if content_type is not None:
        fields.append(f"Content-Type: {content_type}\r\n")
    fields.append(f"Content-Length: {len(block)}\r\n\r\n")
    return b"".join(("".join(fields).encode("utf-8"), block, b"\r\n\r\n"))


@dataclass(slots=True)
class Written:
    """A payload already written (what a later revisit record refers to)."""

    uri: str
    date: str
    record_id: str
    payload_digest: str


@dataclass(slots=True)
class PreparedRecord:
    """An article's capture record made ready to write (by :meth:`RecordMaker.prepare`,
    in a pool worker with ``--jobs``): digests taken, record serialised and gzipped.

    The writer decides what goes in the file: ``member`` as it is, or a revisit record
    when the same payload was already written; or, when the record id had to be made
    unique or the file rolled since (``warcinfo_id`` is then not the current file's),
    ``member`` with its ids replaced."""

    kind: str              # "resource", or "response": an input HTTP response copied verbatim
    uri: str
    date: str
    content_key: str       # sha256 of the page bytes: finds an identical payload written before
    record_id: str         # resource: before de-duplication; response: the input record's own
    payload_digest: str
    warcinfo_id: str       # the warcinfo id ``member`` refers to
    member: bytes          # the record as one gzip member
    metadata_block: bytes  # the block of the article's metadata record
    metadata_sha256: str   # its sha256 (hex), which the metadata record's id is made of
    # The metadata record, made beside ``member``, for when the writer keeps the ids
    # above (``metadata_id`` is then its id); otherwise the writer makes it again.
    metadata_id: str
    metadata_member: bytes


class RecordMaker:
    """Builds WARC records as bytes, one gzip member each.

    Used by :class:`WarcExporter` and, for the expensive per-article part, by pool
    workers: record ids are UUIDv5 of what the records hold, so they are the same
    wherever they are computed."""

    def __init__(self, options: WarcOptions, stamp: datetime):
        self.options = options
        self.stamp = stamp
        self._warcinfo_ids: dict[int, str] = {}
        self._deflate = compress.deflater(options.compressor, options.gzip_level)

    def compress(self, data: bytes) -> bytes:
        """``data`` as one gzip member, by the options' engine (zlib-ng by default)."""
        return self._deflate(data)

    def member(self, headers: list[tuple[str, str]], block: bytes, content_type: str | None) -> bytes:
        """The record of ``headers`` and ``block`` as one gzip member."""
        return self.compress(record_bytes(headers, block, content_type))

    # --- warcinfo -------------------------------------------------------------------------

    def warcinfo_block(self) -> bytes:
        options = self.options
        fields = [("software", SOFTWARE), ("format", WARC_FORMAT), ("conformsTo", WARC_CONFORMS_TO)]
        if options.command_line:
            fields.append(("command-line", options.command_line))
        if options.operator:
            fields.append(("operator", options.operator))
        if options.description:
            fields.append(("description", options.description))
        # backslashreplace: an argument that is not UTF-8 (lone surrogates) stays visible.
        return "".join(f"{k}: {v}\r\n" for k, v in fields).encode("utf-8", "backslashreplace")

    def warcinfo_id(self, serial: int) -> str:
        """The id of the warcinfo record that starts file number ``serial``."""
        known = self._warcinfo_ids.get(serial)
        if known is None:
            known = self._warcinfo_ids[serial] = record_uuid(
                "warcinfo", file_name(self.options, self.stamp, serial), warc_date(self.stamp),
                digest_label("sha256", self.warcinfo_block()))
        return known

    def warcinfo(self, serial: int) -> bytes:
        block = self.warcinfo_block()
        headers = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", self.warcinfo_id(serial)),
                   ("WARC-Date", warc_date(self.stamp)),
                   ("WARC-Filename", file_name(self.options, self.stamp, serial)),
                   ("WARC-Block-Digest", digest_label(self.options.digest, block))]
        return self.member(headers, block, "application/warc-fields")

    # --- per article ----------------------------------------------------------------------

    def prepare(self, document: Document, result: Result, metadata: dict,
                warcinfo_id: str) -> PreparedRecord:
        """The expensive part of writing an article: digests, serialisation, gzip."""
        date = capture_date_for(document, self.options)
        uri = target_uri_for(document, result)
        verbatim = None
        if document.warc_record_type == "response" and self._source_is_file(document.path):
            try:
                # The record holds this page: more than its size plus headers is not it.
                verbatim = read_input_record(document.path, len(document.content) + (1 << 20))
            except (OSError, ValueError, zlib.error, ExportError):
                verbatim = None  # not readable again: the payload goes in a resource record
        content_key = result.fingerprint.get("sha256") or hashlib.sha256(document.content).hexdigest()
        # backslashreplace turns a non-UTF-8 file name's lone surrogates into \udcXX JSON escapes.
        metadata_block = compact({"@context": METADATA_CONTEXT, **metadata}, sort_keys=True,
                                 errors="backslashreplace")
        if verbatim is not None:
            # WARC 1.0 writers (wget) put the URI in <>; the records written beside this
            # copy (metadata, revisits) are WARC 1.1, without them.
            return self._prepared(
                kind="response",
                uri=(_header_value(verbatim, "WARC-Target-URI") or "").strip("<>") or uri,
                date=_header_value(verbatim, "WARC-Date") or date, content_key=content_key,
                record_id=_header_value(verbatim, "WARC-Record-ID") or record_uuid("response", uri),
                payload_digest=_header_value(verbatim, "WARC-Payload-Digest") or "",
                warcinfo_id=warcinfo_id, member=self.compress(verbatim),
                metadata_block=metadata_block)
        # content_key is the payload's sha256 already: with --digest sha256, not taken twice.
        payload_digest = f"sha256:{content_key}" if self.options.digest == "sha256" \
            else digest_label(self.options.digest, document.content)
        record_id = record_uuid("resource", uri, date, payload_digest)
        headers = [("WARC-Type", "resource"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", date), ("WARC-Target-URI", uri), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Block-Digest", payload_digest),
                   ("WARC-Payload-Digest", payload_digest)]
        member = self.member(headers, document.content, content_type_for(document, result))
        return self._prepared(kind="resource", uri=uri, date=date, content_key=content_key,
                              record_id=record_id, payload_digest=payload_digest,
                              warcinfo_id=warcinfo_id, member=member,
                              metadata_block=metadata_block)

    def _prepared(self, *, uri: str, date: str, record_id: str, warcinfo_id: str,
                  metadata_block: bytes, **fields) -> PreparedRecord:
        """The record with its metadata record made too, for the ids it has now."""
        block_sha256 = hashlib.sha256(metadata_block).hexdigest()
        metadata_id = metadata_record_id(record_id, block_sha256)
        return PreparedRecord(uri=uri, date=date, record_id=record_id, warcinfo_id=warcinfo_id,
                              metadata_block=metadata_block, metadata_sha256=block_sha256,
                              metadata_id=metadata_id,
                              metadata_member=self.metadata(uri, date, metadata_id, record_id,
                                                            warcinfo_id, metadata_block),
                              **fields)

    @staticmethod
    def _source_is_file(path: str) -> bool:
        """Whether ``path`` is a record of a WARC file that is still there to read again."""
        location = parse_location(path)
        return location is not None and bool(location.file) and os.path.isfile(location.file)

    def with_ids(self, member: bytes, replacements: dict[str, str]) -> bytes:
        """``member`` with record ids in its WARC header replaced (ids all have one length)."""
        data = zlib.decompress(member, 16 + zlib.MAX_WBITS)
        end = data.index(b"\r\n\r\n")
        header = data[:end]
        for old, new in replacements.items():
            header = header.replace(old.encode("ascii"), new.encode("ascii"))
        return self.compress(header + data[end:])

    def revisit(self, uri: str, date: str, record_id: str, warcinfo_id: str,
                earlier: Written) -> bytes:
        headers = [("WARC-Type", "revisit"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", date), ("WARC-Target-URI", uri), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Profile", REVISIT_PROFILE),
                   ("WARC-Refers-To", earlier.record_id),
                   ("WARC-Refers-To-Target-URI", earlier.uri),
                   ("WARC-Refers-To-Date", earlier.date),
                   ("WARC-Payload-Digest", earlier.payload_digest),
                   ("WARC-Block-Digest", digest_label(self.options.digest, b""))]
        return self.member(headers, b"", None)

    def metadata(self, uri: str, date: str, record_id: str, refers_to: str, warcinfo_id: str,
                 block: bytes) -> bytes:
        headers = [("WARC-Type", "metadata"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", date), ("WARC-Target-URI", uri), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Refers-To", refers_to), ("WARC-Concurrent-To", refers_to),
                   ("WARC-Block-Digest", digest_label(self.options.digest, block))]
        return self.member(headers, block, METADATA_CONTENT_TYPE)
