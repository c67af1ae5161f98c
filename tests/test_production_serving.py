"""The portal as production serves it: gunicorn with several worker processes. What only
shows across processes and behind gunicorn's own HTTP parser is tested here.

- The login rate limit is one limit for the whole site when RATELIMIT_STORAGE_URI names a
  Redis; with `memory://` every worker counts on its own (shown, as the control).
- A BETCORE JWT over gunicorn's default 8 KB header limit still gets BETCORE's envelope.
- /healthz and /readyz answer; a PostgreSQL restart costs no vendor call.

Logins against vendor calls: tests/test_serving_logins.py; two instances on one database:
tests/reliability/test_bank_two_instances.py.
"""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.harness.appserver import Gunicorn, portal_environment
from tests.harness.login_burst import LoginWorld, Series, stake_once
from tests.harness.postgres import ENV_URL, PostgresUnavailable, TemporaryPostgres
from tests.harness.requirements import unavailable
from tests.harness.vendors import CLIENT_SECRET, Betcore

WORKERS = 4
ATTEMPTS = 60
LIMIT = 10


def login_attempts(url: str, brand_id: int, *, slow: bool = False) -> list[int]:
    """ATTEMPTS login requests from one client IP, 12 at a time, each on a new connection
    (so gunicorn hands them to different workers). Their bodies are not JSON, so each is
    answered 400 at once instead of spending an Argon2 hash: the limit counts requests.
    `slow`: each body arrives in two parts 0.2 s apart, so a sync worker stays busy with
    one attempt (after the limit counted it) while the next ones go to other workers."""
    barrier = threading.Barrier(12)

    def body(n):
        yield b"attempt "
        time.sleep(0.2)
        yield str(n).encode()

    def attempt(n):
        if n < 12:
            barrier.wait()
        response = requests.post(
            f"{url}/gateway/login/1/{brand_id}/player",
            data=body(n) if slow else f"attempt {n}",
            headers={"Connection": "close", "Content-Type": "text/plain"},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(12) as pool:
        return list(pool.map(attempt, range(ATTEMPTS)))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_login_limit_is_shared_by_every_worker_through_redis(database_url, brand_id, redis_url):
    env = portal_environment(
        database_url, RATELIMIT_STORAGE_URI=redis_url, LOGIN_RATE_LIMIT=f"{LIMIT} per minute"
    )
    with Gunicorn(env, workers=WORKERS) as server:
        statuses = login_attempts(server.url, brand_id)
    assert statuses.count(429) == ATTEMPTS - LIMIT, statuses
    assert statuses.count(400) == LIMIT, statuses


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_shared_store_each_worker_counts_alone(database_url, brand_id):
    """The control: with memory:// the same attempts pass more often than the limit, which
    shows that the attempts above really reached several processes. (Sync workers: one
    connection per process at a time spreads the attempts; a gthread worker's threads may
    take most of them in one process.)"""
    env = portal_environment(
        database_url, RATELIMIT_STORAGE_URI="memory://", LOGIN_RATE_LIMIT=f"{LIMIT} per minute"
    )
    with Gunicorn(env, workers=WORKERS, worker_class="sync") as server:
        statuses = login_attempts(server.url, brand_id, slow=True)
    assert statuses.count(400) > LIMIT, statuses
    assert "each worker counts the login limit on its own" in server.log()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_large_betcore_token_gets_the_envelope_not_gunicorns_page(database_url):
    env = portal_environment(database_url, BETCORE_API_URL="http://127.0.0.1:9")
    with Gunicorn(env, workers=1) as server:
        for size in (9_000, 16_000, 40_000):
            response = requests.post(
                f"{server.url}/betcore/payments/make",
                headers={"Authorization": "Bearer " + "e" * size},
                timeout=30,
            )
            assert response.status_code == 200, size
            assert response.json() == {
                "ErrorCode": 100401,
                "Message": "Invalid or expired token",
                "Value": None,
            }


# --- health checks and database restarts -------------------------------------------------


def test_the_health_checks_over_gunicorn(database_url):
    with Gunicorn(portal_environment(database_url), workers=1) as server:
        alive = requests.get(f"{server.url}/healthz", timeout=30)
        ready = requests.get(f"{server.url}/readyz", timeout=30)
    assert (alive.status_code, alive.text) == (200, "ok\n")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert "Set-Cookie" not in alive.headers and "Set-Cookie" not in ready.headers


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own (it gets restarted)."""
    server = TemporaryPostgres()
    try:
        server.start()
    except PostgresUnavailable as exc:
        unavailable(f"PostgreSQL is not available: {exc.reason}")
    if os.environ.get(ENV_URL):
        server.stop()
        pytest.skip(f"{ENV_URL} names a shared server, which this test must not restart")
    yield server
    server.stop()


def test_a_postgresql_restart_costs_no_vendor_call(own_postgres, tmp_path):
    """No pre-ping: after PostgreSQL restarts, every pooled connection is dead. The first
    statement of each request finds out; the request runs again on a fresh connection, so
    BETCORE's stakes (a few at once, so that several pooled connections are in play) and
    the readiness check are answered as if nothing had happened."""
    url = own_postgres.create_database("restart")
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
    world = LoginWorld.populate(app, logins=0, password="restart-pass-1")
    with app.app_context():
        db.engine.dispose()
    betcore = Betcore()
    env = portal_environment(url, BETCORE_API_URL=betcore.url, BETCORE_CLIENT_SECRET=CLIENT_SECRET)
    try:
        with Gunicorn(env, workers=1, preload=True) as server:
            world.open_casino(server.url, betcore)

            def stakes_at_once() -> Series:
                series = Series()

                def stake(_):
                    with requests.Session() as session:
                        stake_once(session, server.url, betcore, world, series)

                with ThreadPoolExecutor(4) as clients:
                    list(clients.map(stake, range(4)))
                return series

            before = stakes_at_once()
            own_postgres.restart()
            after = stakes_at_once()
            ready = requests.get(f"{server.url}/readyz", timeout=30)
    finally:
        betcore.stop()
    assert not before.failures and len(before.times) == 4
    assert not after.failures, after.failures
    assert ready.status_code == 200, ready.text
    assert "running the request again" in server.log()  # the dead connections were met
