"""The back office's door: password + TOTP (enrolment with QR code and recovery codes on
the first login), roles, separation from player sessions, idle expiry, rate limit, CSRF."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.accounts.models import AdminUser
from portal.admin import users
from portal.extensions import db
from tests.admin_helpers import PASSWORD, audit_entries, code_for, log_in, make_admin
from tests.conftest import csrf_token, page_text


def _password_step(client, email, password=PASSWORD):
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post(
        "/admin/login", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )


def test_anonymous_visitors_are_sent_to_the_admin_login(app, client):
    answer = client.get("/admin/audit?actor=x")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/login?next=")
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login").status_code == 200


def test_an_enrolled_admin_logs_in_with_password_and_code(app, client):
    admin_id = log_in(app, client, "admin")
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "admin@example.com" in page_text(home)
    [entry] = audit_entries(app, "admin.login")
    assert entry["actor"] == "admin@example.com" and entry["target_id"] == str(admin_id)


def test_a_wrong_password_or_code_opens_nothing(app, client):
    admin_id = make_admin(app)
    assert _password_step(client, "admin@example.com", "wrong-password").status_code == 401
    assert client.get("/admin/").status_code == 302
    assert _password_step(client, "admin@example.com").status_code == 302
    assert client.get("/admin/").status_code == 302  # half-open: the code is still missing
    page = client.get("/admin/login/second-factor").get_data(as_text=True)
    answer = client.post(
        "/admin/login/second-factor", data={"csrf_token": csrf_token(page), "code": "000000"}
    )
    assert answer.status_code == 401
    assert client.get("/admin/").status_code == 302
    code = code_for(app, admin_id)
    page = client.get("/admin/login/second-factor").get_data(as_text=True)
    ok = client.post(
        "/admin/login/second-factor", data={"csrf_token": csrf_token(page), "code": code}
    )
    assert ok.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_is_accepted_once(app):
    make_admin(app)
    with app.app_context():
        admin = db.session.scalar(select(AdminUser))
        code = pyotp.TOTP(admin.totp_secret).now()
        assert users.check_code(admin, code) == "totp"
        with pytest.raises(users.SecondFactorRefused):
            users.check_code(admin, code)


def test_first_login_enrols_with_a_qr_code_and_gives_recovery_codes(app, client):
    admin_id = make_admin(app, "support", enrolled=False)
    answer = _password_step(client, "support@example.com")
    assert "/admin/login/enrol" in answer.headers["Location"]
    page = client.get("/admin/login/enrol").get_data(as_text=True)
    assert "<svg" in page and 'data-testid="totp-qr"' in page
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    with app.app_context():
        assert db.session.get(AdminUser, admin_id).totp_secret == secret
    wrong = client.post("/admin/login/enrol", data={"csrf_token": csrf_token(page), "code": "1"})
    assert wrong.status_code == 401
    done = client.post(
        "/admin/login/enrol",
        data={"csrf_token": csrf_token(page), "code": pyotp.TOTP(secret).now()},
    )
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200
    # a recovery code logs in once
    other = app.test_client()
    _password_step(other, "support@example.com")
    page = other.get("/admin/login/second-factor").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": codes[0]}
    assert other.post("/admin/login/second-factor", data=data).status_code == 302
    third = app.test_client()
    _password_step(third, "support@example.com")
    page = third.get("/admin/login/second-factor").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": codes[0]}
    assert third.post("/admin/login/second-factor", data=data).status_code == 401


def test_a_player_session_opens_no_admin_page_and_an_admin_none_of_the_players(
    app, client, make_player
):
    make_player(email="player@example.com", password="secret123")
    page = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"csrf_token": csrf_token(page), "identifier": "player@example.com",
              "password": "secret123"},
    )  # fmt: skip
    assert client.get("/account").status_code == 200  # the player is logged in
    assert client.get("/admin/").status_code == 302
    admin_client = app.test_client()
    log_in(app, admin_client)
    assert admin_client.get("/account").status_code == 302  # no player session


def test_a_disabled_admin_loses_the_session_and_cannot_log_in(app, client):
    admin_id = log_in(app, client, "finance")
    with app.app_context():
        users.set_active(db.session.get(AdminUser, admin_id), False)
        db.session.commit()
    assert client.get("/admin/").status_code == 302
    assert _password_step(app.test_client(), "finance@example.com").status_code == 401


def test_an_idle_admin_session_expires(app, client, clock):
    log_in(app, client)
    clock.travel(timedelta(minutes=app.config["ADMIN_IDLE_MINUTES"] - 1))
    assert client.get("/admin/").status_code == 200  # a request keeps it alive
    clock.travel(timedelta(minutes=app.config["ADMIN_IDLE_MINUTES"] + 1))
    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_session_and_is_audited(app, client):
    log_in(app, client)
    page = client.get("/admin/").get_data(as_text=True)
    answer = client.post("/admin/logout", data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 302
    assert client.get("/admin/").status_code == 302
    assert audit_entries(app, "admin.logout")


def test_posts_without_csrf_are_refused(app, client):
    make_admin(app)
    answer = client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert answer.status_code == 400
    log_in(app, client)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200  # still logged in


def test_the_password_step_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    make_admin(app)
    answers = [_password_step(client, "admin@example.com", "wrong").status_code for _ in range(4)]
    assert answers[:3] == [401, 401, 401] and answers[3] == 429


def test_roles_and_totp_secrets_are_checked_on_creation(app):
    from portal.accounts.errors import ValidationFailed

    with app.app_context():
        with pytest.raises(ValidationFailed) as failed:
            users.create("x@example.com", PASSWORD, "boss", "not base32!")
        assert {e.field for e in failed.value.errors} == {"role", "totp_secret"}


def test_paging_links_keep_any_query_argument(app, client):
    log_in(app, client)
    answer = client.get("/admin/audit?endpoint=x&_external=1&sort=action")
    assert answer.status_code == 200
    assert "endpoint=x" in answer.get_data(as_text=True)


def test_one_half_open_session_may_try_five_codes(make_app):
    """Codes are limited per half-open session as well as per client address."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="100 per minute")
    client = app.test_client()
    make_admin(app)
    _password_step(client, "admin@example.com")
    page = client.get("/admin/login/second-factor").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": "000000"}
    answers = [client.post("/admin/login/second-factor", data=data).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    other = app.test_client()  # another password login: a new session, new attempts
    _password_step(other, "admin@example.com")
    page = other.get("/admin/login/second-factor").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": "000000"}
    assert other.post("/admin/login/second-factor", data=data).status_code == 401


def test_one_code_sent_twice_at_the_same_moment_logs_in_once(app):
    """Each TOTP step is taken by one statement: of two simultaneous uses, one wins."""
    import threading

    admin_id = make_admin(app)
    code = code_for(app, admin_id)
    barrier, results = threading.Barrier(2), []

    def use():
        with app.app_context():
            postgres = db.engine.dialect.name == "postgresql"
            if not postgres:  # SQLite's transactions take turns (portal.database)
                barrier.wait(10)
            admin = db.session.get(AdminUser, admin_id)
            if postgres:  # both have read the admin before either takes the step
                barrier.wait(10)
            try:
                results.append(users.check_code(admin, code))
                db.session.commit()
            except users.SecondFactorRefused:
                results.append("refused")
                db.session.rollback()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["refused", "totp"]


def test_an_admin_gets_ten_wrong_codes_an_hour_from_anywhere(make_app):
    """New sessions (and addresses) do not buy more guesses: the eleventh wrong code for
    one admin is refused before it is checked, and every wrong one is audited."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1000 per minute")
    admin_id = make_admin(app)
    answers = []
    for attempt in range(11):
        client = app.test_client()
        _password_step(client, "admin@example.com")
        page = client.get("/admin/login/second-factor").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "code": f"{attempt:06d}"}
        answers.append(client.post("/admin/login/second-factor", data=data).status_code)
    assert answers == [401] * 10 + [429]
    assert len(audit_entries(app, "admin.login_code_refused")) == 10
    client = app.test_client()  # the right code is refused too until the hour is over
    _password_step(client, "admin@example.com")
    page = client.get("/admin/login/second-factor").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "code": code_for(app, admin_id)}
    assert client.post("/admin/login/second-factor", data=data).status_code == 429


def test_new_recovery_codes_need_a_current_code(app, client):
    admin_id = log_in(app, client, "support")
    page = client.get("/admin/account")
    assert page.status_code == 200 and "Recovery codes left" in page_text(page)
    token = csrf_token(page.get_data(as_text=True))
    refused = client.post("/admin/account/recovery-codes", data={"csrf_token": token})
    assert refused.status_code == 302 and not audit_entries(app, "admin.recovery_codes_renewed")
    data = {"csrf_token": token, "code": code_for(app, admin_id)}
    made = client.post("/admin/account/recovery-codes", data=data)
    assert (
        len(re.findall(r"<code>[0-9a-f]{8}-[0-9a-f]{8}</code>", made.get_data(as_text=True))) == 10
    )
    [entry] = audit_entries(app, "admin.recovery_codes_renewed")
    assert entry["target_id"] == str(admin_id)
