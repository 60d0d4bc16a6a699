"""Duplicate and near-duplicate clusters for the collection report.

Articles with the same content digest (``content_sha256``: headline, byline, date,
body, images; the markup may differ) are *duplicates*; articles whose body simhashes
differ in at most ``distance`` of 64 bits are *near-duplicates*. Candidate pairs come
from blocks: split into ``distance + 1`` bit blocks, two simhashes within ``distance``
bits agree on at least one whole block (pigeonhole), so only articles sharing a block
value are compared, not every pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

NEAR_DISTANCE = 6
_EMPTY = 0  # the simhash of no text


@dataclass(frozen=True, slots=True)
class Cluster:
    kind: str               # "duplicate" (same content) or "near-duplicate" (simhash)
    members: tuple[int, ...]  # article numbers, ascending
    distance: int = 0       # the largest simhash distance to the first member


def _blocks(bits: int, parts: int) -> list[tuple[int, int]]:
    size, extra = divmod(bits, parts)
    out, start = [], 0
    for i in range(parts):
        width = size + (i < extra)
        out.append((start, (1 << width) - 1))
        start += width
    return out


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_clusters(content: dict[int, str], simhashes: dict[int, int], *,
                  distance: int = NEAR_DISTANCE) -> list[Cluster]:
    """Clusters from ``article number -> content digest`` and ``-> simhash``; each
    duplicate group once, near-duplicate groups of what is left (one representative per
    duplicate group), largest first."""
    groups: dict[str, list[int]] = defaultdict(list)
    for number, digest in content.items():
        groups[digest].append(number)
    clusters = [Cluster("duplicate", tuple(sorted(m))) for m in groups.values() if len(m) > 1]
    if distance <= 0:
        return _ordered(clusters)
    representative = {min(m): m for m in groups.values()}
    firsts = {n for n in simhashes if n not in content or min(groups[content[n]]) == n}
    hashes = {n: simhashes[n] for n in firsts if simhashes[n] != _EMPTY}
    union = _Union()
    for shift, mask in _blocks(64, distance + 1):
        buckets: dict[int, list[int]] = defaultdict(list)
        for number, value in hashes.items():
            buckets[(value >> shift) & mask].append(number)
        for members in buckets.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    if (hashes[a] ^ hashes[b]).bit_count() <= distance:
                        union.join(a, b)
    near: dict[int, list[int]] = defaultdict(list)
    for number in hashes:
        near[union.find(number)].append(number)
    for members in near.values():
        if len(members) < 2:
            continue
        first = min(members)
        spread = max((hashes[first] ^ hashes[m]).bit_count() for m in members)
        everyone = sorted({x for m in members for x in representative.get(m, [m])})
        clusters.append(Cluster("near-duplicate", tuple(everyone), spread))
    return _ordered(clusters)


def _ordered(clusters: list[Cluster]) -> list[Cluster]:
    return sorted(clusters, key=lambda c: (-len(c.members), c.kind, c.members))
