"""Player pages, posted like a browser: the form page first, then the form with its CSRF token."""

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginEvent, Player, PlayerSession
from portal.extensions import db
from tests.conftest import page_text, submit_form

REGISTRATION = {
    "email": "new@example.com",
    "login_name": "newbie",
    "password": "goal2024x",
    "currency": "USD",
    "over18": "y",
    "accept_terms": "y",
}


def log_in(client, identifier="player@example.com", password="secret123", url="/login"):
    return submit_form(client, url, {"identifier": identifier, "password": password}, page="/login")


STEP_TWO = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1990-04-01", "country": "GB"}


def test_register_creates_player_and_logs_in(app, client, brand_id):
    response = submit_form(client, "/register", REGISTRATION)
    assert response.status_code == 302
    home = client.get("/")
    assert (home.status_code, home.headers["Location"]) == (302, "/register/details")
    assert submit_form(client, "/register/details", STEP_TWO).status_code == 302
    assert "Hello, newbie" in page_text(client.get("/"))
    with app.app_context():
        player = db.session.scalar(select(Player))
        assert (player.email, player.currency, player.login_name) == (
            "new@example.com",
            "USD",
            "newbie",
        )


def test_register_shows_every_rule_broken_as_text(client, brand_id, make_player):
    make_player(email="taken@example.com")
    data = {**REGISTRATION, "email": "TAKEN@example.com", "password": "aaaa"}
    response = submit_form(client, "/register", data)
    assert response.status_code == 422
    text = page_text(response)
    assert "This email address is already registered." not in text  # password checked first
    assert "The password must have at least 8 characters." in text
    assert "The password must contain both letters and digits." in text
    assert "password_short" not in text  # texts, not raw codes
    response = submit_form(client, "/register", {**REGISTRATION, "email": "TAKEN@example.com"})
    assert "This email address is already registered." in page_text(response)


def test_register_requires_over_18_and_terms(client, brand_id):
    data = {k: v for k, v in REGISTRATION.items() if k not in ("over18", "accept_terms")}
    response = submit_form(client, "/register", data)
    assert response.status_code == 422
    text = page_text(response)
    assert "You must confirm that you are over 18." in text
    assert "Please accept the terms and conditions." in text


def test_post_without_csrf_token_is_refused(app, client, brand_id):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 400
    assert "The form has expired or did not come from this site." in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(Player)) is None


def test_login_and_logout(app, client, make_player):
    make_player()
    assert log_in(client).status_code == 302
    assert "player@example.com" in page_text(client.get("/"))
    response = submit_form(client, "/logout", {}, page="/")
    assert response.status_code == 302
    assert "Log in" in page_text(client.get("/"))
    with app.app_context():
        session = db.session.scalar(select(PlayerSession))
        assert session.revoked_at is not None


def test_logout_revokes_the_session_on_the_server(client, make_player):
    """A copy of the cookie taken before logout no longer works afterwards."""
    make_player()
    log_in(client)
    stolen = client.get_cookie("session").value
    submit_form(client, "/logout", {}, page="/")
    client.set_cookie("session", stolen)
    assert "player@example.com" not in page_text(client.get("/"))


def test_login_starts_a_new_session(app, client, make_player):
    make_player()
    client.get("/login")
    before = client.get_cookie("session").value
    log_in(client)
    log_in(client)
    assert client.get_cookie("session").value != before
    with app.app_context():
        assert len(db.session.scalars(select(PlayerSession)).all()) == 2


@pytest.mark.parametrize("identifier", ["nobody@example.com", "player@example.com"])
def test_bad_credentials_get_one_generic_answer(app, client, make_player, identifier):
    make_player()
    response = log_in(client, identifier, "wrongpass1")
    assert response.status_code == 401
    assert "Wrong login name, email or password." in page_text(response)
    with app.app_context():
        event = db.session.scalar(select(LoginEvent))
        assert (event.success, event.reason, event.channel) == (False, "bad_credentials", "web")


def test_login_by_login_name_any_case(client, make_player):
    make_player(login_name="Lucky_7")
    assert log_in(client, "lucky_7").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/?tab=1", "/?tab=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_redirects_only_to_local_paths(client, make_player, target, expected):
    make_player()
    response = log_in(client, url=f"/login?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_blocked_player_cannot_log_in(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        db.session.get(Player, player_id).status = "blocked"
        db.session.commit()
    response = log_in(client)
    assert "This account is blocked" in page_text(response)


def test_login_attempts_are_rate_limited(make_app, make_player):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    make_player()
    statuses = [log_in(client, password="wrongpass1").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "Too many attempts" in page_text(log_in(client))


def test_unknown_page_is_an_html_404(client, brand_id):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_nul_characters_in_a_form_are_refused(app, client, make_player):
    make_player()
    response = log_in(client, "player\x00@example.com")
    assert response.status_code == 400
    assert "NUL characters are not accepted." in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(LoginEvent)) is None
