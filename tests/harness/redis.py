"""A throwaway Redis server on 127.0.0.1 for the rate-limit tests across processes.

    with TemporaryRedis() as redis:
        url = redis.url   # redis://127.0.0.1:PORT/0

Debian's `redis-server` (or `$PORTAL_REDIS_SERVER`) runs in the foreground with no
persistence; ``RedisUnavailable`` says why when it cannot start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

from tests.harness.postgres import free_port

ENV_EXECUTABLE = "PORTAL_REDIS_SERVER"


class RedisUnavailable(RuntimeError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryRedis:
    def __init__(self) -> None:
        self.port: int | None = None
        self._process: subprocess.Popen | None = None
        self._dir: str | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> TemporaryRedis:
        executable = os.environ.get(ENV_EXECUTABLE) or shutil.which("redis-server")
        if not executable:
            for candidate in ("/usr/bin/redis-server", "/usr/sbin/redis-server"):
                if os.access(candidate, os.X_OK):
                    executable = candidate
        if not executable:
            raise RedisUnavailable("redis-server not found (apt-get install redis-server)")
        self._dir = tempfile.mkdtemp(prefix="portal-redis-")
        self.port = free_port()
        command = [executable, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self._dir]
        command += ["--save", "", "--appendonly", "no", "--protected-mode", "no"]
        self._process = subprocess.Popen(  # noqa: S603 (our own arguments)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RedisUnavailable(f"redis-server exited with {self._process.returncode}")
            if self._ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable("redis-server did not answer PING within 15 s")

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> TemporaryRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
