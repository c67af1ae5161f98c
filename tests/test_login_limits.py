"""Failed logins are limited per account and per client address, on the login page and
the gateway together; successful logins never count; the limited page says in words when
to try again, with Retry-After (portal/login_limits.py, portal/errors.py)."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import page_text, submit_form

GATEWAY_PASSWORD = "abc12345"


def log_in(client, identifier="player@example.com", password="secret123", ip="10.0.0.1"):
    return submit_form(
        client,
        "/login",
        {"identifier": identifier, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def gateway_login(client, brand_id, identifier, password, ip="10.0.0.1"):
    return client.post(
        f"/gateway/login/1/{brand_id}/player",
        json={"email": identifier, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


@pytest.fixture
def limited_app(make_app, brand_id):
    """(After the brand's app: Flask-Limiter's switch is the last app's.)"""
    return make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_an_account_is_limited_whatever_the_address(limited_app, make_player):
    make_player()
    first = limited_app.test_client()
    assert [log_in(first, password="wrongpass1").status_code for _ in range(3)] == [401] * 3

    elsewhere = limited_app.test_client()
    # the same account, typed otherwise, from another address: even the right password waits
    assert log_in(elsewhere, " PLAYER@example.com", ip="10.9.9.9").status_code == 429
    # another account from that address is not limited
    assert log_in(elsewhere, "nobody@example.com", "wrongpass1", ip="10.9.9.9").status_code == 401


def test_an_address_is_limited_whatever_the_account(limited_app, make_player):
    make_player()
    client = limited_app.test_client()
    statuses = [log_in(client, f"guess{n}@example.com", "wrongpass1").status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    assert log_in(client).status_code == 429  # a fourth account, the right password: later
    other = limited_app.test_client()
    assert log_in(other, ip="10.0.0.2").status_code == 302


def test_successful_logins_never_count(limited_app, make_player):
    make_player()
    client = limited_app.test_client()
    assert {log_in(client).status_code for _ in range(12)} == {302}
    # the failures still have their whole allowance
    statuses = [log_in(client, password="wrongpass1").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_form_error_is_not_a_success(limited_app):
    client = limited_app.test_client()
    statuses = [log_in(client, "", "").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_the_limited_page_says_when_in_words(make_app, make_player):
    make_player()
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per 10 minutes")
    client = app.test_client()
    for _ in range(2):
        log_in(client, password="wrongpass1")
    limited = log_in(client)
    assert limited.status_code == 429
    assert 590 <= int(limited.headers["Retry-After"]) <= 600
    text = page_text(limited)
    assert "Too many attempts" in text
    assert "Please try again in 10 minutes." in text
    assert "per 10 minute" not in text
    assert "Forgot your password?" in text  # (the way out for a player who forgot it)


def test_seconds_are_said_in_seconds(limited_app, make_player):
    make_player()
    client = limited_app.test_client()
    for _ in range(3):
        log_in(client, password="wrongpass1")
    limited = log_in(client)
    wait = int(limited.headers["Retry-After"])
    assert 1 <= wait <= 60
    said = re.search(r"Please try again in (\d+) seconds?\.", page_text(limited))
    assert said and abs(int(said.group(1)) - wait) <= 1


def test_other_limited_pages_say_when_in_words_too(limited_app):
    client = limited_app.test_client()
    for n in range(3):
        submit_form(client, "/forgot-password", {"email": f"p{n}@example.com"})
    limited = submit_form(client, "/forgot-password", {"email": "p9@example.com"})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert re.search(r"Please try again in \d+ seconds?\.", page_text(limited))
    assert "per 1 minute" not in page_text(limited)


def register_on_gateway(client, brand_id, email="john@example.com"):
    response = client.post(
        f"/gateway/reg-step-one/1/{brand_id}",
        json={"email": email, "password": GATEWAY_PASSWORD, "currency": "EUR", "over18": True},
        environ_base={"REMOTE_ADDR": "10.7.7.7"},
    )
    assert response.status_code == 201, response.json


def test_the_gateway_login_follows_the_same_rule(limited_app, brand_id):
    client = limited_app.test_client()
    register_on_gateway(client, brand_id)
    successes = {
        gateway_login(client, brand_id, "john@example.com", GATEWAY_PASSWORD).status_code
        for _ in range(8)
    }
    assert successes == {303}  # (logged in, step two first)
    failures = [
        gateway_login(client, brand_id, "john@example.com", "wrong123").status_code
        for _ in range(3)
    ]
    assert failures == [401, 401, 401]
    limited = gateway_login(client, brand_id, "JOHN@example.com", GATEWAY_PASSWORD, ip="10.0.0.9")
    assert (limited.status_code, limited.json) == (429, {"errMsg": "too many requests"})
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # per address on the gateway: three unknown accounts from one address
    for n in range(3):
        gateway_login(client, brand_id, f"x{n}@example.com", "wrong123", ip="10.0.0.5")
    fourth = gateway_login(client, brand_id, "y@example.com", "wrong123", ip="10.0.0.5")
    assert fourth.status_code == 429


def test_the_doors_share_the_account_window(limited_app, make_player, brand_id):
    make_player()
    client = limited_app.test_client()
    for _ in range(3):
        gateway_login(client, brand_id, "player@example.com", "wrongpass1", ip="10.0.0.3")
    assert log_in(client, ip="10.0.0.4").status_code == 429


def test_limits_are_off_when_disabled(client, make_player):
    make_player()
    assert {log_in(client, password="wrongpass1").status_code for _ in range(12)} == {401}


def test_simultaneous_guesses_cannot_overrun_the_window(limited_app, make_player, brand_id):
    """Each attempt takes its place before the password is checked (one atomic step), so
    eight guesses at once from eight addresses get three answers, not eight."""
    make_player()
    barrier = threading.Barrier(8)

    def guess(n):
        client = limited_app.test_client()
        barrier.wait()
        ip = f"10.1.0.{n}"
        return gateway_login(client, brand_id, "player@example.com", "wrongpass1", ip=ip)

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(response.status_code for response in pool.map(guess, range(8)))
    assert statuses == [401] * 3 + [429] * 5
