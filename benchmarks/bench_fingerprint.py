"""Fingerprint and verify throughput beside bare hashlib and bagit-python, in one run.

Builds its own synthetic collections under a temp dir (many small files; ~50 KB pages),
then times, on the same files:

* raw digests as archivekit computes them (read + raw_digests) vs bare hashlib.sha256
* bagit-python make_bag (sha256 + sha512, one process) vs archivekit write_bag
* the whole ``fingerprint`` pass (check + all digests + simhash + ledger writes)
* ``verify`` against the ledger (sha256) vs bagit-python's ``Bag.validate()`` of a bag of
  the same files made with the same algorithm (sha256 only)

The repeatable variants (raw digests, verify, Bag.validate) run interleaved round by
round (benchmarks/interleave.py), CPU time, medians; make_bag (which moves the files
into the bag) and the ledger's first fingerprint pass run once each.

Usage: python benchmarks/bench_fingerprint.py [--small 4000] [--pages 1500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.interleave import interleaved, median, require  # noqa: E402

BANNER = ("This article exists as part of the online archive for HuffPost Australia, "
          "which closed in 2021.")
FOOTER = ("This article exists as part of the online archive for HuffPost Australia. "
          "Certain site features have been disabled.")
WORDS = ("harbour council ferry weekend storm rainfall coastal residents minister budget school "
         "teachers river bridge farmers drought market prices festival museum volunteers library "
         "tram signal orchard wetlands surveyors lighthouse quarry cyclists pantry timber").split()


def article(rng: random.Random, size: int) -> bytes:
    head = " ".join(rng.choice(WORDS).title() for _ in range(8))
    parts = [BANNER, head, head]
    length = sum(map(len, parts))
    first = True
    while length < size - 400:
        para = " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + \
            (", the agency told Reuters." if first else ".")
        first = False
        parts.append(para)
        length += len(para) + 2
    cap = "A ferry near the " + " ".join(rng.choice(WORDS) for _ in range(5)) + "."
    parts.append("\n".join([cap, "Ida Morrow via Reuters", cap, "Close", FOOTER]))
    return ("\n\n".join(parts) + "\n").encode()


def build(root: Path, count: int, size: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    root.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = root / f"{i // 1000:03}" / f"page{i:06}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(article(rng, size))
        paths.append(path)
    return paths


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def bench(name: str, paths: list[Path], work: Path, rounds: int) -> None:
    bagit = require("bagit")

    from archivekit.checker import Checker
    from archivekit.digests import raw_digests
    from archivekit.export.bagit import write_bag
    from archivekit.fingerprint import fingerprint_paths
    from archivekit.ledger import Ledger
    from archivekit.verify import verify_paths

    total = sum(p.stat().st_size for p in paths)
    mb = total / 1e6
    root = paths[0].parent.parent

    def bare():
        for p in paths:
            with open(p, "rb") as f:
                hashlib.sha256(f.read()).hexdigest()

    def ours():
        for p in paths:
            with open(p, "rb") as f:
                raw_digests(f.read(), ("sha256",))

    def ours_two():
        for p in paths:
            with open(p, "rb") as f:
                raw_digests(f.read(), ("sha256", "sha512"))

    ledger = work / f"{name}.db"
    checker = Checker(keep_record=True)
    t_fp, _ = timed(lambda: sum(1 for _ in fingerprint_paths([str(root)], Ledger(ledger), checker)))

    def verify():
        results = [r.fingerprint["category"] for r in verify_paths([str(root)], Ledger(ledger), checker)]
        assert set(results) == {"unchanged"}, set(results)

    bag_src = work / f"{name}-bagit-python"
    shutil.copytree(root, bag_src)
    t_make, _ = timed(lambda: bagit.make_bag(str(bag_src), checksums=["sha256", "sha512"]))
    same = work / f"{name}-bagit-sha256"  # the ledger's algorithm, for Bag.validate()
    shutil.copytree(root, same)
    bagit.make_bag(str(same), checksums=["sha256"])
    files = [(str(p), p.relative_to(root).as_posix()) for p in paths]
    t_ourbag, _ = timed(lambda: write_bag(files, work / f"{name}-ours-bag"))

    seconds = interleaved({"bare": bare, "ours": ours, "ours_two": ours_two, "verify": verify,
                           "validate": lambda: bagit.Bag(str(same)).validate()}, rounds)
    t_bare, t_ours, t_two, t_verify, t_validate = (
        median(seconds[k]) for k in ("bare", "ours", "ours_two", "verify", "validate"))

    print(f"\n== {name}: {len(paths)} files, {mb:.1f} MB ({total // len(paths):,} bytes each)")
    rows = [
        ("bare hashlib.sha256 (read+hash)", t_bare),
        ("archivekit raw digests, sha256", t_ours),
        ("archivekit raw digests, sha256+sha512", t_two),
        ("bagit-python make_bag sha256+sha512", t_make),
        ("archivekit write_bag sha256+sha512", t_ourbag),
        ("archivekit fingerprint (full pass)", t_fp),
        ("archivekit verify (ledger, sha256)", t_verify),
        ("bagit-python Bag.validate() (sha256)", t_validate),
    ]
    for label, t in rows:
        print(f"  {label:<40} {t:8.3f} s  {mb / t:9.1f} MB/s  {len(paths) / t:9.0f} files/s")
    print(f"  ratio raw sha256 / bare hashlib: {t_bare / t_ours:.2f}  (target >= 0.70)")
    print(f"  ratio write_bag speed / make_bag speed: {t_make / t_ourbag:.2f}")
    print(f"  ratio fingerprint speed / make_bag speed: {t_make / t_fp:.2f}")
    print(f"  ratio verify speed / bagit validate speed: {t_validate / t_verify:.2f}  (target > 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=4000, help="number of ~2 KB files")
    parser.add_argument("--pages", type=int, default=1500, help="number of ~50 KB pages")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (medians)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archivekit-bench-fp-"))
    try:
        small = build(work / "small", args.small, 2_000, 1)
        pages = build(work / "pages", args.pages, 50_000, 2)
        print(f"archivekit fingerprint benchmark, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus, work dir {work}; {args.rounds} interleaved rounds, CPU time, "
              "medians")
        bench("small files", small, work, args.rounds)
        bench("50 KB pages", pages, work, args.rounds)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
