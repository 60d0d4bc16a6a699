"""A Spark standalone cluster on this machine, from the pyspark install: one master and
N workers bound to 127.0.0.1 on free ports, each worker with its own work dir and one
core. Used by tests/test_spark_cluster.py and benchmarks/bench_spark.py.

Every daemon is started in a session of its own, so :meth:`Cluster.stop` ends it (and
the executors and Python workers it started) by its process id, and nothing else.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


# Small and loopback-only: the test machine has 2 cores and other work running.
DEFAULTS = {
    "spark.executor.memory": "512m",
    "spark.driver.memory": "512m",
    "spark.cores.max": "2",
    # Start the tasks only when both executors are there, so both get work.
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime": "90s",
    "spark.ui.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


class Cluster:
    """``with Cluster(tmp) as cluster: ... cluster.master_url ...``; or start() / stop()."""

    def __init__(self, root: Path, workers: int = 2, *, worker_memory: str = "1g",
                 python: str = sys.executable, pythonpath: str | None = None,
                 name: str = "archivekit-h16"):
        self.root = Path(root)
        self.workers = workers
        self.worker_memory = worker_memory
        self.python = python
        self.pythonpath = pythonpath
        self.name = name
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.master_port = free_port()
        self.master_ui = free_port()
        self.master_url = f"spark://127.0.0.1:{self.master_port}"
        self.conf_dir = self.root / "conf"
        self.work_dirs = [self.root / f"worker-{i}" for i in range(workers)]

    # --- environment shared by the daemons and spark-submit --------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("SPARK_HOME", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON"):
            env.pop(name, None)  # spark-submit runs the python3 first on PATH, as a user's would
        env.update({
            "SPARK_HOME": str(spark_home()),
            "SPARK_CONF_DIR": str(self.conf_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_HOSTNAME": "localhost",
            "SPARK_DAEMON_MEMORY": "256m",
            "SPARK_LOG_DIR": str(self.root / "logs"),
            "SPARK_PID_DIR": str(self.root / "pids"),
            "PATH": os.path.dirname(self.python) + os.pathsep + env.get("PATH", ""),
            "NO_COLOR": "1",
        })
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath + (os.pathsep + env["PYTHONPATH"]
                                                   if env.get("PYTHONPATH") else "")
        return env

    def _spawn(self, label: str, *args: str, extra_env: dict[str, str] | None = None) -> None:
        log = self.root / "logs" / f"{label}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        env = self.env()
        env.update(extra_env or {})
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *args],
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        self.procs.append(proc)
        self.logs.append(log)

    def start(self, timeout: float = 120) -> Cluster:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "spark-defaults.conf").write_text(
            "".join(f"{k} {v}\n" for k, v in DEFAULTS.items()))
        self._spawn("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.master_port), "--webui-port", str(self.master_ui))
        self._wait(lambda state: state is not None, timeout, "the master did not start")
        for i, work in enumerate(self.work_dirs):
            work.mkdir(parents=True, exist_ok=True)
            local = self.root / f"local-{i}"
            local.mkdir(exist_ok=True)
            self._spawn(f"worker-{i}", "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--port", str(free_port()),
                        "--webui-port", str(free_port()), "--cores", "1",
                        "--memory", self.worker_memory, "--work-dir", str(work), self.master_url,
                        extra_env={"SPARK_LOCAL_DIRS": str(local),
                                   "SPARK_WORKER_DIR": str(work)})
        self._wait(lambda state: state is not None and sum(
            w.get("state") == "ALIVE" for w in state.get("workers", [])) >= self.workers,
            timeout, f"{self.workers} workers did not register")
        return self

    def state(self) -> dict | None:
        """The master's JSON status page (workers, applications), or None if not up."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.master_ui}/json/",
                                        timeout=5) as response:
                return json.load(response)
        except (OSError, ValueError):
            return None

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{what}: a daemon exited\n{self.log_tail()}")
            if ready(self.state()):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{what} in {timeout:.0f}s\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        out = []
        for log in self.logs:
            try:
                out.append(f"--- {log.name}\n{log.read_text(errors='replace')[-chars:]}")
            except OSError:
                pass
        return "\n".join(out)

    def stop(self) -> None:
        """End every daemon by its process id (its session: executors, Python workers)."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
            # Executors and their Python workers live in the daemon's session too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.procs.clear()

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
