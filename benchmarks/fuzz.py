"""Fuzz the HTML extractor, the text extractor and the WARC reader for a set time.

    python benchmarks/fuzz.py --seconds 600                 # every target, 10 min each
    python benchmarks/fuzz.py --target warc --seconds 60

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

TARGET_NAMES = ("html", "text", "warc")
MAX_LEN = {"html": 32768, "text": 16384, "warc": 65536}


def seeds_for(target: str) -> list[bytes]:
    import seeds

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
        import targets
    function = targets.TARGETS[target]
    targets.checker()

    def one_input(data: bytes) -> None:
        function(data)

    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seeds_for(target)):
        (corpus / f"seed-{index}").write_bytes(seed)
    argv = [sys.argv[0], f"-max_total_time={seconds}", f"-max_len={MAX_LEN[target]}",
            "-timeout=20", "-rss_limit_mb=2048", f"-artifact_prefix={out}/", "-print_final_stats=1",
            f"-seed={run_seed + 1}",
            str(corpus)]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
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
    return bytes(buf[:MAX_LEN["warc"]])


def run_random(target: str, seconds: int, out: Path, seed: int = 0) -> int:
    import targets

    function = targets.TARGETS[target]
    rng = random.Random(seed)
    pool = seeds_for(target)
    tried = failures = 0
    deadline = time.monotonic() + seconds
    out.mkdir(parents=True, exist_ok=True)
    while time.monotonic() < deadline:
        data = mutate(rng, rng.choice(pool), pool) if rng.random() < 0.95 else rng.randbytes(
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
        import targets

        targets.TARGETS[names[0]](args.replay.read_bytes())
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
