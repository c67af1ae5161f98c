"""Session fixation and replay: a login gives a new session cookie and a new server-side
session token, a cookie captured before the login never becomes a logged-in session, and a
logout revokes the session on the server, so replaying its cookie shows a visitor."""

import pytest
from sqlalchemy import select

from portal.accounts.models import PlayerSession
from portal.accounts.sessions import token_hash
from portal.extensions import db
from tests.attack.web_pages import log_in
from tests.conftest import submit_form

COOKIE = "session"


@pytest.fixture
def player(make_player, brand_id):
    make_player(email="victim@example.com", login_name="victim")
    return ("victim", "secret123")


def cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def session_token(app, value: str) -> str | None:
    """The server-side session token a session cookie carries (Flask-Login's user id)."""
    data = app.session_interface.get_signing_serializer(app).loads(value)
    return data.get("_user_id")


def is_logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200 and "victim" in response.get_data(as_text=True)


def replay(app, value: str):
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def test_login_gives_a_new_cookie_and_a_new_server_session(app, player):
    client = app.test_client()
    client.get("/login")
    before = cookie(client)
    assert before and session_token(app, before) is None  # a visitor's (CSRF) session
    log_in(client, *player)
    first = cookie(client)
    assert first != before
    token = session_token(app, first)
    with app.app_context():
        stored = db.session.scalar(
            select(PlayerSession).where(PlayerSession.token_hash == token_hash(token))
        )
        assert stored is not None and stored.revoked_at is None and stored.channel == "web"

    log_in(client, *player)  # logging in again, already logged in: another new session
    second = cookie(client)
    assert second != first and session_token(app, second) != token


def test_a_cookie_planted_before_login_stays_a_visitor(app, player):
    attacker = app.test_client()
    attacker.get("/login")
    planted = cookie(attacker)
    victim = replay(app, planted)  # the attacker's cookie, set in the victim's browser
    response = submit_form(victim, "/login", {"identifier": player[0], "password": player[1]})
    assert response.status_code == 302
    assert cookie(victim) != planted and is_logged_in(victim)
    assert not is_logged_in(replay(app, planted))
    assert not is_logged_in(attacker)


def test_logout_revokes_the_session_on_the_server(app, player):
    client = log_in(app.test_client(), *player)
    captured = cookie(client)
    token = session_token(app, captured)
    assert is_logged_in(replay(app, captured))  # the cookie alone is the session
    response = submit_form(client, "/logout", {}, page="/account")
    assert response.status_code == 302 and not is_logged_in(client)
    with app.app_context():
        stored = db.session.scalar(
            select(PlayerSession).where(PlayerSession.token_hash == token_hash(token))
        )
        assert stored.revoked_at is not None
    stolen = replay(app, captured)
    assert not is_logged_in(stolen)
    home = stolen.get("/")
    assert "Log in" in home.get_data(as_text=True) and "victim" not in home.get_data(as_text=True)
    assert stolen.get("/wallet").status_code == 302  # to the login page
