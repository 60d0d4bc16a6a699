"""Issue 12's strace audit: the hostile CLI cases open nothing outside the collection, the
bag or ``-o DIR``, and connect nowhere.

    python benchmarks/strace_hostile.py              # every case; exit 1 on any violation
    python benchmarks/strace_hostile.py -k bag -v    # cases whose label has "bag", every access
    python benchmarks/strace_hostile.py --keep DIR   # build the cases in DIR (emptied) and keep them

The cases are ``benchmarks/hostile_cases.py``'s (bags with ``../`` and ``/etc/hostname``
tag-manifest entries and payload links to ``/etc/hostname`` and ``/dev/zero``, links
planted in ``-o DIR``, a dangling ``--ledger`` link, remote and looping ``$ref`` schemas,
gzip bombs, FIFOs, self-link loops, hostile names, corrupted ledgers...), built in a
temporary directory. Each runs as ``python -m archivekit ...`` (this checkout's code,
``PYTHONDONTWRITEBYTECODE=1``) under

    strace -f -y --seccomp-bpf -e trace=openat,open,creat,connect,rename,renameat,renameat2,
           unlink,unlinkat,symlink,symlinkat,link,linkat,mkdir,mkdirat,rmdir,truncate -o LOG

and every successful access in LOG is classified:

- ``inside``: under one of the run's own directories (the collection, the bag, ``-o DIR``,
  the ledger's directory) or the hidden temporary a writer renames onto one of them
  (``.bag.tmp-PID`` beside ``bag -o bag``), read or write;
- ``runtime``: a read of the interpreter and its libraries (the venv, the Python install,
  ``/usr``, ``/lib``), this checkout's ``archivekit/`` package, ``schemas/`` and ``archivekit.egg-info/`` (an
  editable install's metadata), directory listings of
  ``sys.path`` entries, ``/proc/self``, ``/sys/devices/system/cpu`` and ``/sys/fs/cgroup``
  (the CPU count), ``/dev/null``,
  ``/dev/urandom``, ``/etc/ld.so.*``, ``/etc/localtime``, ``/etc/locale.alias``, the
  system CA store ``/etc/ssl`` (read at start by the interpreter's environment, not by
  archivekit), plus multiprocessing's POSIX semaphores and heap arenas (``/dev/shm/sem.*``,
  ``/dev/shm/pym-*``) and writes to ``/dev/null``;
- ``OUTSIDE``: anything else, read or write (``/etc/hostname``, ``/dev/zero``, the
  victim of a planted link, a temporary file in ``/tmp``...).

Any ``connect()``, successful or not, is a violation too (a schema ``$ref`` fetched, a
DNS lookup), and so is a traceback on stderr. A self-test first traces a snippet that
reads ``/etc/hostname``, writes outside and connects, and must see all three. The table
gives per case the exit code, the seconds (under strace) and the counts; the violations
are listed under it. Exit 0 when there are none, else 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_cases  # noqa: E402

SYSCALLS = ("openat,open,creat,connect,rename,renameat,renameat2,unlink,unlinkat,symlink,"
            "symlinkat,link,linkat,mkdir,mkdirat,rmdir,truncate")
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
RUNTIME_FILES = ("/dev/null", "/dev/urandom", "/dev/random", "/etc/localtime", "/etc/locale.alias",
                 "/proc/self", "/proc/thread-self", "/sys/devices/system/cpu", "/sys/fs/cgroup",
                 "/etc/ssl",
                 "/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/ld.so.preload")
WRITABLE_RUNTIME = ("/dev/null", "/dev/shm/sem.", "/dev/shm/pym-")

LINE = re.compile(r"^(\d+) +(\w+)\((.*)\) += (.*)$")
UNFINISHED = re.compile(r"^(\d+) +(\w+)\((.*) <unfinished \.\.\.>$")
RESUMED = re.compile(r"^(\d+) +<\.\.\. (\w+) resumed>(.*)\) += (.*)$")


def unescape(text: str) -> str:
    """A C-escaped strace string as the path it names (bytes via surrogateescape)."""
    out = bytearray()
    index = 0
    simple = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "\\": 92, '"': 34, "'": 39, "a": 7,
              "b": 8, "e": 27}
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            if nxt == "x":
                out.append(int(text[index + 2:index + 4], 16))
                index += 4
                continue
            if nxt.isdigit():
                digits = re.match(r"[0-7]{1,3}", text[index + 1:]).group()
                out.append(int(digits, 8))
                index += 1 + len(digits)
                continue
            out.append(simple.get(nxt, ord(nxt)))
            index += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        index += 1
    return os.fsdecode(bytes(out))


def tokens(args: str) -> list[tuple[str, str]]:
    """``(kind, value)`` for each argument: ``str`` (a quoted string), ``fd`` (an fd or
    ``AT_FDCWD`` with its ``<path>`` decoration) or ``word``."""
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(args):
        char = args[index]
        if char in ", ":
            index += 1
            continue
        if char == '"':
            end = index + 1
            while end < len(args) and args[end] != '"':
                end += 2 if args[end] == "\\" else 1
            out.append(("str", unescape(args[index + 1:end])))
            index = end + 1
            if args[index:index + 3] == "...":
                index += 3
            continue
        match = re.match(r"(AT_FDCWD|-?\d+)<", args[index:])
        if match:
            end = args.index(">", index + len(match.group()))
            out.append(("fd", unescape(args[index + len(match.group()):end])))
            index = end + 1
            continue
        depth = 0
        end = index
        while end < len(args) and (depth or args[end] != ","):
            depth += args[end] in "{[("
            depth -= args[end] in "}])"
            end += 1
        out.append(("word", args[index:end].strip()))
        index = end
    return out


@dataclass
class Access:
    syscall: str
    path: str
    write: bool
    ok: bool
    line: str


def _join(base: str | None, name: str, cwd: str) -> str:
    if os.path.isabs(name):
        return os.path.normpath(name)
    return os.path.normpath(os.path.join(base or cwd, name))


def parse(log: Path, cwd: str) -> tuple[list[Access], list[str]]:
    """The accesses and the connect() lines of one strace log."""
    pending: dict[str, tuple[str, str]] = {}
    cwds: dict[str, str] = {}
    accesses: list[Access] = []
    connects: list[str] = []
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = LINE.match(raw)
        if not match:
            started = UNFINISHED.match(raw)
            if started:
                pending[started.group(1)] = (started.group(2), started.group(3))
                continue
            resumed = RESUMED.match(raw)
            if not resumed or resumed.group(1) not in pending:
                continue
            name, head = pending.pop(resumed.group(1))
            pid, args, ret = resumed.group(1), head + resumed.group(3), resumed.group(4)
        else:
            pid, name, args, ret = match.groups()
        if name == "connect":
            connects.append(raw)
            continue
        ok = not ret.startswith("-1")
        toks = tokens(args)
        for kind, value in toks:
            if kind == "fd" and args.startswith("AT_FDCWD"):
                cwds[pid] = value
                break
        here = cwds.get(pid, cwd)
        accesses += _accesses(name, toks, ret, ok, here, raw)
    return accesses, connects


def _accesses(name: str, toks: list[tuple[str, str]], ret: str, ok: bool, cwd: str,
              raw: str) -> list[Access]:
    strings = [(i, v) for i, (k, v) in enumerate(toks) if k == "str"]

    def at(position: int) -> str:
        """The path of the string at ``position``, against the fd token before it."""
        index, value = strings[position]
        base = toks[index - 1][1] if index and toks[index - 1][0] == "fd" else None
        return _join(base, value, cwd)

    if not strings:
        return []
    if name in ("open", "openat", "creat"):
        flags = " ".join(v for k, v in toks if k == "word")
        write = name == "creat" or any(flag in flags for flag in WRITE_FLAGS)
        decorated = re.match(r"\d+<(.*)>$", ret)
        path = unescape(decorated.group(1)) if decorated else at(0)
        return [Access(name, path, write, ok, raw)]
    if name == "symlink" or name == "symlinkat":
        return [Access(name, at(1), True, ok, raw)]  # the link made; its target is text
    paths = [at(n) for n in range(len(strings))]
    if name in ("link", "linkat"):
        return [Access(name, paths[0], False, ok, raw), Access(name, paths[-1], True, ok, raw)]
    return [Access(name, path, True, ok, raw) for path in paths]


@dataclass
class Verdict:
    inside: int = 0
    runtime: int = 0
    outside: list[str] = field(default_factory=list)
    connects: list[str] = field(default_factory=list)


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _own(path: str, dirs: list[str]) -> bool:
    """Under one of ``dirs``, or under the hidden temporary a writer renames onto one of
    them (``.NAME.tmp-PID`` or ``.NAME.open`` beside ``NAME``)."""
    if _under(path, dirs):
        return True
    for root in dirs:
        parent, name = os.path.split(root.rstrip("/"))
        for temp in (f".{name}.tmp-", f".{name}.open"):
            prefix = os.path.join(parent, temp)
            if path.startswith(prefix) and "/" not in path[len(prefix):].split("/", 1)[0]:
                return True
    return False


def runtime_roots() -> tuple[list[str], list[str]]:
    """(read-only roots, directories listed as sys.path entries) of the child interpreter."""
    probe = subprocess.run([sys.executable, "-c", "import sys, json; print(json.dumps([sys.prefix, "
                            "sys.base_prefix, sys.exec_prefix, sys.path]))"],
                           capture_output=True, text=True, env=hostile_cases.env(), check=True)
    import json

    prefix, base, exec_prefix, path = json.loads(probe.stdout)
    # The package, its schemas, and the metadata an editable install keeps in the checkout
    # (importlib.metadata reads it for the version the WARC's warcinfo records).
    shipped = [str(hostile_cases.ROOT / "archivekit"), str(hostile_cases.ROOT / "schemas"),
               str(hostile_cases.ROOT / "archivekit.egg-info")]
    roots = {prefix, base, exec_prefix, *RUNTIME_FILES, *shipped}
    roots |= {os.path.realpath(r) for r in list(roots)}
    listed = {os.path.realpath(p) for p in path if p} | {os.path.normpath(p) for p in path if p}
    return sorted(roots), sorted(listed)


def classify(accesses: list[Access], connects: list[str], inside: list[Path],
             roots: list[str], listed: list[str]) -> Verdict:
    verdict = Verdict(connects=connects)
    mine = sorted({os.path.realpath(p) for p in inside} | {os.path.normpath(p) for p in inside})
    proc_self = re.compile(r"^/proc/\d+(/|$)")
    for access in accesses:
        if not access.ok:
            continue
        path = access.path
        if _own(path, mine):
            verdict.inside += 1
        elif access.write:
            if any(path.startswith(prefix) for prefix in WRITABLE_RUNTIME):
                verdict.runtime += 1
            else:
                verdict.outside.append(access.line)
        elif (_under(path, roots) or path in listed or proc_self.match(path)
              or any(path.startswith(prefix) for prefix in WRITABLE_RUNTIME)):
            verdict.runtime += 1
        else:
            verdict.outside.append(access.line)
    return verdict


def trace(run: hostile_cases.Run, log: Path, roots: list[str],
          listed: list[str]) -> tuple[int, Verdict, str, float]:
    cwd = run.cwd or run.inside[0].parent
    env = hostile_cases.env()
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = ["strace", "-f", "-y", "-qq", "-s", "4096", "--seccomp-bpf", "-e", f"trace={SYSCALLS}",
               "-o", str(log), sys.executable, *(run.python or ["-m", "archivekit", *run.argv])]
    start = time.monotonic()
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=run.timeout)
        code, stderr = proc.returncode, proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        code, stderr = -9, (exc.stderr or b"").decode("utf-8", "replace") + "\n(timed out)"
    took = time.monotonic() - start
    accesses, connects = parse(log, str(cwd))
    # ``python -m`` lists its working directory (sys.path[0]) like any sys.path entry.
    verdict = classify(accesses, connects, run.inside, roots, [*listed, os.path.realpath(cwd)])
    return code, verdict, stderr, took


def self_test(work: Path, listener_port: int, roots: list[str], listed: list[str]) -> bool:
    """The audit sees what it must: a snippet that reads /etc/hostname, writes outside and
    connects is flagged on all three counts."""
    outside = work / "outside"
    snippet = ("import socket; open('/etc/hostname', 'rb').read(); "
               f"open({str(outside / 'written')!r}, 'w').close(); "
               f"socket.create_connection(('127.0.0.1', {listener_port})).close()")
    run = hostile_cases.Run("self-test", ["(python -c)"], [work / "self-test"], python=["-c", snippet])
    run.inside[0].mkdir(exist_ok=True)
    code, verdict, stderr, _ = trace(run, work / "_strace" / "self-test.log", roots, listed)
    seen = sorted(line.split("\"")[1] for line in verdict.outside if "\"" in line)
    good = (code == 0 and len(verdict.connects) == 1 and "/etc/hostname" in seen
            and str(outside / "written") in seen)
    print(f"self-test: exit {code}, outside {seen}, connects {len(verdict.connects)}: "
          f"{'flagged as it must be' if good else 'NOT FLAGGED: the audit is blind'}")
    return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="select", action="append", default=[],
                        help="only cases whose label contains this text (repeatable: any of them)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every outside access in full")
    parser.add_argument("--keep", type=Path, help="build the cases here (emptied first) and keep them")
    args = parser.parse_args(argv)
    if shutil.which("strace") is None:
        print("strace is not installed (apt-get install -y strace)", file=sys.stderr)
        return 2
    if args.keep is not None:
        shutil.rmtree(args.keep, ignore_errors=True)  # every case built afresh
        args.keep.mkdir(parents=True)
    work = (args.keep or Path(tempfile.mkdtemp(prefix="archivekit-strace-hostile-"))).resolve()
    cases = hostile_cases.build(work)
    roots, listed = runtime_roots()
    logs = work / "_strace"
    logs.mkdir(exist_ok=True)
    failures = 0 if self_test(work, cases.listener.getsockname()[1], roots, listed) else 1
    rows = []
    try:
        print(f"{'case':78} {'exit':>4} {'s':>5} {'inside':>6} {'runtime':>7} {'OUTSIDE':>7} {'connect':>7}")
        for number, run in enumerate(cases.runs):
            label = f"{run.case} [{' '.join(run.argv[:1])}]"
            if args.select and not any(text in label for text in args.select):
                continue
            code, verdict, stderr, took = trace(run, logs / f"{number:02}.log", roots, listed)
            traceback = "Traceback" in stderr or code < 0
            bad = bool(verdict.outside or verdict.connects or traceback)
            failures += bad
            shown = label if len(label) <= 78 else label[:75] + "..."
            flag = "  <-- VIOLATION" if bad else ""
            print(f"{shown:78} {code:>4} {took:5.1f} {verdict.inside:>6} {verdict.runtime:>7} "
                  f"{len(verdict.outside):>7} {len(verdict.connects):>7}{flag}", flush=True)
            rows.append((run, verdict, stderr if traceback else ""))
    finally:
        cases.close()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    for run, verdict, stderr in rows:
        if not (verdict.outside or verdict.connects or stderr):
            continue
        print(f"\n== {run.case}: archivekit {' '.join(run.argv)}")
        lines = verdict.outside + verdict.connects
        for line in lines if args.verbose else lines[:12]:
            print("   ", line[:300])
        if len(lines) > 12 and not args.verbose:
            print(f"    ... {len(lines) - 12} more (-v)")
        if stderr:
            print("   stderr:", stderr.strip().splitlines()[-1][:300])
    total = len(rows)
    print(f"\n{total} cases traced, {failures} with a violation "
          "(an open or write outside the run's own directories, a connect(), a traceback)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
