"""Health checks for load balancers and orchestrators.

- ``GET /healthz``: liveness. 200 ``ok`` as soon as the process answers: no database, no
  session, no rate limit, not even Flask's request handling (a WSGI layer in front of the
  app answers it, in microseconds), so it is also the ceiling of the serving benchmarks.
- ``GET /readyz``: readiness (a Flask view, exempt from rate limits). 200 when the
  database answers and its Alembic revision is the head of this code's migrations;
  otherwise 503 with the reason, as JSON. A load balancer that sends traffic only to
  ready instances never sends a request to code whose schema has not been migrated yet
  (or to an instance cut off from the database).

Neither answer carries a cookie; both say ``Cache-Control: no-store``.
"""

import functools
import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from portal.extensions import db, limiter

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)
limiter.exempt(bp)


HEALTHZ = "/healthz"
_HEALTHY = b"ok\n"
_HEALTHY_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_HEALTHY))),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]


def init_app(app: Flask) -> None:
    """Answer /healthz in front of the app (outside every wrapper), serve /readyz."""
    app.register_blueprint(bp)
    app.wsgi_app = Liveness(app.wsgi_app)


class Liveness:
    """WSGI middleware: ``GET``/``HEAD /healthz`` answered at once; the rest passes on."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == HEALTHZ and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            start_response("200 OK", list(_HEALTHY_HEADERS))
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else _HEALTHY]
        return self.wsgi_app(environ, start_response)


@bp.get("/readyz")
def readyz():
    head = migration_heads(current_app.extensions["migrate"].directory)
    try:
        current = _database_heads()
    except SQLAlchemyError as exc:
        log.warning("readyz: the database does not answer: %s", exc)
        return _not_ready("database unreachable", error=type(getattr(exc, "orig", exc)).__name__)
    if current != head:
        reason = "database not migrated" if not current else "migrations not current"
        return _not_ready(reason, database=sorted(current), head=sorted(head))
    return jsonify(status="ready", database="ok", revision=sorted(head))


def _database_heads() -> set[str]:
    """The revision(s) the database is at. A pooled connection found dead (PostgreSQL
    restarted) makes SQLAlchemy drop the pool; the question is then asked once more, on a
    fresh connection, so that a restart the database has recovered from is no failure."""
    for attempt in (1, 2):
        try:
            with db.engine.connect() as connection:
                return set(MigrationContext.configure(connection).get_current_heads())
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def _not_ready(reason: str, **details):
    return jsonify(status="not ready", reason=reason, **details), 503


@functools.cache
def migration_heads(directory: str) -> set[str]:
    """The head revision(s) of the migrations shipped with this code (read once)."""
    return set(ScriptDirectory(directory).get_heads())
