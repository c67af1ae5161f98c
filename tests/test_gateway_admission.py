"""Seed 002 admission through the gateway: registration step two, forgotten and changed
passwords (with the reset link from the mail), temporary passwords, and email activation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import EmailToken, OutboundMail
from portal.extensions import db
from portal.timeutil import utcnow
from tests.gateway_flows import (
    CHANGE,
    DETAILS,
    FORGOT,
    INVALID_BRAND,
    INVALID_TOKEN,
    STATUS,
    STEP_TWO,
    VERIFY,
    auth,
    count,
    history,
    last_link,
    link_in,
    login,
    mails,
    player,
    publish,
    register,
    token_of,
)

GENERAL_FAILURE = {"message_format": "general_failure"}


def step_two(client, brand_id, token, body):
    return client.post(f"/gateway/reg-step-two/1/{brand_id}", json=body, headers=auth(token))


def alive(client, brand_id, token) -> bool:
    """Whether a session token is still accepted (personal details need only a session)."""
    status = client.get(DETAILS.format(brand_id), headers=auth(token)).status_code
    assert status in (200, 401)
    return status == 200


# --- registration step two --------------------------------------------------------------


def test_login_before_step_two_asks_to_complete_the_registration(client, brand_id):
    player_id = register(client, brand_id, complete=False).json["player_id"]

    response = login(client, brand_id)

    assert response.status_code == 303
    assert response.json == {
        "result": "INCOMPLETE_REGISTRATION",
        "auth_token": response.json["auth_token"],
        "player_id": player_id,
        "currency": "EUR",
        "language": "en",
        "actions": ["INCOMPLETE_REGISTRATION"],
    }


def test_step_two_completes_the_registration(app, client, brand_id):
    registered = register(client, brand_id, complete=False).json
    body = {
        **STEP_TWO, "gender": "M", "city": "Leeds", "address": "1 Road", "zipCode": "LS1",
        "mobileNumber": "44-7911123456",
    }  # fmt: skip

    response = step_two(client, brand_id, registered["auth_token"], body)

    assert (response.status_code, response.json) == (200, {"result": "success", "actions": []})
    stored = player(app, registered["player_id"])
    assert (stored.first_name, stored.last_name, str(stored.birthdate), stored.country) == (
        "John", "Doe", "1990-04-01", "GB",
    )  # fmt: skip
    assert (stored.gender, stored.city, stored.address, stored.zip_code, stored.phone) == (
        "M", "Leeds", "1 Road", "LS1", "44-7911123456",
    )  # fmt: skip
    assert stored.registration_completed_at is not None
    assert history(app, registered["player_id"])[0][3:] == ("registration step two", "Player")
    assert login(client, brand_id).json["actions"] == []


def test_step_two_lists_what_is_still_to_do(client, make_brand):
    brand = make_brand(name="Strict", require_verified_email=True)
    token = register(client, brand, complete=False).json["auth_token"]

    response = step_two(client, brand, token, STEP_TWO)

    assert response.json == {"result": "success", "actions": ["EMAIL_NOT_VERIFIED"]}


def test_step_two_requires_names_birth_date_and_country(app, client, brand_id):
    registered = register(client, brand_id, complete=False).json

    response = step_two(client, brand_id, registered["auth_token"], {"gender": "F"})

    assert response.status_code == 422
    assert response.json == {
        "result": [
            {"field": "firstName", "errorCode": "first_name_required"},
            {"field": "lastName", "errorCode": "last_name_required"},
            {"field": "birthDate", "errorCode": "birthdate_required"},
            {"field": "country", "errorCode": "country_required"},
        ]
    }
    stored = player(app, registered["player_id"])
    assert (stored.registration_completed_at, stored.gender) == (None, None)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"firstName": ""}, ("firstName", "first_name_required")),
        ({"lastName": "  "}, ("lastName", "last_name_required")),
        ({"birthDate": ""}, ("birthDate", "birthdate_required")),
        ({"birthDate": "2015-01-01"}, ("birthDate", "underage")),
        ({"birthDate": "1990-02-30"}, ("birthDate", "birthdate_not_exist")),
        ({"country": "XX"}, ("country", "country_invalid")),
        ({"gender": "X"}, ("gender", "gender_invalid")),
        ({"zipCode": "1" * 21}, ("zipCode", "zip_code_invalid")),
        ({"mobileNumber": "call me"}, ("mobileNumber", "phone_invalid")),
    ],
)
def test_step_two_errors_use_the_requests_field_names(client, brand_id, fields, error):
    token = register(client, brand_id, complete=False).json["auth_token"]

    response = step_two(client, brand_id, token, {**STEP_TWO, **fields})

    assert response.status_code == 422
    assert response.json == {"result": [{"field": error[0], "errorCode": error[1]}]}
    assert login(client, brand_id).json["result"] == "INCOMPLETE_REGISTRATION"


def test_step_two_needs_a_session(client, brand_id):
    response = step_two(client, brand_id, None, STEP_TWO)

    assert (response.status_code, response.json) == (401, INVALID_TOKEN)


# --- forgotten password -----------------------------------------------------------------


def forgot(client, brand_id, address):
    return client.post(FORGOT.format(brand_id), json={"mail": address})


def verify(client, brand_id, link_or_hash, password="new12345"):
    hash_ = token_of(link_or_hash) if link_or_hash.startswith("http") else link_or_hash
    return client.post(f"{VERIFY.format(brand_id)}?hash={hash_}", json={"new_password": password})


@pytest.fixture
def john(client, brand_id):
    """A registered player: (player id, [registration token, login token])."""
    registered = register(client, brand_id).json
    tokens = [registered["auth_token"], login(client, brand_id).json["auth_token"]]
    return registered["player_id"], tokens


@pytest.mark.parametrize("address", ["john@example.com", " JOHN@Example.com "])
def test_forgot_password_mails_a_reset_link(app, client, brand_id, john, address):
    response = forgot(client, brand_id, address)

    assert (response.status_code, response.json) == (201, {"message_format": "forgot_email_sent"})
    to, subject, body = mails(app)[-1]
    assert (to, subject) == ("john@example.com", "Reset your password")
    link_in(body, "/reset-password")
    assert "within 30 minutes" in body


@pytest.mark.parametrize("address", ["nobody@example.com", "john_doe"])
def test_forgot_password_is_silent_for_an_unknown_address(app, client, brand_id, john, address):
    mails_before = count(app, OutboundMail)

    response = forgot(client, brand_id, address)

    assert (response.status_code, response.json) == (201, {"message_format": "forgot_email_sent"})
    assert count(app, OutboundMail) == mails_before
    assert count(app, EmailToken) == 1  # the welcome mail's activation link only


def test_forgot_password_of_another_brands_player_mails_nothing(app, client, make_brand, john):
    other = make_brand(name="B2")
    mails_before = count(app, OutboundMail)

    assert forgot(client, other, "john@example.com").status_code == 201
    assert count(app, OutboundMail) == mails_before


@pytest.mark.parametrize("body", [{"mail": ""}, {"mail": "   "}, {}, {"email": "john@example.com"}])
def test_forgot_password_without_an_address(app, client, brand_id, body):
    response = client.post(FORGOT.format(brand_id), json=body)

    assert (response.status_code, response.json) == (400, {"message_format": "email_required"})
    assert count(app, OutboundMail) == 0


def test_forgot_password_of_an_unknown_brand(client, brand_id):
    response = forgot(client, 999, "john@example.com")

    assert (response.status_code, response.json) == (400, INVALID_BRAND)


def test_the_reset_link_sets_a_new_password_and_ends_every_old_session(app, client, brand_id, john):
    player_id, old_tokens = john
    forgot(client, brand_id, "john@example.com")

    response = verify(client, brand_id, last_link(app, "/reset-password"))

    assert response.status_code == 202
    assert response.json == {
        "token": response.json["token"],
        "message_format": "password_successfully_changed",
    }
    assert alive(client, brand_id, response.json["token"])
    assert [alive(client, brand_id, t) for t in old_tokens] == [False, False]
    assert login(client, brand_id, password="abc12345").status_code == 401
    assert login(client, brand_id, password="new12345").status_code == 200
    assert history(app, player_id)[-1][0::3] == ("password", "password reset by mail link")
    assert mails(app)[-1][:2] == ("john@example.com", "Your password was changed")


def test_a_reset_link_works_once(app, client, brand_id, john):
    forgot(client, brand_id, "john@example.com")
    link = last_link(app, "/reset-password")
    assert verify(client, brand_id, link).status_code == 202

    again = verify(client, brand_id, link, password="other123")

    assert (again.status_code, again.json) == (400, GENERAL_FAILURE)
    assert login(client, brand_id, password="new12345").status_code == 200


def test_an_expired_reset_link_is_refused(app, client, brand_id, john):
    forgot(client, brand_id, "john@example.com")
    with app.app_context():
        token = db.session.scalars(select(EmailToken).where(EmailToken.purpose == "reset")).one()
        assert token.expires_at - token.created_at == timedelta(minutes=30)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()

    response = verify(client, brand_id, last_link(app, "/reset-password"))

    assert (response.status_code, response.json) == (400, GENERAL_FAILURE)
    assert login(client, brand_id).status_code == 200  # the old password still works


def test_the_reset_lifetime_is_configurable(make_app, brand_id):
    app = make_app(PASSWORD_RESET_MINUTES=5)
    client = app.test_client()
    register(client, brand_id)
    forgot(client, brand_id, "john@example.com")

    assert "within 5 minutes" in mails(app)[-1][2]
    with app.app_context():
        token = db.session.scalars(select(EmailToken).where(EmailToken.purpose == "reset")).one()
        assert token.expires_at - token.created_at == timedelta(minutes=5)


def test_a_policy_breaking_password_keeps_the_link_usable(app, client, brand_id, john):
    forgot(client, brand_id, "john@example.com")
    link = last_link(app, "/reset-password")

    refused = verify(client, brand_id, link, password="short1")

    assert refused.status_code == 422
    assert refused.json == {"result": [{"field": "password", "errorCode": "password_short"}]}
    assert alive(client, brand_id, john[1][0])  # nothing happened
    assert verify(client, brand_id, link).status_code == 202


def test_only_the_newest_reset_link_works(app, client, brand_id, john):
    forgot(client, brand_id, "john@example.com")
    first = last_link(app, "/reset-password")
    forgot(client, brand_id, "john@example.com")

    assert verify(client, brand_id, first).json == GENERAL_FAILURE
    assert verify(client, brand_id, last_link(app, "/reset-password")).status_code == 202


@pytest.mark.parametrize("hash_", ["", "garbage", "x" * 129])
def test_a_reset_without_a_valid_hash(client, brand_id, john, hash_):
    assert verify(client, brand_id, hash_).json == GENERAL_FAILURE
    assert (
        client.post(VERIFY.format(brand_id), json={"new_password": "new12345"}).status_code == 400
    )


def test_a_reset_link_works_only_on_its_brand(app, client, brand_id, make_brand, john):
    other = make_brand(name="B2")
    forgot(client, brand_id, "john@example.com")

    response = verify(client, other, last_link(app, "/reset-password"))

    assert (response.status_code, response.json) == (400, GENERAL_FAILURE)
    assert verify(client, brand_id, last_link(app, "/reset-password")).status_code == 202


def test_a_reset_link_proves_the_address(app, client, make_brand):
    brand = make_brand(name="Strict", require_verified_email=True)
    player_id = register(client, brand).json["player_id"]
    forgot(client, brand, "john@example.com")

    assert verify(client, brand, last_link(app, "/reset-password")).status_code == 202

    assert player(app, player_id).email_verified_at is not None
    assert login(client, brand, password="new12345").json["actions"] == []


# --- change password --------------------------------------------------------------------


def change(client, brand_id, token, old="abc12345", new="new12345"):
    body = {"old_password": old, "new_password": new}
    return client.post(CHANGE.format(brand_id), json=body, headers=auth(token))


def test_change_password_keeps_this_session_and_ends_the_others(app, client, brand_id, john):
    player_id, (other, current) = john

    response = change(client, brand_id, current)

    assert (response.status_code, response.json) == (202, {"message_format": "password_replaced"})
    assert (alive(client, brand_id, current), alive(client, brand_id, other)) == (True, False)
    assert login(client, brand_id, password="new12345").status_code == 200
    assert login(client, brand_id, password="abc12345").status_code == 401
    assert mails(app)[-1][:2] == ("john@example.com", "Your password was changed")
    assert history(app, player_id)[-1][0] == "password"


@pytest.mark.parametrize(
    ("new", "codes"),
    [
        ("ab12", ["password_short"]),
        ("abcd1234efgh5678", ["password_long"]),
        ("JOHN1234", ["password_match_user_name"]),
        ("aaaa1111", ["password_same_letters"]),
        ("abcdefgh", ["password_mix_characters"]),
        ("", ["password_required"]),
    ],
)
def test_change_password_policy(app, client, brand_id, new, codes):
    token = register(client, brand_id, loginName="john1234").json["auth_token"]
    mails_before = count(app, OutboundMail)

    response = change(client, brand_id, token, new=new)

    assert response.status_code == 422
    assert response.json == {"result": [{"field": "password", "errorCode": c} for c in codes]}
    assert login(client, brand_id).status_code == 200
    assert count(app, OutboundMail) == mails_before


@pytest.mark.parametrize("old", ["wrong123", "ABC12345", ""])
def test_change_password_with_a_wrong_old_password(app, client, brand_id, john, old):
    response = change(client, brand_id, john[1][1], old=old)

    assert response.status_code == 422
    assert response.json == {
        "message_format": "wrong_old_password",
        "result": [{"field": "password", "errorCode": "wrong_old_password"}],
    }
    assert alive(client, brand_id, john[1][0])
    assert login(client, brand_id).status_code == 200


def test_change_password_after_new_terms_asks_to_accept_them(app, client, brand_id, john):
    publish(app, brand_id, "tnc")

    response = change(client, brand_id, john[1][1])

    assert (response.status_code, response.json) == (
        303,
        {"message_format": "tnc_approval_required"},
    )
    assert login(client, brand_id).json["result"] == "TNC_APPROVAL_REQUIRED"  # old password


def test_change_password_needs_a_session_and_a_brand(client, brand_id, john):
    no_token, no_brand = change(client, brand_id, None), change(client, 0, john[1][1])

    assert (no_token.status_code, no_token.json) == (401, INVALID_TOKEN)
    assert (no_brand.status_code, no_brand.json) == (400, INVALID_BRAND)
    assert login(client, brand_id).status_code == 200  # the password is unchanged


# --- temporary password -----------------------------------------------------------------


def temporary_password(runner, player_id, password="temp1234"):
    args = ["players", "temporary-password", str(player_id), "--password", password]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def test_a_temporary_password_must_be_changed(app, client, runner, brand_id, john):
    player_id, old_tokens = john
    temporary_password(runner, player_id)
    assert [alive(client, brand_id, t) for t in old_tokens] == [False, False]

    logged_in = login(client, brand_id, password="temp1234")

    assert logged_in.status_code == 303
    assert logged_in.json["result"] == "PASSWORD_CHANGE_REQUIRED"
    assert logged_in.json["actions"] == ["PASSWORD_CHANGE_REQUIRED"]
    token = logged_in.json["auth_token"]
    status = client.get(STATUS.format(brand_id), headers=auth(token))
    assert (status.status_code, status.json) == (401, {"result": "PASSWORD_CHANGE_REQUIRED"})
    assert history(app, player_id)[-1][3:] == ("temporary password", "support")

    assert change(client, brand_id, token, old="temp1234").status_code == 202

    assert client.get(STATUS.format(brand_id), headers=auth(token)).status_code == 200
    assert login(client, brand_id, password="new12345").json["actions"] == []
    assert player(app, player_id).password_change_required is False


def test_a_temporary_password_cannot_be_kept(app, client, runner, brand_id, john):
    temporary_password(runner, john[0])
    token = login(client, brand_id, password="temp1234").json["auth_token"]

    response = change(client, brand_id, token, old="temp1234", new="temp1234")

    assert response.status_code == 422
    assert player(app, john[0]).password_change_required is True
