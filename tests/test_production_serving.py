"""The portal as production serves it: gunicorn with several worker processes. What only
shows across processes and behind gunicorn's own HTTP parser is tested here.

- The login rate limit is one limit for the whole site when RATELIMIT_STORAGE_URI names a
  Redis; with `memory://` every worker counts on its own (shown, as the control).
- A BETCORE JWT over gunicorn's default 8 KB header limit still gets BETCORE's envelope.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.harness.appserver import Gunicorn, portal_environment

WORKERS = 4
ATTEMPTS = 60
LIMIT = 10


def login_attempts(url: str, brand_id: int) -> list[int]:
    """ATTEMPTS login requests from one client IP, 12 at a time, each on a new connection
    (so gunicorn hands them to different workers). Their bodies are not JSON, so each is
    answered 400 at once instead of spending an Argon2 hash: the limit counts requests."""
    barrier = threading.Barrier(12)

    def attempt(n):
        if n < 12:
            barrier.wait()
        response = requests.post(
            f"{url}/gateway/login/1/{brand_id}/player",
            data=f"attempt {n}",
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
    shows that the attempts above really reached several processes."""
    env = portal_environment(
        database_url, RATELIMIT_STORAGE_URI="memory://", LOGIN_RATE_LIMIT=f"{LIMIT} per minute"
    )
    with Gunicorn(env, workers=WORKERS) as server:
        statuses = login_attempts(server.url, brand_id)
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
