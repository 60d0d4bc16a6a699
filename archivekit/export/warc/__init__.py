"""Write a collection as WARC 1.1 files (warcio builds and serialises the records).

Per article: a ``resource`` record with the page as captured (or the input's HTTP
``response`` record copied byte for byte, or a ``revisit`` when the same payload was
already written), then a ``metadata`` record that carries the validation result and
fingerprints, linked by WARC-Refers-To and WARC-Concurrent-To. Each file starts with a
``warcinfo`` record. Every record is its own gzip member.

Output is reproducible: record ids are UUIDv5 of what the record holds, dates come
from the input (or ``date``), gzip headers carry no time stamp. Files are written
under ``<name>.open`` and renamed when complete.

The package: ``options`` (what is asked for), ``fields`` (field values), ``records``
(building the records), ``writer`` (the files), ``input`` (reading an input record again);
the dates are :mod:`archivekit.dates`. Everything is importable from here.
"""

from __future__ import annotations

from archivekit.dates import normalise_warc_date, parse_date_option, warc_date
from archivekit.export.warc.fields import (
    capture_date_for,
    content_type_for,
    digest_label,
    iana_charset,
    record_uuid,
    target_uri_for,
)
from archivekit.export.warc.input import (
    read_input_record,
)
from archivekit.export.warc.options import (
    DEFAULT_MAX_SIZE,
    DIGESTS,
    METADATA_CONTENT_TYPE,
    METADATA_CONTEXT,
    PARTIAL_SUFFIX,
    RECORD_NAMESPACE,
    REVISIT_PROFILE,
    SOFTWARE,
    WARC_CONFORMS_TO,
    WARC_FORMAT,
    WARC_VERSION,
    ExportError,
    WarcOptions,
    export_stamp,
    file_name,
    warcinfo_command_line,
)
from archivekit.export.warc.records import (
    PreparedRecord,
    RecordMaker,
)
from archivekit.export.warc.writer import (
    WarcExporter,
    WarcRef,
)

__all__ = [
    "DEFAULT_MAX_SIZE",
    "DIGESTS",
    "ExportError",
    "METADATA_CONTENT_TYPE",
    "METADATA_CONTEXT",
    "PARTIAL_SUFFIX",
    "PreparedRecord",
    "RECORD_NAMESPACE",
    "REVISIT_PROFILE",
    "RecordMaker",
    "SOFTWARE",
    "WARC_CONFORMS_TO",
    "WARC_FORMAT",
    "WARC_VERSION",
    "WarcExporter",
    "WarcOptions",
    "WarcRef",
    "capture_date_for",
    "content_type_for",
    "digest_label",
    "export_stamp",
    "file_name",
    "iana_charset",
    "normalise_warc_date",
    "parse_date_option",
    "read_input_record",
    "record_uuid",
    "target_uri_for",
    "warc_date",
    "warcinfo_command_line",
]
