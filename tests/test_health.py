"""/healthz (the process answers) and /readyz (database reachable, migrations current).

tests/test_production_serving.py asks both of a real gunicorn."""

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db, limiter
from portal.health import migration_heads
from tests.harness.postgres import free_port


def bare_app(tmp_path, database_url: str, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "health",
            **config,
        }
    )


@pytest.fixture
def unreachable(tmp_path):
    """An app whose PostgreSQL refuses connections (nothing listens on its port)."""
    return bare_app(tmp_path, f"postgresql://portal@127.0.0.1:{free_port()}/portal")


def test_healthz_answers_without_the_database_or_a_cookie(unreachable):
    client = unreachable.test_client()
    for method in (client.get, client.head):
        answer = method("/healthz")
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in answer.headers
    assert client.get("/healthz").data == b"ok\n"


def test_readyz_says_why_when_the_database_does_not_answer(unreachable):
    answer = unreachable.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json == {
        "status": "not ready",
        "reason": "database unreachable",
        "error": "OperationalError",
    }
    assert "Set-Cookie" not in answer.headers


def test_readyz_when_migrated(app):
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 200, answer.json
    heads = migration_heads(app.extensions["migrate"].directory)
    assert answer.json == {"status": "ready", "database": "ok", "revision": sorted(heads)}
    assert len(heads) == 1
    assert "Set-Cookie" not in answer.headers


def test_readyz_before_and_between_migrations(tmp_path):
    app = bare_app(tmp_path, f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    client = app.test_client()
    (head,) = migration_heads(app.extensions["migrate"].directory)
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json["reason"]) == (503, "database not migrated")
    assert answer.json["database"] == [] and answer.json["head"] == [head]
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    previous = scripts.get_revision(head).down_revision
    with app.app_context():
        upgrade(revision=previous)  # as if this code's last migration had not run yet
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json["reason"]) == (503, "migrations not current")
    assert answer.json["database"] == [previous]
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_rate_limit_applies_to_the_checks(make_app, monkeypatch):
    """Even with a default limit on every route (one request a minute), a load balancer's
    checks are always answered. (The limiter is one object for every app of the process
    and keeps the first default limits it is given: they are put back afterwards.)"""
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [])
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="1 per minute")
    client = app.test_client()
    assert client.get("/api-docs").status_code == 200
    assert client.get("/api-docs").status_code == 429  # the limit is really on
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
