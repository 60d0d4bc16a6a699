"""Fuzz the HTML extractor, the text extractor and the WARC reader, and (issue 12) the
bag checker, the ledger reader, user schemas, profiles and baselines, and the text /
junit / github reporters with hostile names, for a set time.

    python benchmarks/fuzz.py --seconds 600                 # every target, 10 min each
    python benchmarks/fuzz.py --target warc --seconds 60
    python benchmarks/fuzz.py --target bag --target ledger --seconds 120

Uses atheris (libFuzzer, coverage-guided over archivekit and warcio) when it imports,
else a seeded random-mutation loop. Each target runs in its own process; the parent
prints inputs tried and failures found per target. Crashing inputs are saved under
``--out`` (default benchmarks/_work/fuzz/<target>/), replay one with
``python benchmarks/fuzz.py --replay FILE --target NAME``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "fuzz_targets"))
# The archivekit of this checkout (not whichever one is installed) is what gets fuzzed.
sys.path.insert(1, str(HERE.parent))

TARGET_NAMES = ("html", "text", "warc", "bag", "ledger", "schema", "profile", "baseline",
                "reporters")
MAX_LEN = {"html": 32768, "text": 16384, "warc": 65536, "bag": 16384, "ledger": 131072,
           "schema": 65536, "profile": 8192, "baseline": 8192, "reporters": 4096}
ROOT = HERE.parent


def _targets(target: str):
    """The module holding ``target``: targets (pages, WARCs) or hostile (issue 12)."""
    import hostile
    import targets

    return targets if target in targets.TARGETS else hostile


def hostile_seeds(target: str) -> list[bytes]:
    import seeds

    if target == "bag":
        import hashlib

        page = seeds.article_html(0)
        digest = hashlib.sha256(page).hexdigest()
        manifest = f"{digest}  data/a.html\n{digest}  data/sub/b%0Ac.html\n".encode()
        tags = (f"{hashlib.sha256(b'x').hexdigest()}  bagit.txt\n"
                f"{'0' * 64}  ../outside.txt\n{'0' * 64}  /etc/hostname\n").encode()
        return [b"\n--\n".join([b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                                 b"Payload-Oxum: 10.2\nBag-Count: 1 of 1\n", manifest, tags, page])]
    if target == "ledger":
        import tempfile

        with tempfile.TemporaryDirectory(prefix="archivekit-h12-seed-") as tmp:
            coll = Path(tmp) / "coll"
            coll.mkdir()
            for n in range(3):
                (coll / f"a{n}.html").write_bytes(seeds.article_html(n))
            subprocess.run([sys.executable, "-m", "archivekit", "fingerprint", str(coll), "--ledger",
                            f"{tmp}/l.db", "-j", "1", "-q", "--progress", "never"], cwd=ROOT,
                           capture_output=True, check=False)
            return [Path(f"{tmp}/l.db").read_bytes()]
    if target == "schema":
        from archivekit.resources import schema_path

        return [schema_path().read_bytes(),
            b'{"$defs": {"a": {"type": "string"}}, "properties": {"headline": {"$ref": "#/$defs/a"}}}',
            b'{"$ref": "https://example.invalid/s.json"}', b'{"$ref": "#"}']
    if target == "profile":
        return [(ROOT / "fixtures" / "profiles" / "example-courier.json").read_bytes(),
                (ROOT / "archivekit" / "profiles" / "huffpost-au.json").read_bytes()]
    if target == "baseline":
        return [b'{"archivekit_baseline": 1, "findings": [{"path": "x.html", "rule": '
                b'"banner.missing", "pointer": "/banner", "count": 2}]}']
    return [b"x\n::error file=a::forged\x00message \x1b[31m\r\x00coll\x01\x00/p",
            b"a\xff\xfeb.html\x00\xed\xa0\x80 lone\x00c%0A\x00\x7f"]


def seeds_for(target: str) -> list[bytes]:
    import seeds

    if target not in ("html", "text", "warc"):
        return hostile_seeds(target)
    html_pages = [seeds.article_html(n) for n in range(3)]
    text_pages = [seeds.article_text(n) for n in range(3)]
    if target == "html":
        return html_pages + [page.replace(b"utf-8", b"iso-8859-1") for page in html_pages[:1]]
    if target == "text":
        return text_pages + [text_pages[0].decode().encode("cp1252", "replace")]
    return [seeds.warc_bytes(2, compressed=True), seeds.warc_bytes(2, compressed=False),
            seeds.warc_record("https://www.huffpost.com/archive/au/entry/x_au_1", text_pages[0],
                              "text/plain")]


# --- worker: one target in this process -------------------------------------------

def run_atheris(target: str, seconds: int, out: Path, run_seed: int = 0) -> int:
    import atheris

    with atheris.instrument_imports(include=["archivekit", "warcio"]):
        import hostile
        import targets
    function = _targets(target).TARGETS[target]
    targets.checker()
    seeds = seeds_for(target)
    del hostile

    def one_input(data: bytes) -> None:
        function(data)

    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds):
        (corpus / f"seed-{index}").write_bytes(seed)
    argv = [sys.argv[0], f"-max_total_time={seconds}", f"-max_len={MAX_LEN[target]}",
            "-timeout=20", "-rss_limit_mb=2048", f"-artifact_prefix={out}/", "-print_final_stats=1",
            f"-seed={run_seed + 1}",
            str(corpus)]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


def mutate(rng: random.Random, data: bytes, pool: list[bytes], max_len: int = MAX_LEN["warc"]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(7)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[pos % len(buf)] ^= 1 << rng.randrange(8)
        elif op == 1:
            del buf[pos:pos + rng.randint(1, 64)]
        elif op == 2:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 3:
            buf[pos:pos] = rng.choice([b"<", b">", b"</div>", b"<p>", b"&amp;", b"\r\n", b"\x00",
                                       b"\xff\xfe", b"\xc3", b"Close\n", b"WARC/1.1\r\n",
                                       b"Content-Length: 99999999\r\n", b"\x1f\x8b\x08"])
        elif op == 4:
            del buf[pos:]
        elif op == 5 and pool:
            other = rng.choice(pool)
            cut = rng.randrange(len(other) + 1)
            buf[pos:] = other[cut:]
        else:
            start = rng.randrange(len(buf) + 1)
            buf[pos:pos] = buf[start:start + rng.randint(1, 256)]
    return bytes(buf[:max_len])


def run_random(target: str, seconds: int, out: Path, seed: int = 0) -> int:
    function = _targets(target).TARGETS[target]
    rng = random.Random(seed)
    pool = seeds_for(target)
    tried = failures = 0
    deadline = time.monotonic() + seconds
    out.mkdir(parents=True, exist_ok=True)
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(pool), pool, MAX_LEN[target]) if rng.random() < 0.95 else rng.randbytes(
            rng.randrange(512))
        tried += 1
        try:
            function(data)
        except Exception:
            failures += 1
            name = out / f"crash-{tried}"
            name.write_bytes(data)
            print(f"failure on input {tried} saved to {name}:\n{traceback.format_exc()}",
                  file=sys.stderr)
    print(f"Done {tried} runs in {seconds} second(s); failures {failures}", file=sys.stderr)
    return 1 if failures else 0


# --- parent: every target, one process each ----------------------------------------

def engine() -> str:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return "random"
    return "atheris"


def run_target(target: str, seconds: int, out: Path, use: str, max_restarts: int = 25) -> dict:
    """Fuzz one target for ``seconds``; after a failure (libFuzzer stops at the first) the
    worker restarts on the grown corpus until the time is up, so one bug does not end the run."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deadline = started + seconds
    inputs, code, restarts = 0, 0, 0
    log = out / "fuzz.log"
    log.write_bytes(b"")
    while restarts <= max_restarts:
        remaining = int(deadline - time.monotonic())
        if remaining < 2:
            break
        with open(log, "ab") as handle:
            code = subprocess.call([sys.executable, __file__, "--worker", "--target", target,
                                    "--seconds", str(remaining), "--out", str(out), "--engine", use,
                                    "--seed", str(restarts)],
                                   stdout=handle, stderr=subprocess.STDOUT)
        text = log.read_text(errors="replace")
        runs = re.findall(r"Done (\d+) runs", text) or re.findall(
            r"stat::number_of_executed_units: (\d+)", text)
        inputs += int(runs[-1]) if runs else 0
        log.write_text(text.replace("Done ", "done ").replace("stat::number_of_executed_units",
                                                               "stat::counted_units"))
        if code == 0:
            break
        restarts += 1
    crashes = sorted(p.name for p in out.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    return {"target": target, "engine": use, "seconds": round(time.monotonic() - started),
            "inputs": inputs, "exit": code, "failures": crashes, "log": str(log)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=TARGET_NAMES, action="append",
                        help="target to fuzz (repeatable; default all)")
    parser.add_argument("--seconds", type=int, default=60, help="time per target")
    parser.add_argument("--out", type=Path, default=HERE / "_work" / "fuzz")
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    parser.add_argument("--parallel", action="store_true", help="run the targets at the same time")
    parser.add_argument("--replay", type=Path, help="run one saved input through --target")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.target or list(TARGET_NAMES)
    use = engine() if args.engine == "auto" else args.engine

    if args.replay:
        _targets(names[0]).TARGETS[names[0]](args.replay.read_bytes())
        print(f"{args.replay}: no failure")
        return 0
    if args.worker:
        if use == "atheris":
            return run_atheris(names[0], args.seconds, args.out, args.seed)
        return run_random(names[0], args.seconds, args.out, args.seed)

    print(f"fuzzing {', '.join(names)} for {args.seconds}s each with {use}", flush=True)
    if args.parallel:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(names)) as pool:
            reports = list(pool.map(lambda n: run_target(n, args.seconds, args.out / n, use), names))
    else:
        reports = [run_target(n, args.seconds, args.out / n, use) for n in names]
    failed = False
    for report in reports:
        failed |= bool(report["failures"]) or report["exit"] != 0
        report["failures"] = report["failures"] or ([f"exit {report['exit']}"] if report["exit"] else [])
        print(f"{report['target']:5} {report['engine']:8} {report['seconds']:5}s "
              f"inputs tried {report['inputs'] if report['inputs'] is not None else '?':>9}  "
              f"failures {len(report['failures'])} {' '.join(report['failures'])}  log {report['log']}",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
