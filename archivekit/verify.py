"""Fixity check of a collection against the ledger: every category in one run.

Each article on disk gets exactly one primary category

    unchanged | changed | new | moved | unreadable     (and ``missing`` for ledger
                                                        entries not found on disk)

plus the relations ``duplicate`` (same content as another article present now) and
``near_duplicate`` (body simhash within ``near_distance`` bits). A new article that is a
duplicate or near-duplicate is reported as that, not also as new. Relations are reported
on the later article of a pair (a new one rather than a known one, else the later path),
so the original stays ``unchanged``.

The work is two passes. Pass 1 streams the documents: an article whose raw digests match
the ledger is unchanged without being parsed; any other is checked and fingerprinted and
its field digests compared. That per-article work runs on the
:func:`~archivekit.runner.run_documents` pool (``jobs``), each worker reading the ledger
through its own read-only connection; the parent puts the rows in a temporary SQLite
table (not in memory) in input order. Pass 2
finds missing, moved, duplicates and near-duplicates with SQL over that table and the
ledger, then yields one :class:`~archivekit.record.Result` per article.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from archivekit.checker import checker_recipe, fingerprint_document
from archivekit.digests import raw_digests, simhash_hex
from archivekit.ledger import (
    EVENT_FIXITY,
    BatchWriter,
    Ledger,
    collection_root,
    key_maker,
)
from archivekit.record import ERROR, WARNING, Document, Finding, Result
from archivekit.rules import Rule
from archivekit.runner import Recipe, resolve_jobs, run_documents
from archivekit.sources import SourceError

DEFAULT_NEAR_DISTANCE = 6  # bits of 64; see docs/fixity.md
CATEGORIES = ("unchanged", "changed", "missing", "new", "moved", "duplicate", "near_duplicate",
              "unreadable")

# The verify rules (the rule catalogue, archivekit.catalogue, gathers them).
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("fixity.changed", ERROR, "a field's content differs from the ledger",
         "The article's text (headline, body, a credit...) is not what fingerprint recorded; "
         "the finding names the fields. Restore the file, or fingerprint it again if the "
         "change is wanted."),
    Rule("fixity.markup_only", WARNING, "the bytes differ from the ledger but the content is the same",
         "The markup or encoding changed, the extracted content did not (a re-save, a "
         "template change). Fingerprint again to accept the new bytes."),
    Rule("fixity.missing", ERROR, "in the ledger but not found on disk",
         "An article fingerprinted earlier is gone (and not moved elsewhere). Restore it."),
    Rule("fixity.new", WARNING, "on disk but not in the ledger",
         "An article that was never fingerprinted. Run fingerprint to record it."),
    Rule("fixity.moved", WARNING, "the same content is in the ledger under another path",
         "The file was renamed or moved. Fingerprint again to record the new path."),
    Rule("fixity.duplicate", WARNING, "the same content as another article",
         "Two paths hold the same article. Keep one, unless both copies are wanted."),
    Rule("fixity.near_duplicate", WARNING, "a body within the simhash distance of another article",
         "Two articles' bodies differ in at most --near-distance of 64 simhash bits: a "
         "revised copy or a syndicated story. Check whether both are wanted."),
    Rule("fixity.unreadable", ERROR, "the file could not be read",
         "An I/O or permission error, or a page that cannot be parsed. Check the file."),
)}


def rule_catalogue() -> dict[str, dict[str, str]]:
    """The verify rules as the reporters take them (id -> severity and message)."""
    return {r.id: {"severity": r.severity, "message": r.message} for r in RULES.values()}


def finding(rule: str, message: str, pointer: str = "") -> Finding:
    return Finding(rule=rule, severity=RULES[rule].severity, message=message, pointer=pointer)


@dataclass
class VerifyOptions:
    root: str | None = None
    near_distance: int = DEFAULT_NEAR_DISTANCE
    follow_symlinks: bool = False
    record_events: bool = True
    args: list[str] | None = None
    jobs: int = 1  # worker processes for pass 1; 0 = one per core


_SEEN = """
CREATE TEMP TABLE seen (
    ord INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, display TEXT NOT NULL,
    category TEXT NOT NULL, is_new INTEGER NOT NULL, sha256 TEXT, content TEXT, simhash TEXT,
    fields TEXT, markup_only INTEGER, error TEXT, io INTEGER, uri TEXT, profile TEXT,
    other TEXT, relation TEXT, relation_other TEXT, distance INTEGER)
"""


def verify_paths(inputs: list[str], ledger: Ledger, checker, options: VerifyOptions | None = None,
                 on_error: Callable[[SourceError], None] | None = None,
                 progress=None) -> Iterator[Result]:
    """Compare the collection under ``inputs`` with the ledger; yield a result per article
    (and per missing ledger entry). ``checker`` must keep records.

    ``progress`` (e.g. from :func:`archivekit.progress.make_progress`) follows pass 1, the
    slow part: ``advance(result)`` for each article read, with its findings as far as they
    are known before moves and duplicates are sought, and ``close()`` when the pass ends.
    """
    options = options or VerifyOptions()
    root = collection_root(inputs, options.root)
    display_root = inputs[0] if options.root is None and len(inputs) == 1 and root != os.getcwd() \
        else (options.root or "")
    db = ledger.db
    db.execute("DROP TABLE IF EXISTS temp.seen")
    db.execute("DROP TABLE IF EXISTS temp.bands")
    db.execute(_SEEN)
    db.execute("CREATE TEMP TABLE bands (band INTEGER, value INTEGER, ord INTEGER)")
    try:
        _scan(inputs, ledger, checker, root, options, on_error, progress)
        _find_moves(db)
        _find_duplicates(db)
        _find_near_duplicates(db, options.near_distance)
        yield from _results(ledger, root, display_root, options)
    finally:
        db.execute("DROP TABLE IF EXISTS temp.seen")
        db.execute("DROP TABLE IF EXISTS temp.bands")


# --- pass 1 ----------------------------------------------------------------------------
_INSERT_SEEN = ("INSERT OR IGNORE INTO seen (key, display, category, is_new, sha256, content, "
                "simhash, fields, markup_only, error, io, uri, profile) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")


def _scan(inputs, ledger: Ledger, checker, root: str, options: VerifyOptions, on_error,
          progress) -> None:
    db = ledger.db
    rows: list[tuple] = []
    jobs = options.jobs
    # With one process the worker reads through the caller's connection; pool workers
    # open the ledger read-only (an SQLite connection does not cross a process boundary).
    book = ledger if resolve_jobs(jobs) == 1 else None
    recipe = VerifyRecipe(checker_recipe(checker, jobs), book, ledger.path, tuple(inputs), root)
    try:
        for row in run_documents(
                inputs, _verify_one, recipe=recipe, jobs=jobs,
                follow_symlinks=options.follow_symlinks, on_error=on_error,
                max_page_bytes=checker.max_page_bytes):
            rows.append(row)
            if progress is not None:
                progress.advance(_seen_result(*row[:3], *row[4:], None, None, None, None))
            if len(rows) >= 500:
                db.executemany(_INSERT_SEEN, rows)
                rows.clear()
        db.executemany(_INSERT_SEEN, rows)
    finally:
        if progress is not None:
            progress.close()


@dataclass
class _ScanState:
    checker: object
    ledger: Ledger
    key_of: Callable[[str], str]
    own_ledger: bool


@dataclass(frozen=True)
class VerifyRecipe:
    """A pass-1 worker's state: the checker, and the ledger (the caller's with one process;
    opened read-only in each pool worker, as an SQLite connection does not cross processes)."""

    checker: Recipe
    ledger: Ledger | None
    ledger_path: str
    inputs: tuple[str, ...]
    root: str

    def build(self) -> _ScanState:
        own = self.ledger is None
        ledger = Ledger(self.ledger_path, readonly=True) if own else self.ledger
        return _ScanState(self.checker.build(), ledger, key_maker(list(self.inputs), self.root), own)

    def close(self, state: _ScanState) -> None:
        if state.own_ledger:
            state.ledger.close()


def _verify_one(document: Document, state: _ScanState) -> tuple:
    """Pass 1 for one article (in a pool worker with ``jobs``): its row for ``temp.seen``.
    Digests first; the article is checked and fingerprinted only when they differ from
    the ledger's (or it is new)."""
    key = state.key_of(document.path)
    stored = state.ledger.get(key)
    is_new = int(stored is None)
    if document.read_error:
        return (key, document.path, "unreadable", is_new, None, None, None, None, None,
                document.read_error, int(document.io_error), None, None)
    algorithms = set(stored.digests) if stored else set()
    algorithms.add("sha256")
    digests = raw_digests(document.content, sorted(algorithms))
    if stored and all(digests[a] == d for a, d in stored.digests.items()):
        return (key, document.path, "unchanged", 0, digests["sha256"], stored.content_sha256,
                simhash_hex(stored.simhash), None, None, None, 0, stored.uri, stored.profile)
    result, fp = fingerprint_document(document, state.checker, digests=digests)
    fields = markup_only = None
    if stored:
        markup_only = int(fp.content_sha256 is not None
                          and fp.content_sha256 == stored.content_sha256)
        fields = json.dumps(_changed_fields(stored.fields, fp.fields))
    return (key, document.path, "new" if is_new else "changed", is_new, digests["sha256"],
            fp.content_sha256, simhash_hex(fp.simhash), fields, markup_only, None, 0, result.uri,
            result.profile)




def _changed_fields(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """Field keys whose digests differ, in record order (a field on one side only counts)."""
    order = list(old) + [k for k in new if k not in old]
    return [k for k in order if old.get(k) != new.get(k)]


# --- pass 2 ----------------------------------------------------------------------------
_NOT_SEEN = "path NOT IN (SELECT key FROM temp.seen)"


def _find_moves(db) -> None:
    """A new article whose bytes (else content) are in the ledger under a path no longer
    on disk has moved there; each ledger entry explains at most one move."""
    taken: set[str] = set()
    moves = []
    for ord_, sha, content in db.execute(
            "SELECT ord, sha256, content FROM temp.seen WHERE category = 'new' ORDER BY ord"
    ).fetchall():
        for (old,) in db.execute(
                f"SELECT path FROM objects WHERE sha256 = ? AND {_NOT_SEEN} "
                f"UNION ALL SELECT path FROM objects WHERE content_sha256 = ? AND {_NOT_SEEN}",
                (sha, content)):
            if old not in taken:
                taken.add(old)
                moves.append((old, ord_))
                break
    db.executemany("UPDATE temp.seen SET category = 'moved', is_new = 0, other = ? WHERE ord = ?",
                   moves)


def _find_duplicates(db) -> None:
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


def _find_near_duplicates(db, distance: int) -> None:
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


def _results(ledger: Ledger, root: str, display_root: str,
             options: VerifyOptions) -> Iterator[Result]:
    db = ledger.db

    def show(key: str) -> str:
        return os.path.join(display_root, key) if display_root else key

    writer = None
    if options.record_events:
        writer = BatchWriter(ledger, ledger.begin_run("verify", root, options.args))
    last = 0
    # Pages by key, no cursor left open: the event batches commit in between.
    while batch := db.execute(
            "SELECT key, display, category, sha256, content, simhash, fields, markup_only, "
            "error, io, uri, profile, other, relation, relation_other, distance, ord "
            "FROM temp.seen WHERE ord > ? ORDER BY ord LIMIT 500", (last,)).fetchall():
        for row in batch:
            result = _seen_result(*row[:-1], show=show)
            _record(writer, row[0], result)
            yield result
        last = batch[-1][-1]
    moved_from = {o for (o,) in db.execute(
        "SELECT other FROM temp.seen WHERE category = 'moved'")}
    last_key = ""
    while batch := db.execute(
            f"SELECT path, sha256, content_sha256, uri, profile FROM objects "
            f"WHERE path > ? AND {_NOT_SEEN} ORDER BY path LIMIT 500", (last_key,)).fetchall():
        last_key = batch[-1][0]
        for key, sha, content, uri, profile in batch:
            if key in moved_from:
                continue
            display = show(key)
            result = Result(path=display, uri=uri, profile=profile,
                            findings=[finding("fixity.missing", "in the ledger but not on disk")],
                            fingerprint={"category": "missing", "categories": ["missing"],
                                         "sha256": sha, "content_sha256": content})
            _record(writer, key, result)
            yield result
    if writer is not None:
        writer.flush()
        ledger.finish_run(writer.run_id)


def _record(writer: BatchWriter | None, key: str, result: Result) -> None:
    if writer is None:
        return
    categories = result.fingerprint["categories"]
    outcome = "success" if categories == ["unchanged"] else \
        "failure" if not result.valid else "warning"
    detail = {k: v for k, v in result.fingerprint.items()
              if k in ("categories", "fields", "other", "moved_from")}
    writer.event(key, EVENT_FIXITY, outcome, detail)
    writer.article_done()


def _seen_result(key, display, category, sha, content, simhash, fields, markup_only, error, io,
                 uri, profile, other, relation, relation_other, distance, show=str) -> Result:
    findings: list[Finding] = []
    fp: dict = {"category": category}
    changed = json.loads(fields) if fields else []
    if category == "changed":
        if markup_only:
            findings.append(finding("fixity.markup_only", "markup changed, content unchanged "
                                    "(raw digest differs, content digest equal)"))
        elif changed:
            findings.extend(finding("fixity.changed", f"{_field_name(f)} changed", "/" + f)
                            for f in changed)
        else:
            findings.append(finding("fixity.changed", "bytes changed (no record to compare "
                                    "fields)"))
        fp["fields"] = changed
        fp["markup_only"] = bool(markup_only)
    elif category == "moved":
        other = show(other)
        findings.append(finding("fixity.moved", f"moved from {other}"))
        fp["moved_from"] = other
    elif category == "unreadable":
        findings.append(finding("fixity.unreadable", error or "cannot read"))
    categories = [category]
    if relation == "duplicate":
        findings.append(finding("fixity.duplicate", f"same content as {relation_other}"))
    elif relation == "near_duplicate":
        findings.append(finding("fixity.near_duplicate",
                                f"near-duplicate of {relation_other} (simhash distance {distance})"))
    if relation:
        fp["other"] = relation_other
        if category == "new":
            categories = [relation]
        else:
            categories.append(relation)
    if categories == ["new"]:
        findings.append(finding("fixity.new", "not in the ledger"))
    fp["category"] = categories[0]
    fp["categories"] = categories
    if sha:
        fp["sha256"] = sha
    if content:
        fp["content_sha256"] = content
    if simhash:
        fp["simhash"] = simhash
    return Result(path=display, uri=uri, profile=profile, findings=findings, fingerprint=fp,
                  io_error=bool(io))


def _field_name(key: str) -> str:
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "images":
        return f"image {int(parts[1]) + 1} {parts[2]}"
    return key.replace("_", " ")
