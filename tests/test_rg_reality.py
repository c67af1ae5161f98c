"""The reality check and the session time limit as the pages' script sees them:
GET /responsible-gambling/status (JSON), the JSON acknowledgement, and a session that ends
when it reaches the player's session limit (on a poll or on a page load)."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal.accounts import documents
from portal.accounts.models import Brand, Player, PlayerSession
from portal.casino.models import CasinoToken
from portal.extensions import db
from portal.limits import operations
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.conftest import csrf_token, page_text, submit_form

STATUS = "/responsible-gambling/status"
JSON = {"Accept": "application/json"}


def log_in(client):
    response = submit_form(
        client, "/login", {"identifier": "player@example.com", "password": "secret123"}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def player_id(app, make_player):
    found = make_player()
    with app.app_context():
        player = db.session.get(Player, found)
        wallet.adjust(player, "EUR", "100.00", reason="t", operator="t", external_id="open")
        db.session.commit()
    return found


@pytest.fixture
def logged_in(client, player_id):
    return log_in(client)


def set_reality_check(app, brand_id, minutes):
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = minutes
        db.session.commit()


def set_session_limit(app, player_id, minutes):
    with app.app_context():
        player = db.session.get(Player, player_id)
        operations.set_limit(player, "session", "session", "", minutes)
        db.session.commit()


def web_sessions(app) -> list[PlayerSession]:
    with app.app_context():
        found = db.session.scalars(select(PlayerSession).order_by(PlayerSession.id)).all()
        db.session.expunge_all()
        return found


def status(client, expected=200) -> dict:
    response = client.get(STATUS)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


# --- the reality check ------------------------------------------------------------------


def test_nothing_due_yet(app, logged_in, brand_id):
    set_reality_check(app, brand_id, 30)
    assert status(logged_in) == {
        "logged_in": True,
        "reality_check": None,
        "session_limit": None,
        "next_poll_seconds": 30,  # REALITY_CHECK_POLL_SECONDS: the check is 30 minutes away
    }


def test_the_next_poll_comes_when_the_check_is_due(app, logged_in, brand_id, player_id):
    set_reality_check(app, brand_id, 30)
    with app.app_context():
        session = db.session.scalar(select(PlayerSession))
        session.reality_check_due_at = utcnow() + timedelta(seconds=12)
        db.session.commit()
    assert 11 <= status(logged_in)["next_poll_seconds"] <= 12
    with app.app_context():
        db.session.scalar(select(PlayerSession)).reality_check_due_at = utcnow()
        db.session.commit()
    assert status(logged_in)["reality_check"] is not None


def test_a_due_check_gives_the_session_figures(app, logged_in, brand_id, player_id):
    set_reality_check(app, brand_id, 15)
    with app.app_context():
        session = db.session.scalar(select(PlayerSession))
        session.created_at -= timedelta(minutes=75)
        session.reality_check_due_at = utcnow() - timedelta(seconds=1)
        player = db.session.get(Player, player_id)
        wallet.debit(player, "EUR", "5.00", source="betsy", external_id="s1")
        wallet.credit(player, "EUR", "2.50", source="betsy", external_id="w1")
        db.session.commit()
    answer = status(logged_in)
    assert answer["reality_check"] == {
        "time_played": "1 hour 15 minutes",
        "total_bets": "5.00",
        "total_wins": "2.50",
        "profit": "-2.50",
        "currency": "EUR",
    }
    assert answer["session_limit"] is None


def test_continuing_by_script_answers_the_new_status(app, logged_in, brand_id):
    set_reality_check(app, brand_id, 15)
    with app.app_context():
        db.session.scalar(select(PlayerSession)).reality_check_due_at = utcnow()
        db.session.commit()
    assert status(logged_in)["reality_check"] is not None
    token = csrf_token(logged_in.get("/casino").get_data(as_text=True))
    response = logged_in.post("/reality-check", data={"csrf_token": token}, headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["reality_check"] is None
    assert status(logged_in)["reality_check"] is None
    next_check = web_sessions(app)[0].reality_check_due_at
    assert next_check >= utcnow() + timedelta(minutes=14)  # one interval later
    # without the CSRF token nothing is acknowledged
    with app.app_context():
        db.session.scalar(select(PlayerSession)).reality_check_due_at = utcnow()
        db.session.commit()
    assert logged_in.post("/reality-check", headers=JSON).status_code == 400
    assert status(logged_in)["reality_check"] is not None


def test_visitors_and_ended_sessions_get_401(app, client, player_id):
    assert status(client, 401) == {"logged_in": False}
    log_in(client)
    assert status(client)["logged_in"] is True
    assert submit_form(client, "/logout", {}, page="/").status_code == 302
    assert status(client, 401) == {"logged_in": False}
    assert client.post("/reality-check", headers=JSON).status_code in (400, 401)


def test_the_status_answers_while_other_steps_are_pending(app, logged_in, brand_id):
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        documents.publish(brand, "tnc", language="en", title="New", content="New terms.")
        db.session.commit()
    assert logged_in.get("/wallet").status_code == 302  # pages wait for the new terms
    assert status(logged_in)["logged_in"] is True  # the poll does not


# --- polling writes nothing -------------------------------------------------------------


def test_polling_writes_nothing_and_does_not_keep_the_session_alive(
    app, logged_in, brand_id, player_id, clock
):
    set_reality_check(app, brand_id, 30)
    set_session_limit(app, player_id, 120)
    before = web_sessions(app)[0]
    clock.travel(timedelta(minutes=5))
    writes = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        answer = status(logged_in)
        assert answer["session_limit"]["ended"] is False
        assert writes == []
        assert web_sessions(app)[0].last_seen_at == before.last_seen_at
        logged_in.get("/account")  # a page is the player's doing: it keeps the session alive
        assert writes
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert web_sessions(app)[0].last_seen_at > before.last_seen_at


def test_a_poll_from_a_game_being_played_keeps_the_session_alive(app, logged_in, player_id, clock):
    """The script adds playing=1 while the page with a game frame is visible and focused:
    an hour inside the casino frame is not an hour idle."""
    before = web_sessions(app)[0].last_seen_at
    for _ in range(4):  # 4 x 20 minutes: past SESSION_IDLE_MINUTES (60) in all
        clock.travel(timedelta(minutes=20))
        answer = logged_in.get(STATUS + "?playing=1")
        assert answer.status_code == 200 and answer.get_json()["logged_in"] is True
    assert web_sessions(app)[0].last_seen_at > before
    clock.travel(timedelta(minutes=61))  # polls without playing=1 keep nothing alive
    assert logged_in.get(STATUS).status_code == 401


# --- the session time limit -------------------------------------------------------------


def test_the_session_ends_at_its_limit_and_a_new_login_starts_again(
    app, logged_in, player_id, clock
):
    set_session_limit(app, player_id, 10)
    assert logged_in.get("/casino").status_code == 200  # a casino token for the frame
    opened = web_sessions(app)[0].created_at
    answer = status(logged_in)["session_limit"]
    assert answer == {
        "minutes": 10,
        "shown": "10 minutes",
        "ends_at": (opened + timedelta(minutes=10)).isoformat(timespec="seconds") + "Z",
        "ended": False,
    }
    clock.travel(timedelta(minutes=9, seconds=50))
    assert status(logged_in)["session_limit"]["ended"] is False
    assert status(logged_in)["next_poll_seconds"] == 10  # the limit is 10 s away
    clock.travel(timedelta(seconds=15))

    answer = status(logged_in)
    assert answer["session_limit"]["ended"] is True
    assert answer["reality_check"] is None
    assert all(s.revoked_at is not None for s in web_sessions(app))
    with app.app_context():
        tokens = db.session.scalars(select(CasinoToken)).all()
        assert tokens and all(t.expires_at <= utcnow() for t in tokens)
    response = logged_in.get("/wallet")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert status(logged_in, 401) == {"logged_in": False}

    log_in(logged_in)  # a new session, a new count
    assert status(logged_in)["session_limit"]["ended"] is False
    assert logged_in.get("/wallet").status_code == 200


def test_a_page_load_past_the_limit_ends_the_session(app, logged_in, player_id, clock):
    set_session_limit(app, player_id, 1)
    assert logged_in.get("/sportsbook").status_code == 200
    clock.travel(timedelta(seconds=61))
    response = logged_in.get("/sportsbook")
    assert response.status_code == 302 and response.location == "/login"
    assert all(s.revoked_at is not None for s in web_sessions(app))
    shown = page_text(logged_in.get("/login"))
    assert "Your session time limit of 1 minute is reached. You are logged out." in shown
    response = logged_in.get("/wallet")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_lower_limit_ends_an_older_session_at_once(app, logged_in, player_id, clock):
    set_session_limit(app, player_id, 30)
    clock.travel(timedelta(minutes=20))
    assert status(logged_in)["session_limit"]["ended"] is False
    set_session_limit(app, player_id, 15)  # lower: applies at once
    assert status(logged_in)["session_limit"] == {
        "minutes": 15,
        "shown": "15 minutes",
        "ends_at": (web_sessions(app)[0].created_at + timedelta(minutes=15)).isoformat(
            timespec="seconds"
        )
        + "Z",
        "ended": True,
    }
    assert status(logged_in, 401) == {"logged_in": False}


def test_continuing_past_the_limit_hears_that_the_session_ended(
    app, logged_in, brand_id, player_id, clock
):
    set_reality_check(app, brand_id, 5)
    set_session_limit(app, player_id, 6)
    token = csrf_token(logged_in.get("/casino").get_data(as_text=True))
    clock.travel(timedelta(minutes=7))
    response = logged_in.post("/reality-check", data={"csrf_token": token}, headers=JSON)
    assert response.status_code == 200
    assert response.get_json()["session_limit"]["ended"] is True
    assert all(s.revoked_at is not None for s in web_sessions(app))


def test_the_limit_that_applies_is_the_effective_one(app, ctx, player_id, clock):
    assert operations.session_limit_minutes(player_id) is None
    player = db.session.get(Player, player_id)
    operations.set_limit(player, "session", "session", "", 10)
    operations.set_limit(player, "session", "session", "", 90)  # a raise waits 24 hours
    db.session.commit()
    assert operations.session_limit_minutes(player_id) == 10
    clock.travel(timedelta(hours=24, minutes=1))
    assert operations.session_limit_minutes(player_id) == 90
    operations.set_limit(player, "session", "session", "", None)  # a removal waits too
    db.session.commit()
    assert operations.session_limit_minutes(player_id) == 90
    clock.travel(timedelta(hours=24, minutes=1))
    assert operations.session_limit_minutes(player_id) is None
