"""A throwaway PostgreSQL server for the test suite.

``TemporaryPostgres`` either starts a private cluster (``initdb`` + ``pg_ctl``) in a temporary
directory, listening only on 127.0.0.1 with trust auth, or, when ``PORTAL_TEST_POSTGRES_URL`` is
set, reuses that server and only creates (and later drops) uniquely named databases on it.

    with TemporaryPostgres() as pg:
        url = pg.create_database("portal_test")  # postgresql+psycopg://portal@127.0.0.1:PORT/...

Missing binaries or a failed startup raise ``PostgresUnavailable`` with a human-readable reason.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

ENV_URL = "PORTAL_TEST_POSTGRES_URL"
SERVICE_USER = "postgres"  # the unprivileged account that runs the cluster when we are root
_SPEED_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be provided on this machine; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_pg_bin_dir() -> str:
    """Directory holding ``initdb`` and ``pg_ctl``: PATH first, else the newest Debian install."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and os.path.dirname(initdb) == os.path.dirname(pg_ctl):
        return os.path.dirname(initdb)

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.split(os.sep)[-3]))

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version, reverse=True)
    for initdb in candidates:
        bin_dir = os.path.dirname(initdb)
        if os.access(os.path.join(bin_dir, "pg_ctl"), os.X_OK):
            return bin_dir
    raise PostgresUnavailable("initdb/pg_ctl not found in PATH or /usr/lib/postgresql/*/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _libpq_conninfo(url: URL) -> str:
    """An SQLAlchemy URL as a libpq URI that ``psycopg.connect`` accepts."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class TemporaryPostgres:
    """A PostgreSQL server that lives from ``start()`` (or ``with``) until ``stop()``."""

    def __init__(
        self,
        *,
        user: str = "portal",
        dbname: str = "portal",
        max_connections: int = 200,
        startup_timeout: float = 30.0,
    ) -> None:
        self.user = user
        self.dbname = dbname
        self.max_connections = max_connections
        self.startup_timeout = startup_timeout
        self._url: URL | None = None
        self._external = False
        self._created: list[str] = []
        self._tmpdir: str | None = None
        self._datadir: str | None = None
        self._pg_ctl: str | None = None
        self._start: list[str] | None = None  # the pg_ctl start command that worked
        self._as_service_user = False

    # -- public API -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the main database, e.g. ``postgresql+psycopg://portal@127.0.0.1:5/x``."""
        if self._url is None:
            raise RuntimeError("TemporaryPostgres is not started")
        return self._url.render_as_string(hide_password=False)

    def start(self) -> TemporaryPostgres:
        """Start the server (or attach to ``$PORTAL_TEST_POSTGRES_URL``); returns ``self``."""
        if self._url is not None:
            return self
        external = os.environ.get(ENV_URL)
        if external:
            self._external = True
            self._url = make_url(external).set(drivername="postgresql+psycopg")
            self._wait_until_ready(self._url)
            return self
        try:
            self._start_cluster()
        except BaseException:
            self.stop()
            raise
        atexit.register(self.stop)
        return self

    def create_database(self, name: str) -> str:
        """Create database ``name`` (made unique on an external server); return its URL."""
        if self._url is None:
            raise RuntimeError("TemporaryPostgres is not started")
        if self._external:
            name = f"{name}_{uuid.uuid4().hex[:10]}"
        self._admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._created.append(name)
        return self._url.set(database=name).render_as_string(hide_password=False)

    def restart(self) -> None:
        """Restart the cluster this object started (``pg_ctl restart -m fast``): every
        connection to it is closed, as when PostgreSQL restarts in production."""
        if self._external or not self._datadir or not self._pg_ctl or not self._start:
            raise PostgresUnavailable("only a cluster started by this object can be restarted")
        # stop, then start as before (`pg_ctl restart` has no -l: the new postmaster would
        # keep our output pipe open)
        self._run([self._pg_ctl, "stop", "-D", self._datadir, "-w", "-t", "30", "-m", "fast"])
        self._run(self._start)
        assert self._url is not None
        self._wait_until_ready(self._url)

    def stop(self) -> None:
        """Stop the cluster this object started and delete its files. Safe to call repeatedly."""
        atexit.unregister(self.stop)
        if self._external and self._url is not None:
            for name in self._created:  # best effort: leave the shared server as we found it
                with contextlib.suppress(psycopg.Error):
                    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                    self._admin_execute(drop.format(sql.Identifier(name)))
        if self._datadir and self._pg_ctl and os.path.exists(self._pidfile()):
            # pg_ctl signals only the postmaster recorded in *our* data directory's pid file.
            stop = [self._pg_ctl, "stop", "-D", self._datadir, "-w", "-t", "30", "-m"]
            with contextlib.suppress(PostgresUnavailable):
                if self._run([*stop, "fast"], check=False).returncode != 0:
                    self._run([*stop, "immediate"], check=False)
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
        self._tmpdir = self._datadir = self._url = None
        self._created = []
        self._external = False

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- private cluster ------------------------------------------------------------------------

    def _start_cluster(self) -> None:
        bin_dir = find_pg_bin_dir()
        self._pg_ctl = os.path.join(bin_dir, "pg_ctl")
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # initdb refuses to run as root: use the unprivileged account
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root, but `runuser` is not available")
            try:
                owner = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root (initdb refuses root) and no {SERVICE_USER!r} user exists"
                ) from None
            self._as_service_user = True

        self._tmpdir = tempfile.mkdtemp(prefix="portal-pg-")
        self._datadir = os.path.join(self._tmpdir, "data")
        socket_dir = os.path.join(self._tmpdir, "sock")
        os.mkdir(socket_dir)
        if owner is not None:
            for path in (self._tmpdir, socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)

        initdb = [os.path.join(bin_dir, "initdb"), "-D", self._datadir, "-A", "trust"]
        initdb += ["-U", self.user, "-E", "UTF8", "--no-locale", "--no-sync"]
        self._run(initdb)

        log = os.path.join(self._tmpdir, "postgres.log")
        for attempt in range(3):  # the free port can be taken between probing and binding
            port = free_port()
            # pg_ctl hands these to /bin/sh, hence the quoting.
            options = [
                "-c listen_addresses=127.0.0.1",
                f"-p {port}",
                f"-k {shlex.quote(socket_dir)}",
            ]
            options += [f"-c {opt}" for opt in _SPEED_OPTIONS]
            options.append(f"-c max_connections={self.max_connections}")
            start = [self._pg_ctl, "start", "-D", self._datadir, "-l", log, "-w"]
            start += ["-t", str(int(self.startup_timeout)), "-o", " ".join(options)]
            if self._run(start, check=False).returncode == 0:
                self._start = start
                break
            if os.path.exists(self._pidfile()) or attempt == 2 or not self._port_clash(log):
                raise PostgresUnavailable(f"pg_ctl start failed:\n{self._tail(log)}")

        server = URL.create("postgresql+psycopg", username=self.user, host="127.0.0.1", port=port)
        self._url = server.set(database="postgres")
        self._wait_until_ready(self._url)
        self._admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        self._url = server.set(database=self.dbname)

    def _run(self, cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        program = os.path.basename(cmd[0])
        if self._as_service_user:
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        try:
            result = subprocess.run(
                cmd, cwd=self._tmpdir, capture_output=True, text=True, timeout=120, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresUnavailable(f"{program} did not finish within {exc.timeout} s") from exc
        if check and result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise PostgresUnavailable(f"{program} failed ({result.returncode}): {output}")
        return result

    def _pidfile(self) -> str:
        return os.path.join(self._datadir or "", "postmaster.pid")

    @staticmethod
    def _tail(path: str, lines: int = 20) -> str:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _port_clash(self, log: str) -> bool:
        tail = self._tail(log)
        return "could not bind" in tail or "already in use" in tail

    # -- both modes -----------------------------------------------------------------------------

    def _admin_execute(self, statement: sql.Composable) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) on the server."""
        if self._url is None:
            raise RuntimeError("TemporaryPostgres is not started")
        target = self._url if self._external else self._url.set(database="postgres")
        with psycopg.connect(_libpq_conninfo(target), autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def _wait_until_ready(self, url: URL) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with psycopg.connect(_libpq_conninfo(url), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() >= deadline:
                    where = url.render_as_string(hide_password=True)
                    raise PostgresUnavailable(f"PostgreSQL at {where} not ready: {exc}") from exc
                time.sleep(0.2)
