"""No network access anywhere: every verb runs with the network blocked.

Two independent proofs:

- a ``sitecustomize`` put first on PYTHONPATH of the subprocess replaces socket
  connect / getaddrinfo / create_connection with a tripwire that logs the attempt to a
  file and raises; pages in the collection point external entities, DTDs, stylesheets,
  images and XInclude at a real listener on 127.0.0.1 that counts connections;
- where the test runs as root with ``unshare``, the CLI also runs in a fresh network
  namespace with no interface but a down loopback.

Both must see zero attempts, and every verb must finish without a traceback.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_properties import VALID_HTML  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

TRIPWIRE = textwrap.dedent("""
    import os, socket

    _LOG = os.environ["ARCHIVEKIT_NET_LOG"]

    def _trip(what):
        def blocked(*args, **kwargs):
            with open(_LOG, "a") as log:
                log.write(f"{what} {args[1:] if what.startswith('socket.') else args!r}\\n")
            raise OSError(101, "network blocked by the archivekit no-network test")
        return blocked

    socket.socket.connect = _trip("socket.connect")
    socket.socket.connect_ex = _trip("socket.connect_ex")
    socket.socket.sendto = _trip("socket.sendto")
    socket.create_connection = _trip("create_connection")
    socket.getaddrinfo = _trip("getaddrinfo")
    socket.gethostbyname = _trip("gethostbyname")
""")


class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection it accepts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def hostile_pages(folder: Path, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    page = VALID_HTML.decode()
    xxe = page.replace("<!DOCTYPE html>", f'<!DOCTYPE html [<!ENTITY net SYSTEM "{base}/entity">]>') \
        .replace("Engineers rebuilt", "&net; Engineers rebuilt")
    (folder / "net-entity.html").write_text(xxe)
    xhtml = ('<?xml version="1.0" encoding="utf-8"?>\n'
             f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "{base}/dtd">\n'
             + page.split("\n", 1)[1].replace("<html ", '<html xmlns="http://www.w3.org/1999/xhtml" '
                                              'xmlns:xi="http://www.w3.org/2001/XInclude" ')
             .replace("</article>", f'<xi:include href="{base}/xinclude"/></article>'))
    (folder / "net-dtd.xhtml").write_text(xhtml)
    linked = page.replace("</head>", f'<link rel="stylesheet" href="{base}/css">'
                                     f'<script src="{base}/js"></script></head>') \
        .replace("https://img.example/tram.jpg", f"{base}/img.jpg")
    (folder / "net-links.html").write_text(linked)


def verbs(collection: Path, work: Path) -> list[list[str]]:
    ledger = str(work / "ledger.db")
    return [
        ["check", str(collection), "-f", "json"],
        ["check", str(collection), "-f", "sarif", "-j", "2"],
        ["fingerprint", str(collection), "--ledger", ledger, "-f", "json", "-q"],
        ["verify", str(collection), "--ledger", ledger, "-f", "json"],
        ["history", str(collection / "net-links.html"), "--ledger", ledger],
        ["export", str(collection), "-o", str(work / "export"), "--warc", "--jsonld", "--bag",
         "--wacz", "-q", "-f", "json"],
        ["archive", str(collection), "-o", str(work / "archive"), "--wacz", "--bag", "-q", "-f", "json"],
        ["warc-check", str(FIXTURES / "warc" / "sample.warc.gz")],
        ["verify", "--bag", str(work / "export" / "bag")],
        ["schema"],
    ]


@pytest.fixture()
def collection(tmp_path):
    target = tmp_path / "collection"
    shutil.copytree(FIXTURES, target, ignore=shutil.ignore_patterns("*.py", "*.md"))
    return target


def run(args: list[str], env: dict, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    proc = subprocess.run([*prefix, sys.executable, "-m", "archivekit", *args], env=env,
                          capture_output=True, timeout=300)
    stderr = proc.stderr.decode(errors="replace")
    assert "Traceback" not in stderr, (args, stderr)
    assert proc.returncode in (0, 1, 3), (args, proc.returncode, stderr)
    return proc


def test_every_verb_runs_with_sockets_blocked(tmp_path, collection):
    listener = Listener()
    try:
        hostile_pages(collection / "html", listener.port)
        site = tmp_path / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(TRIPWIRE)
        log = tmp_path / "net.log"
        env = dict(os.environ, ARCHIVEKIT_NET_LOG=str(log),
                   PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
        # The tripwire itself works: a connection attempt is logged and refused.
        probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection("
                                f"('127.0.0.1', {listener.port}))"], env=env, capture_output=True)
        assert probe.returncode != 0 and log.read_text().startswith("create_connection")
        log.unlink()
        for args in verbs(collection, tmp_path):
            run(args, env)
    finally:
        listener.close()
    assert not log.exists(), log.read_text()
    assert listener.connections == 0
    assert (tmp_path / "archive" / "summary.json").exists()
    assert (tmp_path / "export" / "bag" / "bagit.txt").exists()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root and unshare")
def test_archive_runs_in_a_network_namespace(tmp_path, collection):
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare -n not permitted here")
    hostile_pages(collection / "html", 9)
    for args in (["check", str(collection), "-f", "json"],
                 ["archive", str(collection), "-o", str(tmp_path / "archive"), "--wacz", "--bag", "-q"]):
        run(args, dict(os.environ), prefix=["unshare", "-n"])
    assert (tmp_path / "archive" / "archivekit.wacz").exists()
