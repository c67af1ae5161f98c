"""What the benchmark starts, all on 127.0.0.1 and all stopped at the end: the database (a
SQLite file, or a throwaway PostgreSQL cluster), the BETCORE stand-in (its JWKS) and the
portal under gunicorn."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import text

from tests.harness.appserver import Gunicorn

# The ceiling: the cheapest request the portal answers. /healthz is being added on another
# branch; until it is there, a JSON answer that touches no database.
HEALTH_PATH = "/healthz"
CHEAP_GET_PATH = "/gateway/site-management/1/content/message/format/login_failed"


@dataclass(frozen=True)
class Database:
    kind: str  # sqlite | postgresql
    url: str
    settings: str  # how it runs, for the table's title


@contextlib.contextmanager
def database(kind: str, tmp: Path):
    """An empty database of that kind; a PostgreSQL cluster started here is stopped after."""
    if kind == "sqlite":
        yield Database(
            kind,
            f"sqlite:///{tmp / 'bench.sqlite3'}",
            "a file; WAL, synchronous=FULL: the portal's settings",
        )
        return
    from tests.harness.postgres import TemporaryPostgres

    server = TemporaryPostgres()
    server.start()
    try:
        url = server.create_database("portal_bench")
        yield Database(kind, url, "a throwaway cluster; fsync, synchronous_commit off")
    finally:
        server.stop()


def server_version(engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + connection.scalar(text("SELECT sqlite_version()"))
        return "PostgreSQL " + connection.scalar(text("SHOW server_version"))


class Portal(Gunicorn):
    """`gunicorn app:app` as tests.harness.appserver starts it, without the access log (a
    line per request would be part of what is measured, and production may log elsewhere).
    The bench starts it with --preload: one import of the app instead of one per worker (a
    faster start on a busy machine; requests are served the same way)."""

    def command(self) -> list[str]:
        command = super().command()
        at = command.index("--access-logfile")
        return command[:at] + command[at + 2 :]


def ceiling_path(base_url: str) -> tuple[str, str]:
    """(path, note): /healthz, or the cheap GET while /healthz answers 404."""
    status = requests.get(base_url + HEALTH_PATH, timeout=30).status_code
    if status == 404:
        return CHEAP_GET_PATH, f"{HEALTH_PATH} answered 404: GET {CHEAP_GET_PATH}"
    return HEALTH_PATH, f"GET {HEALTH_PATH}"


def drain(base_url: str, path: str) -> None:
    """Wait until the requests the last load run left behind (those in flight when it
    stopped) are served: a new one is accepted after them."""
    with contextlib.suppress(requests.RequestException):
        requests.get(base_url + path, timeout=60)
