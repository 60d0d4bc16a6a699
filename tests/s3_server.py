"""An S3-compatible server on loopback for the tests: moto's server mode in a process of
its own on a free 127.0.0.1 port, with IAM authentication on (a wrong key is refused),
one user allowed s3:*, and a bucket. Stopped by its process id."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from spark_standalone import free_port

# The first three requests (create the user, its policy and its key) go unauthenticated;
# moto authenticates every request after them.
_SETUP_ACTIONS = 3


class S3Server:
    def __init__(self, log: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.key = self.secret = ""

    def start(self, timeout: float = 60) -> S3Server:
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(_SETUP_ACTIONS),
                   AWS_ACCESS_KEY_ID="setup", AWS_SECRET_ACCESS_KEY="setup")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited:\n{self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        iam = self.client("iam", "setup", "setup")
        iam.create_user(UserName="archivist")
        iam.put_user_policy(UserName="archivist", PolicyName="s3", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="archivist")["AccessKey"]
        self.key, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        return self

    def client(self, service: str = "s3", key: str | None = None, secret: str | None = None):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=key or self.key,
                            aws_secret_access_key=secret or self.secret)

    def env(self, *, key: str | None = None, secret: str | None = None,
            endpoint: str | None = None) -> dict[str, str]:
        """The environment a process reaches the server with (botocore's own variables)."""
        env = dict(os.environ)
        for name in list(env):
            if name.startswith(("AWS_", "FSSPEC_S3")):
                del env[name]
        env.update({"AWS_ACCESS_KEY_ID": key or self.key,
                    "AWS_SECRET_ACCESS_KEY": secret or self.secret,
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ENDPOINT_URL_S3": endpoint or self.endpoint,
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true"})
        return env

    def upload_tree(self, bucket: str, local: Path, prefix: str) -> None:
        s3 = self.client()
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            s3.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(local).as_posix()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
