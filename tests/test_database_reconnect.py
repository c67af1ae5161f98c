"""Dead pooled connections (PostgreSQL). The pool does not pre-ping (a round trip per
request), so a connection PostgreSQL dropped (a restart, an idle timeout, an operator's
pg_terminate_backend) is handed out as it is. `database.transactional` runs a request again
when its FIRST statement found the connection dead (the server saw nothing of it); a
connection lost later, at COMMIT above all, is not run again.

tests/test_production_serving.py restarts a real PostgreSQL under gunicorn."""

import time

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.database import transactional
from portal.extensions import db
from portal.outbox import enqueue
from portal.outbox.models import OutboxMessage

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def terminate(database_url: str, pid: int) -> None:
    """pg_terminate_backend(pid) from another connection, and wait until it is gone."""
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not go away"
            time.sleep(0.02)


def backend_pid() -> int:
    return db.session.scalar(text("SELECT pg_backend_pid()"))


def pooled_pid(app) -> int:
    """The pid of the connection the pool holds (one request's worth)."""
    with app.app_context():
        pid = backend_pid()
        db.session.commit()
        return pid


@POSTGRESQL
def test_pooled_connections_are_reused_then_recycled(make_app):
    app = make_app(DATABASE_POOL_RECYCLE=1)
    with app.app_context():
        assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert db.engine.pool.size() == app.config["DATABASE_POOL_SIZE"]
    first = pooled_pid(app)
    assert pooled_pid(app) == first  # the same connection, handed out again
    time.sleep(1.2)
    assert pooled_pid(app) != first  # older than DATABASE_POOL_RECYCLE: replaced


@POSTGRESQL
def test_a_dead_connection_fails_a_request_without_transactional(make_app, database_url):
    """The control: nothing checks a connection before it is used."""
    app = make_app()
    pid = pooled_pid(app)
    terminate(database_url, pid)
    with app.app_context(), pytest.raises(DBAPIError) as failure:
        backend_pid()
    assert failure.value.connection_invalidated
    assert pooled_pid(app) != pid  # SQLAlchemy dropped the dead connection: the next works


@POSTGRESQL
def test_a_request_whose_first_statement_finds_the_connection_dead_runs_again(
    make_app, database_url
):
    app = make_app()
    runs = []

    @app.get("/probe")
    @transactional
    def probe():
        runs.append(None)
        runs[-1] = backend_pid()
        enqueue("probe.kind", "http://127.0.0.1:9/", {"run": len(runs)})
        return {"pid": runs[-1]}

    client = app.test_client()
    first = client.get("/probe").json["pid"]
    terminate(database_url, first)
    answer = client.get("/probe")
    assert answer.status_code == 200
    assert len(runs) == 3  # the first request, then the dead attempt and the fresh one
    assert runs[1] is None  # its first statement failed
    assert answer.json["pid"] not in (first, None)
    with app.app_context():
        payloads = db.session.scalars(select(OutboxMessage.payload).order_by(OutboxMessage.id))
        assert [p.replace(" ", "") for p in payloads] == ['{"run":1}', '{"run":3}']


@POSTGRESQL
@pytest.mark.parametrize("lost_before", ["second statement", "commit"])
def test_a_connection_lost_after_the_first_statement_is_not_run_again(
    make_app, database_url, lost_before
):
    """The first statement worked, so the request's writes (the outbox row) may be under
    way; when the connection dies before the second statement or before COMMIT (which might
    have reached the server) the request fails once and leaves nothing behind."""
    app = make_app()
    runs = []

    @app.get("/probe")
    @transactional
    def probe():
        runs.append(backend_pid())
        enqueue("probe.kind", "http://127.0.0.1:9/", {"run": len(runs)})
        terminate(database_url, runs[-1])
        if lost_before == "second statement":
            backend_pid()
        return {"pid": runs[-1]}

    assert app.test_client().get("/probe").status_code == 500
    assert len(runs) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
