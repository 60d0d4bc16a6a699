"""The hostile CLI cases of issue 12, built under one directory: shared by
``benchmarks/strace_hostile.py`` (nothing opened outside its place, no connect) and
``benchmarks/bounds_hostile.py`` (time and memory per verb).

Each :class:`Run` is one ``python -m archivekit ...`` command with the directories it may
open files in (``inside``: the collection, the bag, ``-o DIR``, the ledger's directory).
Everything the attacks aim at lies outside them: ``WORK/outside/`` (a victim file, a
secret, the target of dangling links), ``/etc/hostname``, ``/etc``, ``/dev/zero``. The
page, WARC and bomb builders are the tests' own (``tests/test_properties.py``,
``tests/test_hostile_input.py``, ``tests/test_hostile.py``).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

from test_hostile import gzip_bomb  # noqa: E402
from test_hostile_input import DEEP, response_bomb, response_record  # noqa: E402
from test_properties import PLAIN_WARC, VALID_HTML, VALID_TEXT, VALID_WARC  # noqa: E402

from archivekit.export.bagit import write_bag  # noqa: E402

URI = "https://www.huffpost.com/archive/au/entry/hostile_au_1"


@dataclass
class Run:
    case: str                      # the attack, as issue 12 numbers it
    argv: list[str]                # after ``python -m archivekit``
    inside: list[Path]             # where it may open (read or write) files
    cwd: Path | None = None        # default: the case's directory
    timeout: float = 120.0
    python: list[str] | None = None  # instead of ``-m archivekit ARGV`` (the self-test)

    @property
    def verb(self) -> str:
        return "verify --bag" if self.argv[:2] == ["verify", "--bag"] else self.argv[0]


@dataclass
class Cases:
    work: Path
    runs: list[Run] = field(default_factory=list)
    listener: socket.socket | None = None  # the port a remote $ref points at

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


def env() -> dict[str, str]:
    """The environment of every run: this checkout's archivekit first on the path."""
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT) + (os.pathsep + out["PYTHONPATH"] if out.get("PYTHONPATH") else "")
    out.pop("GITHUB_STEP_SUMMARY", None)
    return out


def archivekit(*args: str | os.PathLike, cwd: Path) -> subprocess.CompletedProcess:
    """An untraced setup run (a ledger to corrupt afterwards)."""
    return subprocess.run([sys.executable, "-m", "archivekit", *map(str, args)], cwd=cwd,
                          env=env(), capture_output=True, timeout=300)


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _collection(where: Path, name: str = "coll") -> Path:
    coll = _dir(where / name)
    (coll / "a.html").write_bytes(VALID_HTML)
    (coll / "b.txt").write_bytes(VALID_TEXT)
    return coll


def _page_with(where: Path, name: str, insert: bytes) -> Path:
    page = where / name
    page.write_bytes(VALID_HTML.replace(b"<body>", b"<body>" + insert, 1))
    return page


def big_gzip_bomb(path: Path, compressed_mb: int = 10) -> Path:
    """One valid response record, then zeros in the same gzip member, about
    ``compressed_mb`` MB on disk (~1,000 times that inflated). Built from one repeated
    full-flush deflate block, so it takes seconds, not the minute zlib would."""
    if path.exists():
        return path
    chunk = b"\0" * (16 << 20)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = raw.compress(response_record(URI, VALID_HTML)) + raw.flush(zlib.Z_FULL_FLUSH)
    block = raw.compress(chunk) + raw.flush(zlib.Z_FULL_FLUSH)
    again = raw.compress(chunk) + raw.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a full-flush block of zeros repeats byte for byte"
    count = max(1, (compressed_mb << 20) // len(block))
    crc = zlib.crc32(response_record(URI, VALID_HTML))
    size = len(response_record(URI, VALID_HTML))
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + head)
        for _ in range(count + 1):  # +1: ``again`` above
            out.write(block)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
        out.write(raw.flush(zlib.Z_FINISH))
        out.write(crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little"))
    os.replace(part, path)
    return path


def build(work: Path, *, bombs: bool = False) -> Cases:
    """Every hostile case under ``work``. ``bombs`` adds the resource bombs of the
    time/memory bound (a 10 MB gzip bomb WARC among them)."""
    cases = Cases(work=work)
    outside = _dir(work / "outside")
    (outside / "victim").write_bytes(b"keep\n")
    (outside / "secret.txt").write_bytes(b"guess me\n")
    for part in (_bag_escapes, _planted_links, _user_schemas, _warc_bombs, _loops_and_fifos,
                 _hostile_names, _parser_limits, _ledgers, _same_base_name, _smaller):
        part(work, outside, cases)
    if bombs:
        _bombs(work, cases.runs)
    return cases


def case(work: Path, name: str) -> Path:
    return _dir(work / name)


def _bag_escapes(work: Path, outside: Path, cases: Cases) -> None:
    """1. verify --bag on a bag pointing outside itself."""
    runs = cases.runs
    c = case(work, "01-bag-escapes")
    src = c / "src.html"
    src.write_bytes(VALID_HTML)
    bag = c / "bag"
    if not bag.exists():
        write_bag([(str(src), "a.html")], bag, algorithms=["sha256"])
        with open(bag / "tagmanifest-sha256.txt", "a", encoding="utf-8") as handle:
            for entry in ("/etc/hostname", "../../outside/secret.txt",
                          "data/../../../outside/secret.txt", "../src.html"):
                handle.write(f"{'0' * 64}  {entry}\n")
        (bag / "data" / "link.html").symlink_to("/etc/hostname")
        (bag / "data" / "zero.html").symlink_to("/dev/zero")
        (bag / "data" / "out.html").symlink_to(outside / "secret.txt")
        os.mkfifo(bag / "data" / "pipe.html")
        (bag / "manifest-sha512.txt").symlink_to("/dev/zero")
        (bag / "tagmanifest-sha512.txt").symlink_to("/dev/zero")
    runs.append(Run("1 bag: ../ and /etc/hostname tag entries; payload links to /etc/hostname, "
                    "/dev/zero, outside; FIFO; manifest -> /dev/zero",
                    ["verify", "--bag", str(bag), "-f", "json"], [bag]))
    bag2 = c / "bag-etc"
    if not bag2.exists():
        bag2.mkdir()
        for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
            (bag2 / name).write_bytes((bag / name).read_bytes())
        (bag2 / "data").symlink_to("/etc")
    runs.append(Run("1 bag: data -> /etc", ["verify", "--bag", str(bag2), "-f", "json"], [bag2]))


def _planted_links(work: Path, outside: Path, cases: Cases) -> None:
    """2. links planted in -o DIR; a dangling --ledger."""
    runs = cases.runs
    c = case(work, "02-planted")
    coll = _collection(c)
    out = _dir(c / "out")
    _dir(out / "warc")
    stamp = "20240101000000"
    for name in ("report.jsonl.open", ".jsonld.open", ".bag.new", "archivekit.wacz.open",
                 "pages.jsonl.open", f"warc/archivekit-{stamp}-00000.warc.gz.open"):
        if not (out / name).is_symlink():
            (out / name).symlink_to(outside / "victim")
    runs.append(Run("2 -o DIR: links at every temporary name -> outside/victim",
                    ["archive", str(coll), "-o", str(out), "--bag", "--wacz", "--jsonld-files",
                     "--date", "2024-01-01", "--progress", "never", "-f", "json"], [coll, out]))
    for sub in ("warc", "jsonld", "bag"):
        out_sub = _dir(c / f"out-{sub}")
        if not (out_sub / sub).is_symlink():
            (out_sub / sub).symlink_to(outside)
        runs.append(Run(f"2 -o DIR: {sub}/ a link to outside/",
                        ["archive", str(coll), "-o", str(out_sub), "--bag", "--progress", "never",
                         "-f", "json"], [coll, out_sub]))
    link = c / "ledger.db"
    if not link.is_symlink():
        link.symlink_to(outside / "elsewhere.db")
    runs.append(Run("2 dangling --ledger link -> outside/elsewhere.db",
                    ["fingerprint", str(coll), "--ledger", str(link), "--progress", "never"],
                    [coll, c]))


def _user_schemas(work: Path, outside: Path, cases: Cases) -> None:
    """3. user schemas: remote, unresolvable and looping $ref; deep JSON; a FIFO."""
    runs = cases.runs
    c = case(work, "03-schemas")
    page = c / "page.html"
    page.write_bytes(VALID_HTML)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    cases.listener = listener
    port = listener.getsockname()[1]
    for name, schema in (("remote-local", {"$ref": f"http://127.0.0.1:{port}/s.json"}),
                         ("remote-dns", {"$ref": "https://schemas.example.org/article.json"}),
                         ("missing-def", {"$ref": "#/$defs/nope"}),
                         ("relative-file", {"$ref": "../../outside/secret.txt"}),
                         ("loop", {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                                   "$ref": "#/$defs/a"}),
                         ("self", {"$ref": "#"})):
        (c / f"{name}.json").write_text(json.dumps(schema))
        runs.append(Run(f"3 --schema $ref: {name}", ["check", str(page), "--schema",
                                                      str(c / f"{name}.json")], [c]))
    (c / "deep.json").write_text(DEEP)
    deep_dir = _dir(c / "deep-profiles")
    (deep_dir / "deep.json").write_text(DEEP)
    for option, target in (("--schema", c / "deep.json"), ("--profile-dir", deep_dir),
                           ("--baseline", c / "deep.json")):
        runs.append(Run(f"3 100,000-deep JSON in {option}", ["check", str(page), option, str(target)],
                        [c]))
    fifo = c / "fifo.json"
    if not fifo.exists():
        os.mkfifo(fifo)
    runs.append(Run("3 --schema a FIFO", ["check", str(page), "--schema", str(fifo)], [c], timeout=30))


def _warc_bombs(work: Path, outside: Path, cases: Cases) -> None:
    """4. gzip bombs and hostile Content-Length in archived WARCs."""
    runs = cases.runs
    c = case(work, "04-warc-bombs")
    (c / "bomb.warc.gz").write_bytes(response_bomb(200))
    (c / "two-lengths.warc").write_bytes(
        response_record(URI, VALID_HTML, None, "Content-Length: 1000000000000000\r\n"))
    (c / "check-bomb.warc.gz").write_bytes(gzip_bomb(300))
    for name in ("bomb.warc.gz", "two-lengths.warc"):
        out = c / f"out-{name.split('.')[0]}"
        runs.append(Run(f"4 archive {name}", ["archive", str(c / name), "-o", str(out), "-q",
                                               "--progress", "never"], [c]))
    runs.append(Run("4 check a 300 MB-inflating gzip member", ["check", str(c / "check-bomb.warc.gz"),
                                                              "-f", "json"], [c]))
    runs.append(Run("4 warc-check the bombs", ["warc-check", str(c / "bomb.warc.gz"),
                                               str(c / "check-bomb.warc.gz"),
                                               str(c / "two-lengths.warc")], [c]))


def _loops_and_fifos(work: Path, outside: Path, cases: Cases) -> None:
    """5. --follow-symlinks loops; a FIFO named x.html."""
    runs = cases.runs
    c = case(work, "05-loops-fifos")
    loops = _collection(c, "loops")
    if not (loops / "self").is_symlink():
        (loops / "self").symlink_to(".")
        _dir(loops / "sub")
        (loops / "sub" / "up").symlink_to("..")
    runs.append(Run("5 --follow-symlinks self-link loops",
                    ["check", str(loops), "--follow-symlinks", "-f", "json", "--progress", "never"],
                    [loops], timeout=60))
    fifos = _collection(c, "fifos")
    if not (fifos / "x.html").exists():
        os.mkfifo(fifos / "x.html")
    out = c / "out"
    for argv, inside in ((["check", str(fifos), "-f", "json"], [fifos]),
                         (["bag", str(fifos), "-o", str(c / "bag")], [fifos, c / "bag"]),
                         (["archive", str(fifos), "-o", str(out), "--progress", "never"], [fifos, out]),
                         (["extract", str(fifos), "-f", "json"], [fifos])):
        runs.append(Run(f"5 a FIFO named x.html: {argv[0]}", argv, inside, timeout=30))


def _hostile_names(work: Path, outside: Path, cases: Cases) -> None:
    """6. control characters and non-UTF-8 bytes in names."""
    runs = cases.runs
    c = case(work, "06-names")
    forged = _dir(c / "x\n::error file=a::forged")
    (forged / "e\x1b[31mvil\r.html").write_bytes(VALID_HTML)
    runs.append(Run("6 control characters in names (text)", ["check", str(c), "--progress", "never"], [c]))
    raw = os.path.join(os.fsencode(c), b"c\xff\x01d")
    os.makedirs(raw, exist_ok=True)
    with open(os.path.join(raw, b"a.html"), "wb") as handle:
        handle.write(VALID_HTML)
    runs.append(Run("6 non-UTF-8 and control bytes in the collection name (junit)",
                    ["check", os.fsdecode(raw), "-f", "junit", "--progress", "never"], [c]))


def _parser_limits(work: Path, outside: Path, cases: Cases) -> None:
    """7, 8. libxml2 limits, nested banner candidates, a catastrophic user pattern."""
    runs = cases.runs
    c = case(work, "07-08-parser")
    _page_with(c, "huge-text.html", b"<p>" + b"x" * 11_000_000 + b"</p>")
    _page_with(c, "huge-attr.html", b'<p title="' + b"x" * 11_000_000 + b'">a</p>')
    filler = b"HuffPost " + b"y" * (8_000_000 // 250)
    _page_with(c, "nested-banners.html",
               b"".join(b"<div>" + filler for _ in range(250)) + b"</div>" * 250)
    _page_with(c, "deep.html", b"<div>" * 100_000 + b"x" + b"</div>" * 100_000)
    for name in ("huge-text.html", "huge-attr.html", "nested-banners.html", "deep.html"):
        runs.append(Run(f"7/8 {name}", ["check", str(c / name), "-j", "1", "-f", "json"], [c]))
    profile = json.loads((ROOT / "fixtures/profiles/example-courier.json").read_text())
    profile.update(id="evil", banner_patterns=[r"^(?P<edition>(\w+\s?)+)(?P<year>\d*)$"],
                   footer_patterns=[r"(?P<edition>(a|aa)+)$"])
    profiles = _dir(c / "profiles")
    (profiles / "evil.json").write_text(json.dumps(profile))
    (c / "regex.txt").write_bytes(VALID_TEXT + b"\n" + b"word " * 16 + b"!\n" + b"a" * 60 + b"b\n")
    runs.append(Run("8 user profile regex ^(\\w+\\s?)+$", ["check", str(c / "regex.txt"), "-j", "1",
                                                          "--profile-dir", str(profiles)], [c]))


def _ledgers(work: Path, outside: Path, cases: Cases) -> None:
    """9. a corrupted ledger, a hostile JSON row."""
    runs = cases.runs
    c = case(work, "09-ledgers")
    for kind in ("corrupt", "rows"):
        coll = _dir(c / f"coll-{kind}")
        copies = 60 if kind == "corrupt" else 3
        for n in range(copies):
            (coll / f"a{n:03}.html").write_bytes(
                VALID_HTML.replace(b"</body>", f"<p>{n}</p></body>".encode()))
        ledger = c / f"{kind}.db"
        if not ledger.exists():
            done = archivekit("fingerprint", coll, "--ledger", ledger, "-j", "1", "--progress", "never",
                              cwd=c)
            assert done.returncode == 0, done.stderr
            if kind == "corrupt":
                data = bytearray(ledger.read_bytes())
                for number in range(2, len(data) // 4096):
                    data[number * 4096 + 8: number * 4096 + 200] = b"\xa5" * 192
                ledger.write_bytes(bytes(data))
            else:
                with sqlite3.connect(ledger) as db:
                    db.execute("UPDATE objects SET digests = ? WHERE path LIKE '%a001.html'",
                               ("[" * 100_000,))
                    db.execute("UPDATE objects SET fields = '[1, 2]' WHERE path LIKE '%a002.html'")
                    db.execute("UPDATE events SET detail = '{\"x\": ' WHERE path LIKE '%a000.html'")
                db.close()
        for argv in (["verify", str(coll), "-j", "1"], ["fingerprint", str(coll), "-j", "1"],
                     ["history", str(coll / "a000.html")]):
            progress = ["--progress", "never"] if argv[0] != "history" else []
            runs.append(Run(f"9 {kind} ledger: {argv[0]}", [*argv, "--ledger", str(ledger), *progress],
                            [c]))


def _same_base_name(work: Path, outside: Path, cases: Cases) -> None:
    """10. archive --bag with two inputs of one base name."""
    runs = cases.runs
    c = case(work, "10-same-name")
    for sub, body in (("a", VALID_HTML), ("b", VALID_HTML.replace(b"</body>", b"<p>b</p></body>"))):
        (_dir(c / sub) / "x.html").write_bytes(body)
    runs.append(Run("10 archive --bag, two inputs named x.html",
                    ["archive", str(c / "a/x.html"), str(c / "b/x.html"), "-o", str(c / "out"),
                     "--bag", "--progress", "never", "-q"], [c]))


def _smaller(work: Path, outside: Path, cases: Cases) -> None:
    """11. a truncated WARC record; bag names with literal escapes."""
    runs = cases.runs
    c = case(work, "11-smaller")
    (c / "t.warc").write_bytes(PLAIN_WARC[:len(PLAIN_WARC) - 200])
    (c / "t.warc.gz").write_bytes(VALID_WARC[:len(VALID_WARC) - 200])
    for name in ("t.warc", "t.warc.gz"):
        runs.append(Run(f"11 fingerprint a truncated {name}",
                        ["fingerprint", str(c / name), "--ledger", str(c / f"{name}.db"), "-j", "1",
                         "-q", "--progress", "never"], [c]))
    runs.append(Run("11 warc-check truncated records", ["warc-check", str(c / "t.warc"),
                                                        str(c / "t.warc.gz")], [c]))
    escapes = _dir(c / "escapes")
    for n, name in enumerate(["a%25b.html", "c%0Ad.html", "e%0dd.html", "f%zz.html", "g%41.html",
                              "h\ni.html"]):
        (escapes / name).write_bytes(VALID_HTML.replace(b"</body>", f"<p>{n}</p></body>".encode()))
    runs.append(Run("11 bag names with literal %25 / %0A", ["bag", str(escapes), "-o", str(c / "bag")],
                    [escapes, c / "bag"]))
    runs.append(Run("11 verify --bag of that bag", ["verify", "--bag", str(c / "bag"), "-f", "json"],
                    [c / "bag"]))


def _bombs(work: Path, runs: list[Run]) -> None:
    """Resource bombs for the time/memory bound, each through every verb that reads it."""
    c = _dir(work / "12-bombs")
    big_gzip_bomb(c / "bomb10mb.warc.gz")
    coll = _dir(c / "pages")
    parser = work / "07-08-parser"
    for name in ("huge-text.html", "huge-attr.html", "nested-banners.html", "deep.html"):
        target = coll / name
        if not target.exists():
            os.link(parser / name, target)
    (coll / "regex.txt").write_bytes((parser / "regex.txt").read_bytes())
    profiles = parser / "profiles"
    fifo = _dir(c / "fifo")
    (fifo / "a.html").write_bytes(VALID_HTML)
    if not (fifo / "x.html").exists():
        os.mkfifo(fifo / "x.html")
    loops = work / "05-loops-fifos" / "loops"
    warc = c / "bomb10mb.warc.gz"
    for label, target, extra in (("10 MB gzip bomb WARC", warc, []),
                                 ("huge text/attr, 100,000-deep, nested banners, regex profile", coll,
                                  ["--profile-dir", str(profiles)]),
                                 ("FIFO x.html", fifo, []),
                                 ("self-link loops --follow-symlinks", loops, ["--follow-symlinks"])):
        tag = "".join(ch for ch in label if ch.isalnum())[:12]
        ledger = c / f"{tag}.db"
        follow = [a for a in extra if a == "--follow-symlinks"]
        for argv in (["check", str(target), "-f", "json", *extra],
                     ["fingerprint", str(target), "--ledger", str(ledger), "--progress", "never", *extra],
                     ["verify", str(target), "--ledger", str(ledger), "--progress", "never", *extra],
                     ["bag", str(target), "-o", str(c / f"bag-{tag}"), *follow],
                     ["archive", str(target), "-o", str(c / f"out-{tag}"), "--progress", "never", "-q",
                      *extra]):
            runs.append(Run(f"bomb {label}: {argv[0]}", argv, [c, work]))
    runs.append(Run("bomb 10 MB gzip bomb WARC: warc-check", ["warc-check", str(warc)], [c]))
