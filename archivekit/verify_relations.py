"""Pass 2 of ``verify``: moves, duplicates and near-duplicates, with SQL over ``temp.seen``
and the ledger (near-duplicates by simhash bands)."""

from __future__ import annotations

# --- pass 2 ----------------------------------------------------------------------------
NOT_SEEN = "path NOT IN (SELECT key FROM temp.seen)"


def find_moves(db) -> None:
    """A new article whose bytes (else content) are in the ledger under a path no longer
    on disk has moved there; each ledger entry explains at most one move."""
    taken: set[str] = set()
    moves = []
    for ord_, sha, content in db.execute(
            "SELECT ord, sha256, content FROM temp.seen WHERE category = 'new' ORDER BY ord"
    ).fetchall():
        for (old,) in db.execute(
                f"SELECT path FROM objects WHERE sha256 = ? AND {NOT_SEEN} "
                f"UNION ALL SELECT path FROM objects WHERE content_sha256 = ? AND {NOT_SEEN}",
                (sha, content)):
            if old not in taken:
                taken.add(old)
                moves.append((old, ord_))
                break
    db.executemany("UPDATE temp.seen SET category = 'moved', is_new = 0, other = ? WHERE ord = ?",
                   moves)


def find_duplicates(db) -> None:
    group = "coalesce(content, 'raw:' || sha256)"
    rows = db.execute(
        f"SELECT {group} AS g, ord, display FROM temp.seen "
        f"WHERE category != 'unreadable' AND g IN (SELECT {group} AS g FROM temp.seen "
        "WHERE category != 'unreadable' GROUP BY g HAVING count(*) > 1) "
        "ORDER BY g, is_new, ord")
    updates = []
    current = original = None
    for g, ord_, display in rows:
        if g != current:
            current, original = g, display
        else:
            updates.append((original, ord_))
    db.executemany("UPDATE temp.seen SET relation = 'duplicate', relation_other = ? WHERE ord = ?",
                   updates)


def _band_pairs(distance: int) -> list[tuple[int, int, int, int]]:
    """Split 64 bits into ``distance + 2`` bands: two hashes within ``distance`` bits agree
    exactly on at least two bands (pigeonhole), so only pairs that share some pair of bands
    are compared. Keys on band pairs are long (about 128 / (distance + 2) bits), which
    keeps the candidate pairs few even in large collections."""
    count = min(distance + 2, 64)
    edges = [round(i * 64 / count) for i in range(count + 1)]
    bands = [(edges[i], edges[i + 1] - edges[i]) for i in range(count)]
    return [(*bands[i], *bands[j]) for i in range(count) for j in range(i + 1, count)]


def find_near_duplicates(db, distance: int) -> None:
    """Near-duplicates of the articles whose content the ledger does not know yet (new or
    changed), among every article present. Few such articles: compare each with all;
    many (a first verify): join on band pairs."""
    if distance <= 0:
        return
    query = db.execute(
        "SELECT ord, simhash, content, is_new FROM temp.seen WHERE category IN ('new', 'changed') "
        "AND simhash IS NOT NULL AND simhash != '0000000000000000' AND relation IS NULL "
        "AND (content IS NULL OR content NOT IN (SELECT content_sha256 FROM objects "
        "WHERE content_sha256 IS NOT NULL))").fetchall()
    if not query:
        return
    everyone = db.execute(
        "SELECT ord, simhash, content, is_new, display FROM temp.seen WHERE simhash IS NOT NULL "
        "AND simhash != '0000000000000000' AND relation IS NULL").fetchall()
    info = {o: (int(h, 16), c, n, d) for o, h, c, n, d in everyone}
    if len(query) * len(everyone) <= 5_000_000:
        pairs = ((q, o) for q, *_ in query for o in info if o != q)
    else:
        pairs = _band_candidates(db, distance, info, {q for q, *_ in query})
    best: dict[int, tuple[int, str]] = {}
    for a, b in pairs:
        ha, ca, na, _ = info[a]
        hb, cb, nb, _ = info[b]
        if ca is not None and ca == cb:
            continue
        d = (ha ^ hb).bit_count()
        if d > distance:
            continue
        later, other = (b, a) if (nb, b) > (na, a) else (a, b)
        if later not in best or d < best[later][0]:
            best[later] = (d, info[other][3])
    db.executemany("UPDATE temp.seen SET relation = 'near_duplicate', relation_other = ?, "
                   "distance = ? WHERE ord = ? AND relation IS NULL",
                   [(other, d, o) for o, (d, other) in best.items()])


def _band_candidates(db, distance: int, info: dict, queries: set[int]):
    combos = _band_pairs(distance)
    rows = []
    for ord_, (h, *_) in info.items():
        rows.extend((c, (((h >> s1) & ((1 << w1) - 1)) << w2) | ((h >> s2) & ((1 << w2) - 1)),
                     ord_) for c, (s1, w1, s2, w2) in enumerate(combos))
        if len(rows) >= 5000:
            db.executemany("INSERT INTO temp.bands VALUES (?, ?, ?)", rows)
            rows.clear()
    db.executemany("INSERT INTO temp.bands VALUES (?, ?, ?)", rows)
    db.execute("CREATE INDEX temp.bands_value ON bands(band, value)")
    for a, b in db.execute(
            "SELECT DISTINCT a.ord, b.ord FROM temp.bands a JOIN temp.bands b "
            "ON a.band = b.band AND a.value = b.value AND a.ord < b.ord"):
        if a in queries or b in queries:
            yield a, b
