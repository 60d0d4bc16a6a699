"""Write a collection as WARC 1.1 files (warcio builds and serialises the records).

Per article: a ``resource`` record with the page as captured (or the input's HTTP
``response`` record copied byte for byte, or a ``revisit`` when the same payload was
already written), then a ``metadata`` record that carries the validation result and
fingerprints, linked by WARC-Refers-To and WARC-Concurrent-To. Each file starts with a
``warcinfo`` record. Every record is its own gzip member.

Output is reproducible: record ids are UUIDv5 of what the record holds, dates come
from the input (or ``date``), gzip headers carry no time stamp. Files are written
under ``<name>.open`` and renamed when complete.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import io
import os
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archivekit import __version__
from archivekit.errors import UsageError
from archivekit.export import compress
from archivekit.jsonbytes import compact
from archivekit.record import Document, Result

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
# Metadata records are JSON-LD (DESIGN.md: application/warc-fields or JSON-LD), with the
# context inline so a processor expands them offline. The per-field digests are keyed by
# JSON pointer, not by term: kept as one JSON literal.
METADATA_CONTENT_TYPE = "application/ld+json"
METADATA_CONTEXT = {"@vocab": "https://archivekit.invalid/vocab#",
                    "field_sha256": {"@type": "@json"}}


class ExportError(Exception):
    """An export that cannot go on (output directory not writable, ...)."""


class _Writer(WARCWriter):
    # warcio adds WARC-Payload-Digest to metadata records by default; a metadata
    # record has no payload in WARC 1.1's sense, so it carries only a block digest.
    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "metadata")


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


@dataclass(slots=True)
class _Written:
    uri: str
    date: str
    record_id: str
    payload_digest: str


def warc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date_option(text: str) -> datetime:
    """``--date``: an ISO 8601 date or date-time; a time without zone is UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(f"--date {text!r} is not an ISO 8601 date or date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def normalise_warc_date(text: str | None) -> str | None:
    """A WARC-Date from the input, cut to second precision."""
    if not text:
        return None
    try:
        return warc_date(parse_date_option(text.strip()))
    except ExportError:
        return None


def digest_label(algorithm: str, data: bytes) -> str:
    if algorithm == "sha1":
        return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def record_uuid(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, chr(10).join(parts))}>"


def iana_charset(name: str) -> str:
    """The IANA name of a Python codec (cp1252 -> windows-1252), for Content-Type."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name.lower()
    if canonical.startswith("cp125"):
        return "windows-" + canonical[2:]
    if canonical.startswith("iso8859-"):
        return "iso-8859-" + canonical[len("iso8859-"):]
    if canonical in ("mac-roman", "koi8-r", "koi8-u", "shift_jis", "euc-jp", "gb18030", "big5"):
        return canonical.replace("mac-roman", "macintosh")
    return canonical.replace("_", "-")


def content_type_for(document: Document, result: Result) -> str:
    record = result.record
    if record is None:  # not readable as a page: keep what the source said, if anything
        return document.content_type or "application/octet-stream"
    encoding = iana_charset((record.get("parse") or {}).get("encoding") or "utf-8")
    if document.content_type and "charset" in document.content_type.lower():
        return document.content_type
    base = (document.content_type or "").split(";")[0].strip().lower()
    if not base:
        name = document.path.lower().split("#")[0]
        base = "text/plain" if name.endswith((".txt", ".text")) else "text/html"
    return f"{base}; charset={encoding}"


def target_uri_for(document: Document, result: Result) -> str:
    if document.uri:
        return document.uri
    record_url = (result.record or {}).get("url")
    if record_url:
        return record_url
    # fsencode: a file name that is not UTF-8 keeps its real bytes, percent-encoded.
    return "urn:archivekit:file:" + quote(os.fsencode(Path(document.path).as_posix()), safe="/._-~")


def capture_date_for(document: Document, options: WarcOptions) -> str:
    from_input = normalise_warc_date(document.date)
    if from_input:
        return from_input
    if options.date is not None:
        return warc_date(options.date)
    try:
        return warc_date(datetime.fromtimestamp(os.stat(document.path).st_mtime, UTC))
    except (OSError, ValueError):
        return warc_date(datetime.now(UTC))


def read_input_record(path_with_offset: str) -> bytes:
    """The uncompressed bytes (header + block + CRLF CRLF) of the record at ``file#offset``."""
    path, _, offset_text = path_with_offset.rpartition("#")
    offset = int(offset_text)
    with open(path, "rb") as handle:
        handle.seek(offset)
        head = handle.read(2)
        handle.seek(offset)
        if head == b"\x1f\x8b":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = bytearray()
            while not inflater.eof:
                chunk = handle.read(1 << 16)
                if not chunk:
                    raise ExportError("input record is truncated")
                out += inflater.decompress(chunk)
            return bytes(out)
        header = bytearray()
        while not header.endswith(b"\r\n\r\n"):
            line = handle.readline(1 << 16)
            if not line:
                raise ExportError("input record is truncated")
            header += line
        length = 0
        for line in bytes(header).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        block = handle.read(length + 4)
        if len(block) != length + 4:
            raise ExportError("input record is truncated")
        return bytes(header) + block


def _header_value(record_bytes: bytes, name: str) -> str | None:
    head = record_bytes[:record_bytes.find(b"\r\n\r\n")].decode("utf-8", "replace")
    wanted = name.lower()
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == wanted:
            return value.strip()
    return None


def file_name(options: WarcOptions, stamp: datetime, serial: int) -> str:
    """``PREFIX-YYYYMMDDhhmmss-NNNNN.warc.gz``."""
    return f"{options.prefix}-{stamp.strftime('%Y%m%d%H%M%S')}-{serial:05d}.warc.gz"


def export_stamp(options: WarcOptions) -> datetime:
    """The run's time stamp (file names, warcinfo dates): ``--date``, else now."""
    return (options.date or datetime.now(UTC)).astimezone(UTC)


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


class RecordMaker:
    """Builds WARC records as bytes, one gzip member each (warcio serialises them).

    Used by :class:`WarcExporter` and, for the expensive per-article part, by pool
    workers: record ids are UUIDv5 of what the records hold, so they are the same
    wherever they are computed."""

    def __init__(self, options: WarcOptions, stamp: datetime):
        self.options = options
        self.stamp = stamp
        self._builder = _Writer(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        self._warcinfo_ids: dict[int, str] = {}
        self._deflate = compress.deflater(options.compressor, options.gzip_level)

    def compress(self, data: bytes) -> bytes:
        """``data`` as one gzip member, by the options' engine (zlib-ng by default)."""
        return self._deflate(data)

    def member(self, record) -> bytes:
        buffer = io.BytesIO()
        self._builder.out = buffer
        self._builder.write_record(record)
        return self.compress(buffer.getvalue())

    def record(self, record_type: str, uri: str | None, headers: list[tuple[str, str]],
               block: bytes, content_type: str | None):
        warc_headers = StatusAndHeaders("", headers, protocol=WARC_VERSION)
        if uri:
            warc_headers.headers.insert(3, ("WARC-Target-URI", uri))
        record = self._builder.create_warc_record(
            uri or "", record_type, payload=io.BytesIO(block), length=len(block),
            warc_content_type=content_type or "", warc_headers=warc_headers)
        if content_type is None:
            record.content_type = None
            record.rec_headers.remove_header("Content-Type")
        return record

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
        return self.member(self.record("warcinfo", None, headers, block, "application/warc-fields"))

    # --- per article ----------------------------------------------------------------------

    def prepare(self, document: Document, result: Result, metadata: dict,
                warcinfo_id: str) -> PreparedRecord:
        """The expensive part of writing an article: digests, serialisation, gzip."""
        date = capture_date_for(document, self.options)
        uri = target_uri_for(document, result)
        verbatim = None
        source = document.path.rpartition("#")[0]
        if document.warc_record_type == "response" and source and os.path.isfile(source):
            try:
                verbatim = read_input_record(document.path)
            except (OSError, ValueError, zlib.error, ExportError):
                verbatim = None  # not readable again: the payload goes in a resource record
        content_key = result.fingerprint.get("sha256") or hashlib.sha256(document.content).hexdigest()
        # backslashreplace turns a non-UTF-8 file name's lone surrogates into \udcXX JSON escapes.
        metadata_block = compact({"@context": METADATA_CONTEXT, **metadata}, sort_keys=True,
                                 errors="backslashreplace")
        if verbatim is not None:
            return PreparedRecord(
                kind="response",
                uri=_header_value(verbatim, "WARC-Target-URI") or uri,
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
                   ("WARC-Date", date), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Block-Digest", payload_digest),
                   ("WARC-Payload-Digest", payload_digest)]
        member = self.member(self.record("resource", uri, headers, document.content,
                                         content_type_for(document, result)))
        return PreparedRecord(kind="resource", uri=uri, date=date, content_key=content_key,
                              record_id=record_id, payload_digest=payload_digest,
                              warcinfo_id=warcinfo_id, member=member,
                              metadata_block=metadata_block)

    def with_ids(self, member: bytes, replacements: dict[str, str]) -> bytes:
        """``member`` with record ids in its WARC header replaced (ids all have one length)."""
        data = zlib.decompress(member, 16 + zlib.MAX_WBITS)
        end = data.index(b"\r\n\r\n")
        header = data[:end]
        for old, new in replacements.items():
            header = header.replace(old.encode("ascii"), new.encode("ascii"))
        return self.compress(header + data[end:])

    def revisit(self, uri: str, date: str, record_id: str, warcinfo_id: str,
                earlier: _Written) -> bytes:
        headers = [("WARC-Type", "revisit"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", date), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Profile", REVISIT_PROFILE),
                   ("WARC-Refers-To", earlier.record_id),
                   ("WARC-Refers-To-Target-URI", earlier.uri),
                   ("WARC-Refers-To-Date", earlier.date),
                   ("WARC-Payload-Digest", earlier.payload_digest),
                   ("WARC-Block-Digest", digest_label(self.options.digest, b""))]
        return self.member(self.record("revisit", uri, headers, b"", None))

    def metadata(self, uri: str, date: str, record_id: str, refers_to: str, warcinfo_id: str,
                 block: bytes) -> bytes:
        headers = [("WARC-Type", "metadata"), ("WARC-Record-ID", record_id),
                   ("WARC-Date", date), ("WARC-Warcinfo-ID", warcinfo_id),
                   ("WARC-Refers-To", refers_to), ("WARC-Concurrent-To", refers_to),
                   ("WARC-Block-Digest", digest_label(self.options.digest, block))]
        return self.member(self.record("metadata", uri, headers, block, METADATA_CONTENT_TYPE))


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
        self._payloads: dict[str, _Written] = {}
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
        self.out_dir.mkdir(parents=True, exist_ok=True)
        name = file_name(self.options, self.stamp, self._serial)
        self._final = self.out_dir / name
        self._partial = self.out_dir / (name + PARTIAL_SUFFIX)
        try:
            self._handle = open(self._partial, "wb")
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

        if p.kind == "resource" and earlier is not None and earlier.payload_digest:
            record_type = "revisit"
            record_id = self._unique(record_uuid("revisit", uri, date, earlier.record_id))
            self._handle.write(maker.revisit(uri, date, record_id, warcinfo_id, earlier))
            payload_digest = earlier.payload_digest
        elif p.kind == "response":
            record_type, record_id, payload_digest = "response", p.record_id, p.payload_digest
            self._handle.write(p.member)
            self._payloads.setdefault(p.content_key, _Written(uri, date, record_id, payload_digest))
        else:
            record_type, payload_digest = "resource", p.payload_digest
            record_id = self._unique(p.record_id)
            member = p.member
            if record_id != p.record_id or warcinfo_id != p.warcinfo_id:
                member = maker.with_ids(member, {p.record_id: record_id,
                                                 p.warcinfo_id: warcinfo_id})
            self._handle.write(member)
            self._payloads[p.content_key] = _Written(uri, date, record_id, payload_digest)

        metadata_id = self._unique(record_uuid("metadata", record_id,
                                               hashlib.sha256(p.metadata_block).hexdigest()))
        self._handle.write(maker.metadata(uri, date, metadata_id, record_id, warcinfo_id,
                                          p.metadata_block))
        ref = WarcRef(filename=self.current_name, record_id=record_id, record_type=record_type,
                      metadata_id=metadata_id, target_uri=uri, date=date,
                      payload_digest=payload_digest)
        if self._handle.tell() >= self.options.max_size:
            self._finish_file()
        return ref
