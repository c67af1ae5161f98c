"""The pages say each broken password rule once, in a sentence of its own; the password
change says what is wrong with the new password together with a wrong current one; the
pages that ask for a new password state the rules first (portal/player/passwords.py).
The gateway keeps seed 002's codes."""

import pytest
from bs4 import BeautifulSoup

from portal import messages
from tests.conftest import page_text, submit_form

REGISTRATION = {"email": "new@example.com", "currency": "EUR", "over18": "y", "accept_terms": "y"}
SHORT = "The password must have at least 8 characters."
LONG = "The password can have at most 15 characters."
DIFFERENT = "The password must contain at least 4 different characters."
MIX = "The password must contain both letters and digits."
NOT_NAME = "The password must not be your email address or login name."
STATED = ["8 to 15 characters", "letters and digits", "at least 4 different characters"]


def field_errors(response, field_id: str) -> list[str]:
    """The error texts linked to a field by its aria-describedby."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    control = soup.find(id=field_id)
    texts = []
    for linked in (control.get("aria-describedby") or "").split():
        if linked.endswith("-errors"):
            texts += [p.get_text(strip=True) for p in soup.find(id=linked).find_all("p")]
    return texts


def log_in(client):
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("aaaa", [SHORT, DIFFERENT, MIX]),
        ("abcdefgh", [MIX]),
        ("a1a1a1a1", [DIFFERENT]),
        ("abc1234567890xyz", [LONG]),
        ("new@example.com", [NOT_NAME, MIX]),
    ],
)
def test_registration_names_each_broken_rule_once(client, brand_id, password, broken):
    response = submit_form(client, "/register", {**REGISTRATION, "password": password})
    assert response.status_code == 422
    shown = field_errors(response, "password")
    assert len(shown) == len(set(shown))
    assert set(broken) <= set(shown)
    text = page_text(response)
    for sentence in shown:
        assert text.count(sentence) == 1
    assert messages.text("password_short") not in text  # (the seed's text lists every rule)
    assert "password_" not in text


def test_a_password_equal_to_the_name_says_so(client, brand_id):
    data = {**REGISTRATION, "login_name": "surfer77", "password": "surfer77"}
    assert field_errors(submit_form(client, "/register", data), "password") == [NOT_NAME]


def test_the_password_change_shows_both_errors(app, client, make_player):
    make_player()
    log_in(client)
    data = {"old_password": "wrong-pass1", "new_password": "aaaa"}
    response = submit_form(client, "/account/password", data)
    assert response.status_code == 422
    assert field_errors(response, "old_password") == [messages.text("wrong_old_password")]
    assert field_errors(response, "new_password") == [SHORT, DIFFERENT, MIX]


def test_the_gateway_still_answers_only_the_wrong_old_password(app, client, make_player):
    make_player()
    token = client.post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": "secret123"}
    ).json["auth_token"]
    api = client.post(
        "/gateway/admission/1/player/1/change/password",
        json={"old_password": "wrong-pass1", "new_password": "aaaa"},
        headers={"x-auth-token": token},
    )
    assert api.status_code == 422
    assert [e["errorCode"] for e in api.json["result"]] == ["wrong_old_password"]


def test_a_good_new_password_with_a_wrong_current_one(client, make_player):
    make_player()
    log_in(client)
    data = {"old_password": "wrong-pass1", "new_password": "fresh4567"}
    response = submit_form(client, "/account/password", data)
    assert field_errors(response, "old_password") == [messages.text("wrong_old_password")]
    assert field_errors(response, "new_password") == []


def stated_rules(response, field_id: str) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    hint = soup.find(id=f"{field_id}-hint")
    assert hint is not None and f"{field_id}-hint" in soup.find(id=field_id)["aria-describedby"]
    return [li.get_text(strip=True) for li in hint.find_all("li")]


def test_the_reset_page_states_the_rules(app, client, make_player):
    from tests.test_player_account_pages import last_link

    make_player()
    submit_form(client, "/forgot-password", {"email": "player@example.com"})
    link = last_link(app, "player@example.com", "/reset-password")
    page = client.get(link)
    assert stated_rules(page, "new_password")[:3] == STATED
    weak = submit_form(client, link, {"new_password": "abc"})
    assert field_errors(weak, "new_password") == [SHORT, DIFFERENT, MIX]
    assert stated_rules(weak, "new_password")[:3] == STATED  # still there after an error


def test_registration_and_change_state_the_rules(client, make_player):
    assert stated_rules(client.get("/register"), "password")[:3] == STATED
    make_player()
    log_in(client)
    assert stated_rules(client.get("/account/password"), "new_password")[:3] == STATED


def test_the_brand_maximum_is_the_one_said(make_app, make_brand):
    brand = make_brand(name="Long", password_max_length=20)
    app = make_app(SITE_BRAND_ID=brand)
    client = app.test_client()
    assert stated_rules(client.get("/register"), "password")[0] == "8 to 20 characters"
    data = {**REGISTRATION, "password": "abcdefghij1234567890x"}
    shown = field_errors(submit_form(client, "/register", data), "password")
    assert shown == ["The password can have at most 20 characters."]
