"""Benchmark ``archivekit warc-check`` beside ``warcio check`` and ``fastwarc check``, in one run.

    python benchmarks/bench_warccheck.py [--mb 40] [--rounds 5] [--keep DIR]

Builds a ~40 MB .warc.gz (one gzip member per record, level 6): a warcinfo, then per
capture a request, a response (HTTP header and an HTML body of 8-120 KB of word-like
text) and a metadata record, with sha1 block and payload digests, as a crawler writes
them. (No chunk-encoded bodies: warcio check takes the payload digest over the chunk
framing, so a correct file with them fails there.) Then times, on that same file and round by round
with the three tools interleaved (so a slow moment of the machine hits all three),
each tool as a command a user runs (a fresh process, import time included):

* ``archivekit warc-check FILE`` (every WARC 1.1 rule, block and payload digests),
* ``warcio check FILE`` (block and payload digests),
* ``fastwarc check --verify-payloads --quiet FILE`` (block and payload digests).

Reports the median MB/s (of the .warc.gz's size) of each and the ratios. Target
(issue 11): warc-check MB/s >= warcio check. Then, in this process (no start-up cost:
archivekit's CLI imports every verb's modules first), ``check_warc`` beside warcio's
``Checker``, interleaved the same way.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("the of and to in is was for on that with as by at from his her an were which this "
         "be are has had have not but or its it their they said new one after first two more "
         "city council report year people government police court minister state local news "
         "archive page story photo editor week time last over than when who will would about").split()


def sha1_label(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def record(rec_type: str, uri: str | None, block: bytes, content_type: str,
           payload: bytes | None = None, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    fields = [("WARC-Type", rec_type), ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid4()}>"),
              ("WARC-Date", "2024-01-02T03:04:05Z")]
    if uri:
        fields.append(("WARC-Target-URI", uri))
    fields += list(extra)
    fields.append(("WARC-Block-Digest", sha1_label(block)))
    if payload is not None:
        fields.append(("WARC-Payload-Digest", sha1_label(payload)))
    fields += [("Content-Type", content_type), ("Content-Length", str(len(block)))]
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def page(rng: random.Random) -> bytes:
    words = rng.choices(WORDS, k=rng.randint(1500, 20000))
    paragraphs = [" ".join(words[i:i + 80]) for i in range(0, len(words), 80)]
    return ("<!doctype html><html><head><title>A story</title></head><body>"
            + "".join(f"<p>{p}.</p>\n" for p in paragraphs) + "</body></html>").encode()


def build(path: Path, target_mb: float, seed: int = 11) -> int:
    """Write the benchmark WARC; returns its record count."""
    rng = random.Random(seed)
    count = 0
    with open(path, "wb") as out:
        def put(data: bytes) -> None:
            nonlocal count
            compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
            out.write(compressor.compress(data) + compressor.flush())
            count += 1

        put(record("warcinfo", None, b"software: bench_warccheck\r\nformat: WARC File Format 1.1\r\n",
                   "application/warc-fields"))
        n = 0
        while out.tell() < target_mb * 1e6:
            n += 1
            uri = f"https://news.example.org/{n // 100}/story-{n}.html"
            request = f"GET /{n // 100}/story-{n}.html HTTP/1.1\r\nHost: news.example.org\r\n\r\n"
            put(record("request", uri, request.encode(), "application/http; msgtype=request"))
            body = page(rng)
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            block = head + body
            put(record("response", uri, block, "application/http; msgtype=response", body,
                       extra=(("WARC-IP-Address", "192.0.2.7"),)))
            meta = f"outlinks: https://news.example.org/{n + 1}\r\n".encode()
            put(record("metadata", uri, meta, "application/warc-fields"))
    return count


def commands(path: Path) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    return {
        "warc-check": [sys.executable, "-m", "archivekit", "warc-check", str(path)],
        "warcio check": [shutil.which("warcio") or str(bin_dir / "warcio"), "check", str(path)],
        "fastwarc check": [shutil.which("fastwarc") or str(bin_dir / "fastwarc"), "check",
                           "--verify-payloads", "--quiet", str(path)],
    }


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({proc.returncode}): "
                         f"{(proc.stdout + proc.stderr).decode(errors='replace')[-800:]}")
    return seconds


def in_process(path: Path, rounds: int) -> dict[str, float]:
    """Median seconds of archivekit's check_warc and warcio's Checker, in this process."""
    import contextlib
    import io
    from types import SimpleNamespace

    from warcio.checker import Checker

    sys.path.insert(0, str(ROOT))
    from archivekit.warccheck import check_warc

    def warcio_check() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            Checker(SimpleNamespace(inputs=[str(path)], verbose=False)).process_all()

    runs = {"archivekit check_warc": lambda: check_warc(str(path)),
            "warcio Checker": warcio_check}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=40.0, help="size of the .warc.gz to build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the WARC in this directory")
    args = parser.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-warccheck-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / "bench.warc.gz"
    try:
        if not path.exists():
            records = build(path, args.mb)
            print(f"built {path} ({records} records)")
        size_mb = path.stat().st_size / 1e6
        with gzip.open(path) as handle:
            raw_mb = sum(len(chunk) for chunk in iter(lambda: handle.read(1 << 20), b"")) / 1e6
        print(f"{size_mb:.1f} MB .warc.gz ({raw_mb:.1f} MB uncompressed), {args.rounds} rounds")
        tools = commands(path)
        times: dict[str, list[float]] = {name: [] for name in tools}
        for round_no in range(args.rounds):
            # Interleaved, in an order that rotates so no tool always runs first.
            names = list(tools)
            names = names[round_no % len(names):] + names[:round_no % len(names)]
            for name in names:
                times[name].append(timed(tools[name]))
        rates = {name: size_mb / statistics.median(values) for name, values in times.items()}
        for name, value in rates.items():
            print(f"{name:<15} {value:7.1f} MB/s  (median of {args.rounds}: "
                  f"{statistics.median(times[name]):.2f} s)")
        ours = rates["warc-check"]
        print(f"warc-check / warcio check   = {ours / rates['warcio check']:.2f}")
        print(f"warc-check / fastwarc check = {ours / rates['fastwarc check']:.2f}")
        library = in_process(path, args.rounds)
        for name, seconds in library.items():
            print(f"in process: {name:<22} {size_mb / seconds:7.1f} MB/s")
        return 0 if ours >= rates["warcio check"] else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
