"""Seed articles for the fuzz targets: a valid page in each input shape, and a WARC.

All wording is invented for archivekit.
"""

from __future__ import annotations

import gzip
import uuid

BANNER = "This article exists as part of the online archive for HuffPost Australia, which closed in 2021."
FOOTER = ("This article exists as part of the online archive for HuffPost Australia. "
          "Certain site features have been disabled. If you have questions or concerns, "
          "please check our FAQ or contact support@huffpost.com.")


def article_html(n: int = 0) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Harbour ferries return after a long winter {n}</title>
<link rel="canonical" href="https://www.huffpost.com/archive/au/entry/harbour-ferries_au_{n:024x}">
</head>
<body>
<div class="archive-banner"><p>{BANNER}</p></div>
<article class="entry__content">
<header><h1 class="headline">Harbour ferries return after a long winter {n}</h1>
<div class="dek">Commuters on the quay welcomed the first sailing in months.</div></header>
<div class="entry__byline__author"><a href="/author/x">By Mirela Santos</a></div>
<div class="timestamp"><time datetime="2019-05-0{1 + n % 9}T08:30:00Z">May 2019</time></div>
<section class="entry__content-list">
<div class="cli-text"><p>The first ferry of the season left the wharf at dawn, according to Reuters.</p></div>
<div class="cli-text"><p>Crews spent the winter repainting hulls and replacing ropes number {n}.</p></div>
</section>
<div class="image"><picture><img src="https://img.example/ferry{n}.jpg" alt="A ferry at the wharf"></picture>
<figcaption class="image__credit">Dana Whitlock / Reuters</figcaption></div>
</article>
<footer><p>{FOOTER}</p></footer>
</body></html>
""".encode()


def article_text(n: int = 0) -> bytes:
    return f"""{BANNER}
Lighthouse keepers gather for a final reunion {n}
Lighthouse keepers gather for a final reunion {n}
By Tomas Okafor
Published 2019-03-14
Retired keepers met on the headland to share stories of storms, according to AAP.
They counted {n} nights without a single ship in distress.
Keepers wave from the lighthouse steps
Ilse Moreau / AAP
Keepers wave from the lighthouse steps
Close
{FOOTER}
""".encode()


def warc_record(uri: str, payload: bytes, content_type: str = "text/html; charset=utf-8",
                date: str = "2020-02-03T04:05:06Z") -> bytes:
    record_id = uuid.uuid5(uuid.NAMESPACE_URL, uri)
    head = (f"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:{record_id}>\r\n"
            f"WARC-Date: {date}\r\nWARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    return head + payload + b"\r\n\r\n"


def warc_bytes(count: int = 3, compressed: bool = True) -> bytes:
    out = []
    for n in range(count):
        record = warc_record(f"https://www.huffpost.com/archive/au/entry/ferries_au_{n:024x}",
                             article_html(n))
        out.append(gzip.compress(record, mtime=0) if compressed else record)
    return b"".join(out)
