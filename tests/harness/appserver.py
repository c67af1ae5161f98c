"""The portal as production runs it, as child processes on 127.0.0.1: gunicorn with the
repository's gunicorn.conf.py (gthread workers unless told otherwise), and the outbox
worker (`flask --app app worker`).

    with Gunicorn(env, workers=4) as server:
        requests.get(server.url + "/login")
        server.kill()      # SIGKILL the master and its workers, as a crash would
        server.start()     # and up again on the same port

Each process runs in its own process group, so ``kill`` and ``stop`` reach only the
processes these objects started. Output goes to a log file (``log_path``) that tests may
read (e.g. to look for secrets in the access log).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.harness.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def portal_environment(database_url: str, **settings) -> dict:
    """The environment of a portal process: this one's, plus the database and settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-secret-key",
        PUBLIC_URL="http://portal.test",
        LOG_LEVEL="WARNING",
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


class _Process:
    """One child process in its own process group, logging to a file."""

    def __init__(self, env: dict, log_name: str):
        self.env = env
        self.log_path = Path(tempfile.mkdtemp(prefix="portal-proc-")) / log_name
        self.process: subprocess.Popen | None = None
        self.kills = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self):
        if self.running:
            return self
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it open)
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        pass

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no shutdown code runs."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None
        self.kills += 1

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL whatever of the group is left after `timeout` seconds."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class Gunicorn(_Process):
    """`gunicorn app:app` with the repository's gunicorn.conf.py, on a fixed free port.

    `preload=True` imports the app once in the master before forking the workers (gunicorn's
    --preload): a start (or a restart after a kill) costs one import of the app instead of
    one per worker, which matters on a busy machine."""

    def __init__(
        self,
        env: dict,
        *,
        workers: int = 4,
        port: int | None = None,
        timeout=60,
        preload: bool = False,
        threads: int | None = None,
        worker_class: str | None = None,
    ):
        # threads and worker class through the environment, as in production: the app
        # sizes its database pool from WEB_THREADS (None: gunicorn.conf.py's defaults)
        settings = {"WEB_THREADS": threads, "WEB_WORKER_CLASS": worker_class}
        env = {**env, **{name: str(value) for name, value in settings.items() if value}}
        super().__init__(env, "gunicorn.log")
        self.workers, self.port, self.timeout = workers, port or free_port(), timeout
        self.preload = preload

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "app:app",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            str(self.timeout),
            "--access-logfile",
            "-",
            *(["--preload"] if self.preload else []),
        ]

    def _wait_until_ready(self, seconds: float = 60) -> None:
        """Until GET /healthz answers. A refused connection is retried at once; a server
        that accepted the connection gets up to 10 s to answer (a restart under load finds
        a queue of clients' retries ahead of the probe)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"gunicorn exited:\n{self.log()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                requests.get(self.url + "/healthz", timeout=(2, 10)).raise_for_status()
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {seconds} s:\n{self.log()[-3000:]}")


class OutboxWorker(_Process):
    """`flask --app app worker`: delivers the outbox (BETCORE accepts) with retries."""

    def __init__(self, env: dict, *, poll: float = 0.2):
        super().__init__(env, "worker.log")
        self.poll = poll

    def command(self) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "app", "worker", "--poll", str(self.poll)]
