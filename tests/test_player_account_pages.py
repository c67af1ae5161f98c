"""Account pages of seed 002, posted like a browser (form page first, then its CSRF token)."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import messages
from portal.accounts import documents
from portal.accounts.models import (
    Brand,
    EmailToken,
    OutboundMail,
    Player,
    PlayerChange,
    PlayerSession,
)
from portal.extensions import db
from portal.player.passwords import broken_rule
from portal.timeutil import utcnow
from tests.conftest import page_text, submit_form

PASSWORD = "secret123"


def log_in(client, identifier="player@example.com", password=PASSWORD):
    return submit_form(client, "/login", {"identifier": identifier, "password": password})


def last_link(app, recipient: str, path: str) -> str:
    """The path and query of the newest link to `path` mailed to `recipient`."""
    with app.app_context():
        bodies = db.session.scalars(
            select(OutboundMail.body)
            .where(OutboundMail.recipient == recipient)
            .order_by(OutboundMail.id.desc())
        ).all()
    for body in bodies:
        found = re.search(r"http://portal\.test(" + re.escape(path) + r"\?\S+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no {path} link mailed to {recipient}")


def publish(app, brand_id, doc_type="tnc", title="Terms"):
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        documents.publish(brand, doc_type, language="en", title=title, content="Be nice.")
        db.session.commit()


def player(app, player_id=1) -> Player:
    with app.app_context():
        found = db.session.get(Player, player_id)
        db.session.expunge(found)
        return found


@pytest.fixture
def logged_in(client, make_player):
    make_player()
    assert log_in(client).status_code == 302
    return client


# --- details ----------------------------------------------------------------------------


def test_details_are_saved_with_history(app, logged_in):
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "birthdate": "1990-04-01",
        "gender": "F",
        "country": "GB",
        "city": "Leeds",
        "language": "en",
        "opt_out_sms": "y",
    }
    assert submit_form(logged_in, "/account", data).status_code == 302
    saved = player(app)
    assert (saved.city, saved.country, saved.opt_out_sms, saved.opt_out_email) == (
        "Leeds",
        "GB",
        True,
        False,
    )
    assert "Leeds" in logged_in.get("/account").get_data(as_text=True)
    with app.app_context():
        fields = set(db.session.scalars(select(PlayerChange.field)))
    assert {"city", "country", "opt_out_sms"} <= fields


@pytest.mark.parametrize(
    ("page_field", "value", "api_field", "code"),
    [("birthdate", "2015-01-01", "birthdate", "underage"),
     ("birthdate", "01.04.1990", "birthdate", "birthdate_invalid"),
     ("birthdate", "2015-02-30", "birthdate", "birthdate_not_exist"),
     ("birthdate", "1899-01-01", "birthdate", "birthdate_out_of_range"),
     ("birthdate", "2999-01-01", "birthdate", "birthdate_out_of_range"),
     ("phone", "call me", "phone", "phone_invalid"),
     ("first_name", "J0hn!", "firstName", "first_name_invalid"),
     ("last_name", "Lee <3", "lastName", "last_name_invalid"),
     ("zip_code", "<svg/", "zipPostalCode", "zip_code_invalid"),
     ("city", "x" * 100 + "y", "city", "city_invalid")],
)  # fmt: skip
def test_details_page_and_api_give_the_same_verdict(
    app, client, make_player, page_field, value, api_field, code
):
    make_player()
    log_in(client)
    page = submit_form(client, "/account", {page_field: value, "language": "en"})
    token = app.test_client().post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": PASSWORD}
    )
    api = app.test_client().put(
        "/gateway/player-personal-details/player/details/1/1",
        json={api_field: value},
        headers={"x-auth-token": token.json["auth_token"]},
    )
    assert api.status_code == 400
    assert [e["errorCode"] for e in api.json["result"]] == [code]
    assert page.status_code == 422
    assert messages.text(code) in page_text(page)


@pytest.mark.parametrize(
    ("first", "last", "zip_code"),
    [("Zoë", "O'Brien-Łukasz", "SW1A 1AA"),
     ("小龙", "李", "10115"),
     ("José María", "D’Arcy", "1010-a")],
)  # fmt: skip
def test_names_in_any_script_and_postal_codes_are_accepted(
    app, client, make_player, first, last, zip_code
):
    make_player()
    log_in(client)
    details = {"first_name": first, "last_name": last, "zip_code": zip_code, "language": "en"}
    assert submit_form(client, "/account", details).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert first in page and zip_code in page


def test_an_impossible_date_is_called_so(client, make_player):
    make_player()
    log_in(client)
    page = submit_form(client, "/account", {"birthdate": "2015-02-30", "language": "en"})
    assert page.status_code == 422
    assert "This date does not exist." in page_text(page)
    assert "YYYY-MM-DD" not in page_text(page).replace("Date of birth (YYYY-MM-DD)", "")


@pytest.mark.parametrize("born", ["1899-01-01", "TOMORROW"])
def test_a_date_of_birth_too_old_or_to_come_is_called_so(app, client, make_player, born):
    """The date has the asked-for shape: the text says what is wrong, not the format."""
    make_player()
    log_in(client)
    if born == "TOMORROW":
        born = (utcnow().date() + timedelta(days=1)).isoformat()
    page = submit_form(client, "/account", {"birthdate": born, "language": "en"})
    assert page.status_code == 422
    shown = page_text(page)
    assert "Please enter a real date of birth: from 1900 on, not in the future." in shown
    assert "YYYY-MM-DD" not in shown.replace("Date of birth (YYYY-MM-DD)", "")

    token = app.test_client().post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": PASSWORD}
    )
    api = app.test_client().put(
        "/gateway/player-personal-details/player/details/1/1",
        json={"birthdate": born},
        headers={"x-auth-token": token.json["auth_token"]},
    )
    assert api.status_code == 400
    assert api.json["result"] == [{"field": "birthdate", "errorCode": "birthdate_out_of_range"}]
    text = "/gateway/site-management/1/content/message/format/birthdate_out_of_range"
    assert app.test_client().get(text, query_string={"language": "de"}).json["content"] == (
        "Bitte geben Sie ein echtes Geburtsdatum ein: ab 1900 und nicht in der Zukunft."
    )


# --- registration step two and gating --------------------------------------------------


def test_incomplete_registration_is_sent_to_step_two(app, client, make_player):
    make_player(complete=False)
    log_in(client)
    for path, step in (
        ("/", "/register/details"),
        ("/account", "/register/details?next=/account"),
        ("/account/password", "/register/details?next=/account/password"),
    ):
        response = client.get(path)
        assert (response.status_code, response.headers["Location"]) == (302, step)
    response = submit_form(client, "/register/details", {"first_name": "Ann"})
    text = page_text(response)
    assert response.status_code == 422
    for code in ("last_name_required", "birthdate_required", "country_required"):
        assert messages.text(code) in text
    data = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1990-04-01", "country": "IE"}
    assert submit_form(client, "/register/details", data).status_code == 302
    assert client.get("/").status_code == 200
    assert player(app).registration_completed_at is not None


def test_new_terms_send_the_player_to_the_terms_page(app, logged_in, brand_id):
    publish(app, brand_id, "tnc", "Terms v1")
    publish(app, brand_id, "privacy", "Privacy v1")
    response = logged_in.get("/")
    assert response.headers["Location"] == "/terms"
    page = page_text(logged_in.get("/terms"))
    assert "Terms v1" in page and "Privacy v1" in page
    refused = submit_form(logged_in, "/terms", {})
    assert "Please tick the box to accept." in page_text(refused)
    assert submit_form(logged_in, "/terms", {"accept": "y"}).status_code == 302
    assert logged_in.get("/").status_code == 200


def test_temporary_password_forces_a_change(app, logged_in, runner):
    result = app.test_cli_runner().invoke(
        args=["players", "temporary-password", "1", "--password", "temp9876"]
    )
    assert result.exit_code == 0, result.output
    assert logged_in.get("/account").headers["Location"].startswith("/login")  # session ended
    client = app.test_client()
    log_in(client, password="temp9876")
    assert client.get("/").headers["Location"] == "/account/password"
    data = {"old_password": "temp9876", "new_password": "fresh4567"}
    assert submit_form(client, "/account/password", data).status_code == 302
    assert client.get("/").status_code == 200


# --- passwords --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "codes"),
    [("wrong-pass1", "fresh4567", ["wrong_old_password"]),
     (PASSWORD, "aaaa", ["password_short", "password_same_letters", "password_mix_characters"]),
     (PASSWORD, "player@example.com", ["password_long", "password_match_user_name",
                                       "password_mix_characters"])],
)  # fmt: skip
def test_change_password_page_and_api_give_the_same_verdict(
    app, client, make_player, old, new, codes
):
    make_player()
    log_in(client)
    page = submit_form(client, "/account/password", {"old_password": old, "new_password": new})
    token = app.test_client().post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": PASSWORD}
    )
    api = app.test_client().post(
        "/gateway/admission/1/player/1/change/password",
        json={"old_password": old, "new_password": new},
        headers={"x-auth-token": token.json["auth_token"]},
    )
    assert api.status_code == 422
    assert [e["errorCode"] for e in api.json["result"]] == codes
    assert page.status_code == 422
    with app.test_request_context():  # (a page says a broken rule in a sentence of its own)
        texts = [broken_rule(code, 15) or messages.text(code) for code in codes]
    for shown in texts:
        assert page_text(page).count(shown) == 1


def test_change_password_ends_other_sessions_and_sends_a_notice(app, make_player):
    make_player()
    first, second = app.test_client(), app.test_client()
    log_in(first)
    log_in(second)
    data = {"old_password": PASSWORD, "new_password": "fresh4567"}
    assert submit_form(first, "/account/password", data).status_code == 302
    assert "player@example.com" in page_text(first.get("/account"))
    assert second.get("/account").headers["Location"].startswith("/login")  # logged out
    with app.app_context():
        subjects = db.session.scalars(select(OutboundMail.subject)).all()
    assert "Your password was changed" in subjects


def test_forgot_password_gives_one_answer_and_mails_only_players(app, client, make_player):
    make_player()
    for email in ("nobody@example.com", "player@example.com"):
        response = submit_form(client, "/forgot-password", {"email": email})
        assert response.status_code == 302
        assert messages.text("forgot_email_sent") in page_text(client.get("/login"))
    with app.app_context():
        recipients = db.session.scalars(
            select(OutboundMail.recipient).where(OutboundMail.subject == "Reset your password")
        ).all()
    assert recipients == ["player@example.com"]


def test_reset_link_sets_a_new_password_once(app, client, make_player):
    make_player()
    stale = app.test_client()
    log_in(stale)
    submit_form(client, "/forgot-password", {"email": "player@example.com"})
    link = last_link(app, "player@example.com", "/reset-password")
    weak = submit_form(client, link, {"new_password": "short"})
    assert weak.status_code == 422
    assert "The password must have at least 8 characters." in page_text(weak)
    done = submit_form(client, link, {"new_password": "fresh4567"})
    assert done.status_code == 302
    assert client.get("/").status_code == 200  # logged in by the reset
    assert stale.get("/account").headers["Location"].startswith("/login")  # sessions ended
    again = app.test_client().get(link)  # a used link says so as soon as it is opened
    assert again.status_code == 400
    assert messages.text("general_failure") in page_text(again)
    assert log_in(app.test_client(), password="fresh4567").status_code == 302


def test_expired_reset_link_fails(app, client, make_player):
    make_player()
    submit_form(client, "/forgot-password", {"email": "player@example.com"})
    link = last_link(app, "player@example.com", "/reset-password")
    with app.app_context():
        token = db.session.scalar(select(EmailToken).where(EmailToken.purpose == "reset"))
        token.expires_at -= timedelta(minutes=31)
        db.session.commit()
    assert client.get(link).status_code == 400


# --- email ------------------------------------------------------------------------------


def test_activation_link_is_used_only_by_pressing_the_button(app, client, brand_id):
    submit_form(
        client,
        "/register",
        {
            "email": "new@example.com",
            "password": "goal2024x",
            "currency": "EUR",
            "over18": "y",
            "accept_terms": "y",
        },
    )
    link = last_link(app, "new@example.com", "/verify-email")
    app.test_client().get(link)  # a mail scanner prefetching the link changes nothing
    assert player(app).email_verified_at is None
    assert submit_form(app.test_client(), link, {}).status_code == 200
    assert player(app).email_verified_at is not None
    assert submit_form(app.test_client(), link, {}).status_code == 400  # single use


def test_email_change_confirmed_from_the_new_address(app, logged_in):
    assert submit_form(logged_in, "/account/email", {"email": "new@example.com"}).status_code == 302
    assert player(app).pending_email == "new@example.com"
    assert "new@example.com" in page_text(logged_in.get("/account"))
    link = last_link(app, "new@example.com", "/confirm-email")
    assert submit_form(app.test_client(), link, {}).status_code == 200
    changed = player(app)
    assert (changed.email, changed.pending_email) == ("new@example.com", None)
    assert log_in(app.test_client(), "new@example.com").status_code == 302


def test_email_change_cancelled_from_the_old_address(app, logged_in):
    submit_form(logged_in, "/account/email", {"email": "new@example.com"})
    cancel = last_link(app, "player@example.com", "/cancel-email-change")
    confirm = last_link(app, "new@example.com", "/confirm-email")
    assert submit_form(app.test_client(), cancel, {}).status_code == 200
    assert player(app).pending_email is None
    assert submit_form(app.test_client(), confirm, {}).status_code == 400  # retired


def test_email_change_rules_are_the_cores(app, logged_in, make_player):
    make_player(email="taken@example.com")
    for email, code in [
        ("", "email_required"),
        ("nope", "email_syntax_error"),
        ("x@mailinator.com", "email_fraud"),
        ("TAKEN@example.com", "email_already_exists"),
    ]:
        response = submit_form(logged_in, "/account/email", {"email": email})
        assert response.status_code == 422, email
        assert messages.text(code) in page_text(response), email


# --- reality check ----------------------------------------------------------------------


def test_reality_check_dialog_until_acknowledged(app, logged_in, brand_id):
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = 15
        session = db.session.scalar(select(PlayerSession))
        session.created_at -= timedelta(minutes=75)
        session.reality_check_due_at = session.created_at + timedelta(minutes=15)
        db.session.commit()
    response = logged_in.get("/account")
    page = page_text(response)
    assert "Reality check" in page and "1 hour 15 minutes" in page
    assert reality_check_open(response)
    response = submit_form(logged_in, "/reality-check", {"next": "/account"}, page="/account")
    assert response.headers["Location"] == "/account"
    response = logged_in.get("/account")
    assert not reality_check_open(response)  # (its markup stays, closed, for the page's script)
    assert "1 hour 15 minutes" not in page_text(response)


def reality_check_open(response) -> bool:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.find("dialog", id="reality-check").has_attr("open")
