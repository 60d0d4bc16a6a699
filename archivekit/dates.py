"""The one date format archivekit writes (WARC-Date, ledger times: ``2020-01-01T00:00:00Z``)
and the ``--date`` option's parser."""

from __future__ import annotations

from datetime import UTC, datetime

from archivekit.errors import UsageError

WARC_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class DateError(UsageError, ValueError):
    """A ``--date`` value that is not an ISO 8601 date or date-time."""


def warc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime(WARC_DATE_FORMAT)


def utc_now() -> str:
    """Now, in the WARC-Date form (second precision, UTC)."""
    return datetime.now(UTC).strftime(WARC_DATE_FORMAT)


def parse_date_option(text: str) -> datetime:
    """``--date``: an ISO 8601 date or date-time; a time without zone is UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DateError(f"--date {text!r} is not an ISO 8601 date or date-time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def normalise_warc_date(text: str | None) -> str | None:
    """A WARC-Date from the input, cut to second precision."""
    if not text:
        return None
    try:
        return warc_date(parse_date_option(text.strip()))
    except DateError:
        return None
