"""Seed 002 email addresses through the gateway. Change (emailUpdate): the new address stays
pending until the link mailed to it is followed, the old address gets a notice that can
cancel or undo the change, and every 422 code of the seed. Activation: the resent link
verifies the address, which a brand may require before play."""

import pytest

from portal.accounts.models import OutboundMail
from tests.gateway_flows import (
    DETAILS,
    EMAIL_UPDATE,
    INVALID_BRAND,
    INVALID_TOKEN,
    RESEND,
    STATUS,
    auth,
    count,
    follow_link,
    history,
    last_link,
    link_in,
    login,
    mails,
    player,
    register,
)


@pytest.fixture
def john(client, brand_id):
    """A registered player (steps one and two): (player id, token)."""
    response = register(client, brand_id)
    return response.json["player_id"], response.json["auth_token"]


def details(client, brand_id, token):
    return client.get(DETAILS.format(brand_id), headers=auth(token))


def email_update(client, brand_id, token, body):
    return client.put(EMAIL_UPDATE.format(brand_id), json=body, headers=auth(token))


def test_an_email_change_stays_pending_until_the_new_address_confirms(app, client, brand_id, john):
    player_id, token = john
    mails_before = len(mails(app))

    response = email_update(client, brand_id, token, {"email": "aaa@aaa.com", "comment": "test"})

    assert response.status_code == 204
    assert response.get_data() == b""
    body = details(client, brand_id, token).json
    assert (body["eMail"]["eMailAdress"], body["pendingEmail"]) == (
        "john@example.com",
        "aaa@aaa.com",
    )
    new = mails(app)[mails_before:]
    assert [(to, subject) for to, subject, _ in new] == [
        ("aaa@aaa.com", "Confirm your new email address"),
        ("john@example.com", "Your email address is being changed"),
    ]
    link_in(new[0][2], "/confirm-email")
    link_in(new[1][2], "/cancel-email-change")
    assert "aaa@aaa.com" in new[1][2]
    assert history(app, player_id)[-1] == ("pending_email", None, "aaa@aaa.com", "test", "Player")
    assert login(client, brand_id, email="aaa@aaa.com").status_code == 401  # not yet

    assert follow_link(app, last_link(app, "/confirm-email", "aaa@aaa.com")) is True

    body = details(client, brand_id, token).json
    assert body["eMail"] == {"eMailAdress": "aaa@aaa.com", "isVerified": True}
    assert body["pendingEmail"] == ""
    assert login(client, brand_id, email="aaa@aaa.com").status_code == 200
    assert login(client, brand_id, email="john@example.com").status_code == 401
    assert history(app, player_id)[-1][:3] == ("email", "john@example.com", "aaa@aaa.com")


def test_a_confirmation_link_works_once(app, client, brand_id, john):
    email_update(client, brand_id, john[1], {"email": "new@example.com"})
    link = last_link(app, "/confirm-email")

    assert follow_link(app, link) is True
    assert follow_link(app, link) is False


def test_the_comment_defaults_to_player_request(app, client, brand_id, john):
    assert email_update(client, brand_id, john[1], {"email": "new@example.com"}).status_code == 204

    assert history(app, john[0])[-1] == (
        "pending_email", None, "new@example.com", "player request", "Player",
    )  # fmt: skip


def test_only_the_newest_confirmation_link_works(app, client, brand_id, john):
    email_update(client, brand_id, john[1], {"email": "first@example.com"})
    first = last_link(app, "/confirm-email")
    email_update(client, brand_id, john[1], {"email": "second@example.com"})

    assert follow_link(app, first) is False
    assert follow_link(app, last_link(app, "/confirm-email")) is True
    assert player(app, john[0]).email == "second@example.com"


def test_the_old_address_can_cancel_a_pending_change(app, client, brand_id, john):
    email_update(client, brand_id, john[1], {"email": "new@example.com"})
    confirm = last_link(app, "/confirm-email")

    assert follow_link(app, last_link(app, "/cancel-email-change", "john@example.com")) is True

    assert details(client, brand_id, john[1]).status_code == 401  # every session ended
    fresh = login(client, brand_id, email="john@example.com").json["auth_token"]
    assert details(client, brand_id, fresh).json["pendingEmail"] == ""
    assert follow_link(app, confirm) is False
    assert player(app, john[0]).email == "john@example.com"


def test_a_later_change_cannot_silence_the_first_cancel_link(app, client, brand_id, john):
    """A thief with a session changes the address, confirms it, and asks for another change:
    the owner's first cancel link must still give the account back."""
    email_update(client, brand_id, john[1], {"email": "thief@example.com"})
    owners_link = last_link(app, "/cancel-email-change", "john@example.com")
    assert follow_link(app, last_link(app, "/confirm-email")) is True
    email_update(client, brand_id, john[1], {"email": "thief2@example.com"})

    assert follow_link(app, owners_link) is True

    assert (player(app, john[0]).email, player(app, john[0]).pending_email) == (
        "john@example.com",
        None,
    )
    assert details(client, brand_id, john[1]).status_code == 401


def test_a_password_reset_drops_a_pending_email_change(app, client, brand_id, john):
    """An attacker's pending change must not survive the owner securing the account."""
    email_update(client, brand_id, john[1], {"email": "evil@example.com"})
    confirm = last_link(app, "/confirm-email")
    client.post(
        f"/gateway/admission/1/forgot/password/{brand_id}", json={"mail": "john@example.com"}
    )
    reset = last_link(app, "/reset-password", "john@example.com").split("hash=")[1]
    response = client.post(
        f"/gateway/admission/1/verify/password/{brand_id}?hash={reset}",
        json={"new_password": "fresh4567"},
    )
    assert response.status_code == 202

    assert follow_link(app, confirm) is False
    assert (player(app, john[0]).email, player(app, john[0]).pending_email) == (
        "john@example.com",
        None,
    )


def test_the_old_address_can_undo_a_confirmed_change(app, client, brand_id, john):
    email_update(client, brand_id, john[1], {"email": "new@example.com"})
    cancel = last_link(app, "/cancel-email-change", "john@example.com")
    assert follow_link(app, last_link(app, "/confirm-email")) is True

    assert follow_link(app, cancel) is True

    assert player(app, john[0]).email == "john@example.com"
    assert details(client, brand_id, john[1]).status_code == 401  # every session ended
    assert login(client, brand_id, email="john@example.com").status_code == 200


LONG_EMAIL = "x" * 243 + "@example.com"


@pytest.mark.parametrize(
    ("email", "code"),
    [
        (None, "email_required"),
        ("", "email_required"),
        ("   ", "email_required"),
        ("aaa.aaa.com", "email_syntax_error"),
        ("aaa@aaa", "email_syntax_error"),
        ("a@b..com", "invalid_email"),
        ("john..doe@example.com", "invalid_email"),
        (LONG_EMAIL, "email_long"),
        ("someone@mailinator.com", "email_fraud"),
        ("someone@YOPMAIL.com", "email_fraud"),
        ("ann@example.com", "email_already_exists"),
        ("ANN@Example.com", "email_already_exists"),
        ("john@example.com", "email_already_exists"),
    ],
)
def test_email_change_field_errors(app, client, brand_id, john, email, code):
    register(client, brand_id, email="ann@example.com", loginName="ann_x")
    mails_before = count(app, OutboundMail)

    response = email_update(client, brand_id, john[1], {} if email is None else {"email": email})

    assert response.status_code == 422
    assert response.json == {"result": [{"field": "email", "errorCode": code}]}
    assert details(client, brand_id, john[1]).json["pendingEmail"] == ""
    assert count(app, OutboundMail) == mails_before


def test_test_players_may_change_to_a_fraud_listed_domain(app, client, brand_id):
    token = register(client, brand_id, loginName="qqtst_bob").json["auth_token"]

    response = email_update(client, brand_id, token, {"email": "bob@mailinator.com"})

    assert response.status_code == 204
    assert details(client, brand_id, token).json["pendingEmail"] == "bob@mailinator.com"


def test_an_address_of_another_brand_is_free(client, brand_id, make_brand, john):
    other = make_brand(name="B2")
    register(client, other, email="ann@example.com", loginName="ann_x")

    assert email_update(client, brand_id, john[1], {"email": "ann@example.com"}).status_code == 204


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"email": 5}, "email must be a string"),
        ({"email": "a@b.com", "comment": 1}, "comment must be a string"),
    ],
)
def test_email_change_fields_of_the_wrong_type(client, brand_id, john, body, message):
    response = email_update(client, brand_id, john[1], body)

    assert (response.status_code, response.json) == (400, {"errMsg": f"invalid input - {message}"})


def test_email_change_needs_a_token_and_a_brand(app, client, brand_id, john):
    body = {"email": "new@example.com"}

    no_token = email_update(client, brand_id, None, body)
    no_brand = email_update(client, "abc", john[1], body)

    assert (no_token.status_code, no_token.json) == (401, INVALID_TOKEN)
    assert (no_brand.status_code, no_brand.json) == (400, INVALID_BRAND)
    assert player(app, john[0]).pending_email is None


# --- email activation -------------------------------------------------------------------


def resend(client, brand_id, token):
    return client.post(RESEND.format(brand_id), headers=auth(token))


def test_resend_activation_mails_a_link_that_verifies_the_address(app, client, brand_id, john):
    player_id, token = john

    response = resend(client, brand_id, token)

    assert (response.status_code, response.json) == (200, {"msg": "Activation Email was sent."})
    to, subject, body = mails(app)[-1]
    assert (to, subject) == ("john@example.com", "Please confirm your email address")
    before = client.get(DETAILS.format(brand_id), headers=auth(token)).json["eMail"]
    assert before["isVerified"] is False

    assert follow_link(app, link_in(body, "/verify-email")) is True

    assert client.get(DETAILS.format(brand_id), headers=auth(token)).json["eMail"] == {
        "eMailAdress": "john@example.com",
        "isVerified": True,
    }
    again = resend(client, brand_id, token)
    assert (again.status_code, again.json) == (200, {"msg": "Email is already verified."})


def test_a_resent_activation_link_replaces_the_welcome_link(app, client, brand_id, john):
    welcome = last_link(app, "/verify-email")
    resend(client, brand_id, john[1])

    assert follow_link(app, welcome) is False
    assert follow_link(app, last_link(app, "/verify-email")) is True
    assert follow_link(app, last_link(app, "/verify-email")) is False  # single use


def test_resend_activation_needs_a_session_and_a_brand(app, client, brand_id, john):
    mails_before = count(app, OutboundMail)

    no_token, no_brand = resend(client, brand_id, None), resend(client, "x", john[1])

    assert (no_token.status_code, no_token.json) == (401, INVALID_TOKEN)
    assert (no_brand.status_code, no_brand.json) == (400, INVALID_BRAND)
    assert count(app, OutboundMail) == mails_before


def test_an_unverified_address_blocks_play_until_the_link_is_followed(app, client, make_brand):
    brand = make_brand(name="Strict", require_verified_email=True)
    token = register(client, brand).json["auth_token"]
    assert login(client, brand).json["result"] == "EMAIL_NOT_VERIFIED"
    status = client.get(STATUS.format(brand), headers=auth(token))
    assert (status.status_code, status.json) == (401, {"result": "EMAIL_NOT_VERIFIED"})

    assert follow_link(app, last_link(app, "/verify-email")) is True

    assert client.get(STATUS.format(brand), headers=auth(token)).status_code == 200
    assert login(client, brand).status_code == 200
