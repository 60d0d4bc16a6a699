"""What ``archivekit extract`` prints: the record of each article, as a JSON line or
as text a person reads to see why a rule fired."""

from __future__ import annotations

import json

from archivekit.record import Result

FIRST_WORDS = 12


def json_line(result: Result) -> str:
    """``{"path", "uri", "record"}``: the record exactly as the schema validates it
    (``null`` with an ``error`` when the page could not be read)."""
    out = {"path": result.path, "uri": result.uri, "record": result.record}
    if result.record is None:
        out["error"] = next((f.message for f in result.findings), "unreadable")
    return json.dumps(out, ensure_ascii=False, sort_keys=False)


def text_block(result: Result) -> str:
    record = result.record
    head = f"{result.path}" + (f" [{result.profile}]" if result.profile else "")
    if record is None:
        message = next((f.message for f in result.findings), "unreadable")
        return f"{head}\n  unreadable: {message}\n"
    lines = [head,
             f"  headline: {record.get('headline') or '-'}",
             f"  authors:  {', '.join(record.get('authors') or []) or '-'}",
             f"  bylines:  {', '.join(record['attribution']['bylines']) or '-'}"
             f"  (agencies: {', '.join(record['attribution']['agencies']) or '-'})",
             f"  date:     {record.get('date_published') or '-'}",
             f"  banner:   {(record.get('banner') or {}).get('text') or '-'}",
             f"  footer:   {(record.get('footer') or {}).get('text') or '-'}"]
    body = record.get("body") or []
    words = " ".join(" ".join(body).split()[:FIRST_WORDS])
    lines.append(f"  body:     {len(body)} paragraph{'s' if len(body) != 1 else ''}, "
                 f"{record.get('word_count', 0)} words" + (f": {words} ..." if words else ""))
    for number, image in enumerate(record.get("images") or [], start=1):
        agency = f" ({image['credit_agency']})" if image.get("credit_agency") else ""
        lines += [f"  image {number}:  {image.get('src') or '-'}",
                  f"    caption: {image.get('caption') or '-'}",
                  f"    credit:  {image.get('credit') or '-'}{agency}"]
    return "\n".join(lines) + "\n"
