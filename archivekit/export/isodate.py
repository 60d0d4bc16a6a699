"""Dates as found in archived pages, normalised to ISO 8601 for the JSON-LD.

Pages give ``2019-03-14T09:30:00+10:00`` (kept as it is), ``12/07/2018`` (day first:
every edition archivekit ships a profile for writes dates day first), ``14 March 2019``,
``March 14, 2019`` or ``14 mars 2019``. :func:`iso_date` returns the ISO form, or None
when the text is no date it can read (the caller keeps the source string then).
"""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = {name: number for number, names in enumerate((
    ("january", "jan", "janvier", "janv"), ("february", "feb", "février", "fevrier", "févr", "fevr"),
    ("march", "mar", "mars"), ("april", "apr", "avril", "avr"), ("may", "mai"),
    ("june", "jun", "juin"), ("july", "jul", "juillet", "juil"), ("august", "aug", "août", "aout"),
    ("september", "sep", "sept", "septembre"), ("october", "oct", "octobre"),
    ("november", "nov", "novembre"), ("december", "dec", "décembre", "decembre", "déc")), 1)
    for name in names}

_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:er|st|nd|rd|th)?\s+([^\W\d_]+)\.?,?\s+(\d{4})")
_MONTH_DAY = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def iso_date(text: str | None) -> str | None:
    """``text`` as an ISO 8601 date or date-time, or None if it is not a readable date."""
    if not text or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    words = value.lower()
    for pattern, order in ((_NUMERIC, "dmy"), (_DAY_MONTH, "dmy"), (_MONTH_DAY, "mdy")):
        match = pattern.fullmatch(words)
        if match is None:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = parts["m"]
        number = int(month) if month.isdigit() else _MONTHS.get(month)
        try:
            return date(int(parts["y"]), number or 0, int(parts["d"])).isoformat()
        except (TypeError, ValueError):
            return None
    return None
