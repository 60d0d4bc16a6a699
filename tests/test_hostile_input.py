"""Issue 12, hostile input: each attack reproduced through the real CLI or library, and
the limit or rule that stops it. docs/guarantees.md points here for each row.

Every case asserts a finding with a rule id or a one-line error, never a traceback, and
never a file opened or written outside the collection, the bag or ``-o DIR``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archivekit.export.bagit import check_bag, write_bag

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_properties import VALID_HTML, VALID_TEXT, warc_record  # noqa: E402


def cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None, timeout: int = 60):
    proc = subprocess.run([sys.executable, "-m", "archivekit", *map(str, args)], capture_output=True,
                          input=stdin, cwd=cwd or ROOT, timeout=timeout)
    stderr = proc.stderr.decode(errors="replace")
    assert "Traceback" not in stderr, stderr
    return proc.returncode, proc.stdout, stderr


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("archivekit: "), stderr
    return lines[0]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- 1. verify --bag never opens outside the bag -----------------------------------------

def _small_bag(tmp_path: Path) -> Path:
    src = tmp_path / "src.html"
    src.write_bytes(VALID_HTML)
    return write_bag([(str(src), "a.html")], tmp_path / "bag", algorithms=["sha256"])


def _by_path(check) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in check.problems:
        out.setdefault(p.path, []).append(p.kind)
    return out


@pytest.mark.parametrize("entry", ["/etc/hostname", "../secret.txt", "data/../../secret.txt"])
def test_tag_manifest_entry_outside_the_bag_is_a_finding_and_never_opened(tmp_path, entry):
    bag = _small_bag(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"guess me\n")
    target = Path("/etc/hostname") if entry.startswith("/") else secret
    digest = _sha256(target.read_bytes()) if target.exists() else "0" * 64
    with open(bag / "tagmanifest-sha256.txt", "a", encoding="utf-8") as handle:
        handle.write(f"{digest}  {entry}\n")
    found = _by_path(check_bag(bag))
    # A right guess and a wrong one look the same: a finding that the entry is outside.
    assert found.get(entry) == ["invalid"], found
    code, out, _ = cli("verify", "--bag", bag, "-f", "json")
    assert code == 1 and b"outside" in out


def test_payload_symlinks_and_a_symlinked_data_are_refused(tmp_path):
    bag = _small_bag(tmp_path)
    (bag / "data" / "link.html").symlink_to("/etc/hostname")
    (bag / "data" / "zero.html").symlink_to("/dev/zero")
    found = _by_path(check_bag(bag))
    assert found["data/link.html"] == ["invalid"] and found["data/zero.html"] == ["invalid"]
    # The whole of data/ a link to /etc: not walked.
    bag2 = tmp_path / "bag2"
    bag2.mkdir()
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
        (bag2 / name).write_bytes((bag / name).read_bytes())
    (bag2 / "data").symlink_to("/etc")
    check = check_bag(bag2)
    assert _by_path(check)["data"] == ["invalid"]
    assert all(not p.startswith("data/") or p == "data/a.html" for p in check.payload)


def test_a_manifest_linked_to_dev_zero_is_refused_not_read(tmp_path):
    bag = _small_bag(tmp_path)
    (bag / "manifest-sha512.txt").symlink_to("/dev/zero")
    (bag / "tagmanifest-sha512.txt").symlink_to("/dev/zero")
    check = check_bag(bag)
    assert _by_path(check)["manifest-sha512.txt"] == ["invalid"]
    code, _, _ = cli("verify", "--bag", bag, "-f", "json", timeout=20)
    assert code == 1


def test_a_fifo_in_the_payload_is_a_finding_not_a_hang(tmp_path):
    bag = _small_bag(tmp_path)
    os.mkfifo(bag / "data" / "pipe.html")
    code, out, _ = cli("verify", "--bag", bag, "-f", "json", timeout=20)
    assert code == 1 and b"not a regular file" in out


def test_an_oversized_tag_file_is_a_finding(tmp_path, monkeypatch):
    import archivekit.export.bagit as bagit
    from archivekit.limits import Limits

    bag = _small_bag(tmp_path)
    monkeypatch.setattr(bagit, "DEFAULT_LIMITS", Limits(max_tag_file_bytes=10))
    check = check_bag(bag)
    assert any("max_tag_file_bytes" in p.message for p in check.problems)


# --- 2. planted links in -o DIR and a dangling --ledger --------------------------------

def _collection(tmp_path: Path) -> Path:
    coll = tmp_path / "coll"
    coll.mkdir()
    (coll / "a.html").write_bytes(VALID_HTML)
    (coll / "b.txt").write_bytes(VALID_TEXT)
    return coll


def _outside_untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert (outside / "victim").read_bytes() == b"keep\n"


def test_links_planted_at_temporary_names_in_the_output_do_not_redirect_writes(tmp_path):
    coll = _collection(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "warc").mkdir()
    stamp = "20240101000000"
    for name in ("report.jsonl.open", ".jsonld.open", ".bag.new", "archivekit.wacz.open", "pages.jsonl.open",
                 f"warc/archivekit-{stamp}-00000.warc.gz.open"):
        (out / name).symlink_to(outside / "victim")
    code, _, err = cli("archive", coll, "-o", out, "--bag", "--wacz", "--date", "2024-01-01",
                       "--progress", "never", "-f", "json")
    assert code in (0, 1), err
    _outside_untouched(outside)
    assert (out / "report.jsonl").is_file() and (out / "bag" / "bagit.txt").is_file()
    assert not any(p.is_symlink() for p in out.rglob("*"))


@pytest.mark.parametrize("sub", ["warc", "jsonld", "bag"])
def test_an_output_directory_planted_as_a_link_is_refused(tmp_path, sub):
    coll = _collection(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / sub).symlink_to(outside)
    code, _, err = cli("archive", coll, "-o", out, "--bag",
                       "--progress", "never", "-f", "json")
    assert code == 2 and "symbolic link" in one_line_error(err)
    _outside_untouched(outside)


def test_links_planted_for_the_jsonld_writer_are_removed_not_written_through(tmp_path):
    from archivekit.export.jsonld import JsonLdWriter

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"keep\n")
    out = tmp_path / "out"
    out.mkdir()
    # A link at the work directory's name (to a directory outside, and one dangling).
    (out / ".jsonld.open").symlink_to(outside)
    (out / ".other.open").symlink_to(outside / "gone")
    JsonLdWriter(out / "other", article_files=True).abort()
    assert not (outside / "gone").exists()
    writer = JsonLdWriter(out / "jsonld", article_files=True)
    # Links that appear in the work directory while the run goes on (a race with the
    # writer), at the names of an article file and of the collection document.
    work = out / ".jsonld.open"
    assert not work.is_symlink()
    (work / "000001-a.jsonld").symlink_to(outside / "victim")
    (work / "collection.jsonld").symlink_to(outside / "victim")
    writer.add_text('{"@id": "ni:///sha-256;x"}', "coll/a.html", "ni:///sha-256;x")
    writer.close()
    _outside_untouched(outside)
    assert (out / "jsonld" / "collection.jsonld").is_file()
    assert (out / "jsonld" / "000001-a.jsonld").read_text() == '{"@id": "ni:///sha-256;x"}\n'
    assert not any(p.is_symlink() for p in (out / "jsonld").iterdir())


def test_a_dangling_symlink_ledger_is_refused(tmp_path):
    coll = _collection(tmp_path)
    link = tmp_path / "ledger.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    code, _, err = cli("fingerprint", coll, "--ledger", link)
    assert code == 3 and "symbolic link" in one_line_error(err)
    assert not (tmp_path / "elsewhere.db").exists()


def test_archive_and_the_ledger_keep_their_temporary_files_in_their_own_place(tmp_path, monkeypatch):
    """No temporary file in the system's temporary directory: the report's CSV spool is an
    anonymous file in -o DIR, SQLite's temporary files go beside the ledger (strace over
    benchmarks/strace_hostile.py found both in /tmp and /var/tmp)."""
    import tempfile

    from archivekit.archive import archive_paths
    from archivekit.archive_commit import ArchiveSettings
    from archivekit.checker import Checker
    from archivekit.ledger import Ledger

    coll = _collection(tmp_path)
    # A system temporary directory that cannot be used: any spool there fails the run.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-system-temp"))
    out = tmp_path / "out"
    assert len(list(archive_paths([str(coll)], Checker(), ArchiveSettings(out_dir=out)))) == 2
    assert (out / "report.csv").read_text().count("\n") == 3
    place = tmp_path / "ledgers"
    place.mkdir()
    with Ledger(place / "l.db") as ledger:
        (folder,) = ledger.db.execute("PRAGMA temp_store_directory").fetchone()
    assert folder == str(place)


# --- 3. user schemas resolved offline; deep JSON in schema, profile, baseline -----------

def test_a_remote_ref_in_a_user_schema_makes_no_request(tmp_path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"$ref": f"http://127.0.0.1:{port}/s.json"}))
    try:
        code, _, err = cli("check", ROOT / "fixtures/html/au-2016-valid.html", "--schema", schema)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert code == 2 and "does not fetch" in one_line_error(err)


@pytest.mark.parametrize("schema", [
    {"$ref": "#/$defs/nope"},
    {"$ref": "other.json"},
    {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
    {"$ref": "#"},
])
def test_unresolvable_and_looping_refs_are_a_one_line_error(tmp_path, schema):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema))
    code, _, err = cli("check", ROOT / "fixtures/html/au-2016-valid.html", "--schema", path)
    assert code == 2
    one_line_error(err)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("option", ["--schema", "--profile-dir", "--baseline"])
def test_100000_deep_json_is_a_one_line_error(tmp_path, option):
    if option == "--profile-dir":
        (tmp_path / "deep.json").write_text(DEEP)
        target = tmp_path
    else:
        target = tmp_path / "deep.json"
        target.write_text(DEEP)
    code, _, err = cli("check", ROOT / "fixtures/html/au-2016-valid.html", option, target)
    assert code in (2, 3) and "nested too deeply" in one_line_error(err)


def test_a_fifo_as_a_user_schema_is_refused_not_read(tmp_path):
    os.mkfifo(tmp_path / "s.json")
    code, _, err = cli("check", ROOT / "fixtures/html/au-2016-valid.html", "--schema",
                       tmp_path / "s.json", timeout=20)
    assert code == 2 and "FIFO" in one_line_error(err)


# --- 4. archive/export re-read input records with bounded inflation and sane lengths ---

def response_record(uri: str, html: bytes, content_length: str | None = None,
                    extra_header: str = "") -> bytes:
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    length = content_length or str(len(block))
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri)):032x}>\r\n"
            f"WARC-Date: 2020-02-03T04:05:06Z\r\nWARC-Target-URI: {uri}\r\n{extra_header}"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {length}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"


URI = "https://www.huffpost.com/archive/au/entry/bomb_au_1"


def response_bomb(megabytes: int) -> bytes:
    """One gzip member: a valid response record, then megabytes of zeros in the same member."""
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [compressor.compress(response_record(URI, VALID_HTML))]
    zeros = b"\0" * (1 << 20)
    parts += [compressor.compress(zeros) for _ in range(megabytes)]
    parts.append(compressor.flush())
    return b"".join(parts)


def test_input_record_inflation_is_bounded_in_the_decompressor(tmp_path):
    from archivekit.export.warc import read_input_record
    from archivekit.export.warc.options import ExportError

    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(response_bomb(200))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ExportError, match="max_gzip_ratio|max_member_bytes"):
        read_input_record(f"{bomb}#0")
    with pytest.raises(ExportError, match="inflates past"):
        read_input_record(f"{bomb}#0", max_bytes=64 * 1024)


def test_archive_of_a_gzip_bomb_record_is_bounded_and_exits_cleanly(tmp_path):
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(response_bomb(800))  # 800 MB of zeros in one member of ~800 KB
    probe = ("import resource, subprocess, sys; p = subprocess.run([sys.executable, '-m', 'archivekit', "
             f"'archive', {str(bomb)!r}, '-o', {str(tmp_path / 'out')!r}, '-q', '--progress', 'never'], "
             "capture_output=True); sys.stderr.write(p.stderr.decode()); "
             "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    code, peak_kib = map(int, proc.stdout.split())
    assert code in (0, 1, 3)
    assert peak_kib < 400 * 1024, f"{peak_kib // 1024} MiB for an 800 MB gzip bomb"


def test_a_record_cut_short_by_a_gzip_limit_names_the_limit(tmp_path):
    """The WARC read path (warcread over warccheck's walker): a member that breaches
    max_member_bytes or max_gzip_ratio inside a record is reported by the limit's name,
    not as a truncated record."""
    import gzip
    import zlib

    from archivekit.limits import Limits
    from archivekit.warcread import read_archive

    member = tmp_path / "m.warc.gz"
    member.write_bytes(gzip.compress(warc_record(URI, b"<p>" + os.urandom(64 * 1024).hex().encode())))
    (small,) = read_archive(str(member), limits=Limits(max_member_bytes=32 * 1024))
    assert "max_member_bytes" in small.read_error
    (whole,) = read_archive(str(member))
    assert whole.read_error is None
    # 64 MB of zeros as the record's own payload, through the CLI.
    head = (f"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:{0:032x}>\r\n"
            f"WARC-Date: 2020-02-03T04:05:06Z\r\nWARC-Target-URI: {URI}\r\nContent-Type: text/html\r\n"
            f"Content-Length: {64 << 20}\r\n\r\n").encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [compressor.compress(head + b"<p>")]
    parts += [compressor.compress(b"\0" * (1 << 20)) for _ in range(64)]
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(b"".join(parts) + compressor.flush())
    code, out, _ = cli("check", bomb, "-f", "json", "--progress", "never")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "max_gzip_ratio" in row["findings"][0]["message"], row


@pytest.mark.parametrize("length,extra", [("1000000000000000", ""),
                                           (None, "Content-Length: 1000000000000000\r\n"),
                                           ("12abc", "")])
def test_hostile_content_length_on_reread_is_refused(tmp_path, length, extra):
    from archivekit.export.warc import read_input_record
    from archivekit.export.warc.options import ExportError

    warc = tmp_path / "t.warc"
    warc.write_bytes(response_record(URI, VALID_HTML, length, extra))
    with pytest.raises(ExportError, match="Content-Length"):
        read_input_record(f"{warc}#0")


def test_archive_of_two_content_length_headers_is_no_traceback(tmp_path):
    warc = tmp_path / "t.warc"
    warc.write_bytes(response_record(URI, VALID_HTML, None, "Content-Length: 1000000000000000\r\n"))
    code, _, err = cli("archive", warc, "-o", tmp_path / "out", "-q", "--progress", "never")
    assert code in (0, 1, 3), err


# --- 5. --follow-symlinks loops; FIFOs named like pages --------------------------------

def test_follow_symlinks_detects_loops(tmp_path):
    coll = _collection(tmp_path)
    (coll / "self").symlink_to(".")
    (coll / "sub").mkdir()
    (coll / "sub" / "up").symlink_to("..")
    code, out, err = cli("check", coll, "--follow-symlinks", "-f", "json", "--progress", "never",
                         timeout=30)
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(Path(r["path"]).name for r in rows if r["valid"]) == ["a.html", "b.txt"]
    assert any("symbolic link loop" in f["message"] for r in rows for f in r["findings"])


def test_bag_follow_symlinks_detects_loops(tmp_path):
    """Found by benchmarks/bounds_hostile.py: bag's own collector walked the loops until
    killed (60 s, 420 MB and growing)."""
    coll = _collection(tmp_path)
    (coll / "self").symlink_to(".")
    (coll / "sub").mkdir()
    (coll / "sub" / "up").symlink_to("..")
    code, _, err = cli("bag", coll, "-o", tmp_path / "bag", "--follow-symlinks", timeout=30)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "bag" / "data").rglob("*")) == ["a.html", "b.txt"]
    assert "symbolic link loop" in err


@pytest.mark.parametrize("verb", ["check", "bag", "archive"])
def test_a_fifo_named_like_a_page_does_not_block(tmp_path, verb):
    coll = _collection(tmp_path)
    os.mkfifo(coll / "x.html")
    extra = {"check": ["-f", "json", "--progress", "never"], "bag": ["-o", tmp_path / "bagout"],
             "archive": ["-o", tmp_path / "out", "--bag", "-f", "json", "--progress", "never"]}[verb]
    code, out, err = cli(verb, coll, *extra, timeout=30)
    assert code in (0, 1, 3), err
    if verb != "bag":
        assert b"a FIFO" in out


def test_extract_of_an_unreadable_page_exits_3_with_a_one_line_error(tmp_path):
    coll = _collection(tmp_path)
    os.mkfifo(coll / "x.html")
    code, out, err = cli("extract", coll, "-f", "json", timeout=20)
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}
    assert rows["x.html"]["record"] is None and rows["a.html"]["record"] is not None
    assert code == 3 and "x.html: cannot read: a FIFO" in one_line_error(err)


def test_one_unreadable_input_is_counted_in_the_singular(tmp_path):
    code, out, _ = cli("check", tmp_path / "nope.html")
    assert code == 3 and b"; 1 input could not be read\n" in out


# --- 6. control characters in text output; junit with hostile collection names ----------

def test_text_output_escapes_control_characters_in_names(tmp_path):
    forged = tmp_path / "x\n::error file=a::forged"
    forged.mkdir()
    (forged / "e\x1b[31mvil\r.html").write_bytes(b"")
    code, out, err = cli("check", tmp_path, "--progress", "never")
    text = out.decode()
    assert "\x1b" not in text and "\r" not in text
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "x\\x0a::error" in text and "\\x1b[31m" in text


@pytest.mark.parametrize("name", [b"c\x01d", b"c\xffd", b"c\x1bd"])
def test_junit_survives_control_and_non_utf8_collection_names(tmp_path, name):
    coll = os.path.join(os.fsencode(tmp_path), name)
    os.mkdir(coll)
    with open(os.path.join(coll, b"a.html"), "wb") as handle:
        handle.write(VALID_HTML)
    proc = subprocess.run([sys.executable, "-m", "archivekit", "check", coll, "-f", "junit",
                           "--progress", "never"], capture_output=True, cwd=ROOT, timeout=60)
    assert b"Traceback" not in proc.stderr, proc.stderr
    from lxml import etree

    suite = etree.fromstring(proc.stdout).find("testsuite")
    assert suite is not None and suite.get("tests") == "1"


def test_quiet_silences_warcio_and_its_lines_are_escaped_otherwise(tmp_path):
    warc = tmp_path / "t.warc"
    warc.write_bytes(warc_record("https://www.huffpost.com/archive/au/entry/a b\x1b[2J", VALID_HTML))
    _, _, err = cli("check", warc, "-q", "--progress", "never")
    assert "Replacing spaces" not in err
    # Since h11 the page reader is archivekit's own walker (no warcio log line): the URI
    # is the finding's, shown escaped.
    _, out, err = cli("check", warc, "--progress", "never")
    out = out.decode("utf-8")
    assert "\x1b" not in out and "\x1b" not in err
    assert "warc.target_uri.malformed" in out and "a b\\x1b[2J" in out


def test_warcio_log_lines_are_routed_escaped_and_quiet_silences_them(capsys):
    import logging

    from archivekit.printable import route_library_logs

    logger = logging.getLogger("warcio")
    saved = logger.handlers[:]
    logger.handlers.clear()  # a handler of an earlier test writes to its own stderr
    route_library_logs(quiet=False)
    logger.warning("Replacing spaces in invalid WARC-Target-URI: a b\x1b[2J")
    err = capsys.readouterr().err
    assert err == "archivekit: warcio: Replacing spaces in invalid WARC-Target-URI: a b\\x1b[2J\n"
    route_library_logs(quiet=True)
    logger.warning("Replacing spaces again")
    assert capsys.readouterr().err == ""
    logger.handlers[:] = saved
    logger.setLevel(logging.WARNING)


# --- 7, 8. libxml2 limits, nested banner candidates, user regexes -----------------------

def cpu_bounded_check(*args, cpu_seconds: int = 10):
    """``check`` in a child that the kernel stops after ``cpu_seconds`` of CPU (RLIMIT_CPU):
    the bound of docs/guarantees.md (10 s per hostile input), with a wide margin."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    proc = subprocess.run([sys.executable, "-m", "archivekit", "check", *map(str, args), "-j", "1",
                           "-f", "json", "--progress", "never"], capture_output=True, cwd=ROOT,
                          preexec_fn=limit, timeout=120)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode} (over {cpu_seconds} s CPU)"
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def test_a_text_node_over_libxml2s_limit_is_a_limit_finding_not_missing_parts(tmp_path):
    page = tmp_path / "huge.html"
    page.write_bytes(VALID_HTML.replace(b"<body>", b"<body><p>" + b"x" * 11_000_000 + b"</p>", 1))
    code, (row,) = cpu_bounded_check(page)
    assert [f["rule"] for f in row["findings"]] == ["parse.unreadable"]
    assert "10,000,000 bytes" in row["findings"][0]["message"]


def test_an_attribute_over_libxml2s_limit_is_a_limit_finding(tmp_path):
    page = tmp_path / "huge-attr.html"
    page.write_bytes(VALID_HTML.replace(b"<body>", b'<body><p title="' + b"x" * 11_000_000 + b'">a</p>', 1))
    code, (row,) = cpu_bounded_check(page)
    assert [f["rule"] for f in row["findings"]] == ["parse.unreadable"]


def test_nested_banner_candidates_take_linear_time(tmp_path):
    levels = 250
    filler = b"HuffPost " + b"y" * (8_000_000 // levels)
    nested = b"".join(b"<div>" + filler for _ in range(levels)) + b"</div>" * levels
    page = tmp_path / "nested.html"
    page.write_bytes(VALID_HTML.replace(b"<body>", b"<body>" + nested, 1))
    code, (row,) = cpu_bounded_check(page, cpu_seconds=8)
    assert row["valid"], row


def test_a_catastrophic_user_profile_pattern_is_time_bounded(tmp_path):
    data = json.loads((ROOT / "fixtures/profiles/example-courier.json").read_text())
    data.update(id="evil", banner_patterns=[r"^(?P<edition>(\w+\s?)+)(?P<year>\d*)$"],
                footer_patterns=[r"(?P<edition>(a|aa)+)$"])
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "evil.json").write_text(json.dumps(data))
    page = tmp_path / "page.txt"
    page.write_bytes(VALID_TEXT + b"\n" + b"word " * 16 + b"!\n" + b"a" * 60 + b"b\n")
    code, rows = cpu_bounded_check(page, ROOT / "fixtures/html/au-2016-valid.html",
                                   "--profile-dir", profiles)
    by_name = {Path(r["path"]).name: r for r in rows}
    assert "pattern_timeout" in by_name["page.txt"]["findings"][0]["message"]
    assert by_name["au-2016-valid.html"]["valid"]


# --- 9. ledger errors after the open: one line, exit 3 ------------------------------------

def _ledger_of(tmp_path: Path, copies: int = 60) -> tuple[Path, Path]:
    coll = tmp_path / "coll"
    coll.mkdir()
    for n in range(copies):
        (coll / f"a{n:03}.html").write_bytes(VALID_HTML.replace(b"</body>", f"<p>{n}</p></body>".encode()))
    ledger = tmp_path / "l.db"
    code, _, err = cli("fingerprint", coll, "--ledger", ledger, "-j", "1", "--progress", "never")
    assert code == 0, err
    return coll, ledger


def test_a_page_corrupted_mid_file_is_a_one_line_error(tmp_path):
    coll, ledger = _ledger_of(tmp_path)
    data = bytearray(ledger.read_bytes())
    assert len(data) > 8 * 4096
    for page in range(2, len(data) // 4096):
        data[page * 4096 + 8: page * 4096 + 200] = b"\xa5" * 192
    ledger.write_bytes(bytes(data))
    for args in (("verify", coll), ("fingerprint", coll), ("history", coll / "a001.html")):
        extra = ("-j", "1", "--progress", "never") if args[0] != "history" else ()
        code, _, err = cli(*args, "--ledger", ledger, *extra)
        if args[0] == "history" and code == 1:  # the pages it reads may have survived
            continue
        assert code == 3, (args, err)
        one_line_error(err)


def test_a_hostile_json_row_is_a_one_line_error(tmp_path):
    import sqlite3

    coll, ledger = _ledger_of(tmp_path, copies=3)
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE objects SET digests = ? WHERE path LIKE '%a001.html'", ("[" * 100_000,))
        db.execute("UPDATE objects SET fields = '[1, 2]' WHERE path LIKE '%a002.html'")
        db.execute("UPDATE events SET detail = '{\"x\": ' WHERE path LIKE '%a000.html'")
    code, _, err = cli("verify", coll, "--ledger", ledger, "-j", "1", "--progress", "never")
    assert code == 3 and "corrupt row" in one_line_error(err)
    code, _, err = cli("history", coll / "a000.html", "--ledger", ledger)
    assert code == 3 and "corrupt row" in one_line_error(err)


def test_a_full_disk_during_the_run_is_a_one_line_error(tmp_path):
    import resource

    coll, ledger = _ledger_of(tmp_path, copies=3)
    for n in range(200):
        (coll / f"b{n:03}.html").write_bytes(VALID_HTML.replace(b"</body>", f"<p>b{n}</p></body>".encode()))
    size = ledger.stat().st_size

    def limit():  # writes past this size fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 8192, size + 8192))

    proc = subprocess.run([sys.executable, "-m", "archivekit", "fingerprint", str(coll), "--ledger",
                           str(ledger), "-j", "1", "--progress", "never"], capture_output=True,
                          cwd=ROOT, preexec_fn=limit, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 3 and "Traceback" not in err, err
    one_line_error(err)


def _on_read_only_mount(tmp_path: Path, inner: str) -> subprocess.CompletedProcess:
    """Run ``inner`` (shell) with tmp_path/ro a read-only bind mount of tmp_path/rw."""
    (tmp_path / "ro").mkdir(exist_ok=True)
    script = (f"mount --bind -o ro {tmp_path / 'rw'} {tmp_path / 'ro'} && cd {ROOT} && {inner}")
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, timeout=120)


def _can_mount(tmp_path: Path) -> bool:
    (tmp_path / "rw").mkdir(exist_ok=True)
    probe = _on_read_only_mount(tmp_path, "true")
    return probe.returncode == 0


def test_history_and_verify_on_read_only_media(tmp_path):
    if not _can_mount(tmp_path):
        pytest.skip("no user namespace with mount here (unshare --user --mount)")
    rw = tmp_path / "rw"
    coll, ledger = _ledger_of(rw, copies=3)
    # A WAL ledger copied to read-only media: no -wal or -shm beside it, and none can be made.
    with open(ledger, "rb") as handle:
        assert handle.read(20)[18:20] == b"\x02\x02"  # the header says WAL
    assert not Path(f"{ledger}-shm").exists()
    ro = tmp_path / "ro"
    py = sys.executable
    proc = _on_read_only_mount(tmp_path, f"{py} -m archivekit history a000.html "
                                         f"--ledger {ro}/l.db --json")
    assert proc.returncode == 0, proc.stderr
    assert b"message digest calculation" in proc.stdout
    proc = _on_read_only_mount(tmp_path, f"{py} -m archivekit fingerprint {ro}/coll "
                                         f"--ledger {ro}/l.db -j 1 --progress never")
    err = proc.stderr.decode()
    assert proc.returncode == 3 and "Traceback" not in err, err
    one_line_error(err)


# --- 10. archive --bag with two inputs of one base name --------------------------------

def test_archive_bag_with_two_inputs_of_one_base_name(tmp_path):
    import bagit

    for sub, page in (("a", VALID_HTML), ("b", VALID_HTML.replace(b"</body>", b"<p>b</p></body>"))):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.html").write_bytes(page)
    out = tmp_path / "out"
    code, _, err = cli("archive", tmp_path / "a/x.html", tmp_path / "b/x.html", "-o", out, "--bag",
                       "--progress", "never", "-q")
    assert code == 0, err
    assert sorted(p.name for p in (out / "bag" / "data").iterdir()) == ["x-2.html", "x.html"]
    assert bagit.Bag(str(out / "bag")).validate()
    for name in ("report.jsonl", "report.html", "summary.json"):
        assert (out / name).is_file()
    assert not list(out.glob("*.open"))


# --- 11. smaller: fingerprint's exit code, bag names bagit-python reads -------------------

@pytest.mark.parametrize("suffix", ["warc", "warc.gz"])
def test_fingerprint_exits_3_on_a_truncated_warc_record(tmp_path, suffix):
    import gzip

    from test_properties import PLAIN_WARC, VALID_WARC

    warc = tmp_path / f"t.{suffix}"
    data = VALID_WARC if suffix == "warc.gz" else PLAIN_WARC
    warc.write_bytes(data[:len(data) - 200])
    code, _, err = cli("fingerprint", warc, "--ledger", tmp_path / "l.db", "-j", "1", "-q",
                       "--progress", "never")
    assert code == 3, err
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(VALID_WARC)
    assert gzip.decompress(VALID_WARC)
    code, _, err = cli("fingerprint", whole, "--ledger", tmp_path / "l2.db", "-j", "1", "-q",
                       "--progress", "never")
    assert code == 0, err


def test_bag_names_with_literal_escapes_validate_with_bagit_python(tmp_path):
    import bagit

    coll = tmp_path / "coll"
    coll.mkdir()
    names = ["a%25b.html", "c%0Ad.html", "e%0dd.html", "f%zz.html", "g%41.html", "h\ni.html"]
    for n, name in enumerate(names):
        (coll / name).write_bytes(VALID_HTML.replace(b"</body>", f"<p>{n}</p></body>".encode()))
    code, _, err = cli("bag", coll, "-o", tmp_path / "bag")
    assert code == 0, err
    assert bagit.Bag(str(tmp_path / "bag")).validate()
    code, out, err = cli("verify", "--bag", tmp_path / "bag", "-f", "json")
    assert code == 0, out


# --- found by the fuzzer (benchmarks/fuzz.py, issue 12 targets) --------------------------

def _user_profile(tmp_path: Path, **changes) -> Path:
    data = json.loads((ROOT / "fixtures/profiles/example-courier.json").read_text())
    data.update(id="user", **changes)
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (folder / "user.json").write_text(json.dumps(data))
    return folder


def test_a_user_banner_pattern_without_its_named_groups_is_a_one_line_error(tmp_path):
    folder = _user_profile(tmp_path, banner_patterns=["This story is kept in the archive"])
    code, _, err = cli("check", ROOT / "fixtures/courier/courier-2019-valid.html", "--profile-dir", folder)
    assert code == 2 and "named group" in one_line_error(err)


def test_a_user_banner_year_that_is_not_a_number_is_no_crash(tmp_path):
    folder = _user_profile(tmp_path, banner_patterns=[
        r"This story is kept in the archive of (?P<edition>The Example Courier), which closed "
        r"in (?P<year>\w+)?"])
    code, _, err = cli("check", ROOT / "fixtures/courier/courier-2019-valid.html", "--profile-dir",
                       folder, "-f", "json", "--progress", "never")
    assert code in (0, 1), err


def test_a_text_line_never_starts_a_github_command(tmp_path):
    import io

    from archivekit.record import Result
    from archivekit.report import make_reporter
    from archivekit.report.base import Summary

    stream = io.StringIO()
    reporter = make_reporter("text", stream)
    for path in (":", "::error::forged", ":warning x"):
        reporter.result(Result(path=path, uri=None, profile=None, findings=[]))
    reporter.finish(Summary())
    assert not any(line.startswith("::") for line in stream.getvalue().split("\n"))


# --- JSON-LD that json.loads accepts but the record cannot carry ------------------------
def _jsonld_page(script: str) -> bytes:
    # No byline or headline markup: what the JSON-LD says is what the record takes.
    return ('<html><head><script type="application/ld+json">' + script + "</script></head><body>"
            "<article><p>A body paragraph long enough to be the body of this article.</p>"
            "</article></body></html>").encode()


@pytest.mark.parametrize("script", [
    '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jo \\ud800 Reuters"}, '
    '"headline": "\\udfff", "\\ud800key": ["\\ud83d\\ude00", "\\udc00"]}',
    "[" * 50_000 + "]" * 50_000,                                  # past json's recursion depth
    "[" * 900 + '"\\ud800"' + "]" * 900,                          # deep, and a lone surrogate
])
def test_jsonld_with_lone_surrogates_or_past_pythons_depth_is_read_or_skipped(tmp_path, script):
    (tmp_path / "a.html").write_bytes(_jsonld_page(script))
    (tmp_path / "b.html").write_bytes(VALID_HTML)
    code, out, _ = cli("check", tmp_path, "--format", "json", "--jobs", "1")
    results = {Path(r["path"]).name: r
               for r in map(json.loads, out.decode("utf-8").splitlines()) if r}
    assert set(results) == {"a.html", "b.html"} and results["b.html"]["valid"] is True
    out.decode("utf-8")  # strict: no surrogate reached the output


def test_lone_surrogates_in_jsonld_become_replacement_characters():
    from archivekit.extract.structured import _without_lone_surrogates

    assert _without_lone_surrogates({"a\ud800": ["x\udfffy", 1, None, {"k": "\U0001f600"}]}) == \
        {"a\ufffd": ["x\ufffdy", 1, None, {"k": "\U0001f600"}]}


def test_a_file_name_that_is_not_utf8_stops_fingerprint_and_verify_in_one_line(tmp_path):
    """SQLite keeps the ledger's keys as UTF-8 text: such a name is refused in one line
    (it was a traceback that lost the batch in hand), the articles before it are kept."""
    import sqlite3

    collection = tmp_path / "c"
    collection.mkdir()
    (collection / "a.html").write_bytes(VALID_HTML)
    with open(os.fsencode(collection) + b"/caf\xe9.html", "wb") as handle:
        handle.write(VALID_HTML)
    ledger = tmp_path / "ledger.sqlite"
    code, _, stderr = cli("fingerprint", collection, "--ledger", ledger, "-j", "1")
    assert code == 3 and "not UTF-8" in one_line_error(stderr)
    with sqlite3.connect(ledger) as db:
        assert [p for (p,) in db.execute("SELECT path FROM objects")] == ["a.html"]
    code, _, stderr = cli("verify", collection, "--ledger", ledger, "-j", "1")
    assert code == 3 and "not UTF-8" in one_line_error(stderr)
