"""Attacks and races on the account flows (from the review of issues 2 and 3)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portal.accounts import documents, operations
from portal.accounts.models import PlayerChange, Signature
from portal.extensions import db
from tests.conftest import submit_form
from tests.gateway_flows import login
from tests.gateway_flows import register as register_response

DETAILS = "/gateway/player-personal-details/player/details/1/{}"


def register(client, brand_id) -> tuple[int, str]:
    """A registered player (both steps): (player id, token)."""
    body = register_response(client, brand_id).json
    return body["player_id"], body["auth_token"]


def test_simultaneous_signing_of_the_terms_is_not_a_server_error(app, brand_id):
    with app.app_context():
        documents.publish(
            operations.get_brand(brand_id), "tnc", language="en", title="T", content="Text."
        )
        db.session.commit()
    client = app.test_client()
    player_id, token = register(client, brand_id)
    body = {"brand_id": brand_id, "player_id": player_id, "language": "en", "type": "tnc"}
    barrier = threading.Barrier(6)

    def sign(_):
        barrier.wait()
        response = app.test_client().post(
            "/gateway/player/multi/1/sign/tnc", json=body, headers={"x-auth-token": token}
        )
        return response.status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(sign, range(6)))
    assert statuses == [201] * 6
    with app.app_context():
        assert db.session.scalar(select(func.count(Signature.id))) == 1


def test_an_address_that_casefolds_too_long_is_email_long(client, brand_id):
    email = "ΐ" * 64 + "@" + "a" * 120 + ".com"  # 189 characters, 317 once casefolded
    response = client.post(
        f"/gateway/reg-step-one/1/{brand_id}",
        json={"email": email, "password": "goal2024x", "over18": True},
    )
    assert response.status_code == 422
    assert response.json == {"result": [{"field": "email", "errorCode": "email_long"}]}


def test_deeply_nested_opt_out_is_invalid_input(client, brand_id):
    _, token = register(client, brand_id)
    response = client.put(
        DETAILS.format(brand_id),
        json={"optOut": "[" * 3000 + "]" * 3000},
        headers={"x-auth-token": token},
    )
    assert response.status_code == 400
    assert response.json == {"errMsg": "invalid input - optOut must be a JSON object"}


def test_a_player_cannot_record_another_operator(app, client, brand_id):
    _, token = register(client, brand_id)
    response = client.put(
        DETAILS.format(brand_id),
        headers={"x-auth-token": token},
        json={"city": "Porto", "operator": "support", "comment": "moved"},
    )
    assert response.status_code == 204
    with app.app_context():
        change = db.session.scalar(select(PlayerChange).where(PlayerChange.field == "city"))
        assert (change.operator, change.comment) == ("Player", "moved (operator given: support)")


def test_nul_in_a_repeated_form_value_or_a_key_is_refused(client, make_player):
    make_player()
    page = client.get("/login").get_data(as_text=True)
    for data in (
        [("identifier", "player@example.com"), ("identifier", "x\x00")],
        [("identifier\x00", "1")],
    ):
        assert client.post("/login", data=MultiDict(data)).status_code == 400, data
    assert "csrf_token" in page


def test_email_update_is_rate_limited(make_app, brand_id):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _, token = register(client, brand_id)
    statuses = [
        client.put(
            f"/gateway/player-personal-details/player/details/emailUpdate/1/{brand_id}",
            json={"email": f"n{n}@example.com"},
            headers={"x-auth-token": token},
        ).status_code
        for n in range(4)
    ]
    assert statuses == [204, 204, 204, 429]


def test_change_password_page_is_rate_limited(make_app, make_player):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    make_player()
    client = app.test_client()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    data = {"old_password": "wrong-pass1", "new_password": "fresh4567"}
    statuses = [submit_form(client, "/account/password", data).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_max_balance_is_in_minor_units(app, client, brand_id):
    from portal.accounts.models import Player
    from portal.wallet import operations as wallet

    player_id, token = register(client, brand_id)
    with app.app_context():
        wallet.adjust(
            db.session.get(Player, player_id),
            "EUR",
            "936.04",
            reason="x",
            operator="t",
            external_id="a",
        )
        db.session.commit()
    body = client.get(
        f"/gateway/online-player/1/player/{brand_id}/online/status", headers={"x-auth-token": token}
    ).json
    assert (body["maxBalance"], body["total_balance"], body["real_balance"]) == (
        93604,
        Decimal("936.04"),
        Decimal("936.04"),
    )


def test_birthdate_takes_only_the_documented_forms(client, brand_id):
    _, token = register(client, brand_id)
    headers = {"x-auth-token": token}
    for value, status in (
        ("2000-01-01 junk", 400),
        ("2000-01-01 00:00:00", 204),
        ("2000-01-01", 204),
    ):
        response = client.put(DETAILS.format(brand_id), json={"birthdate": value}, headers=headers)
        assert response.status_code == status, value


def test_a_blocked_player_resetting_the_password_gets_no_session(app, client, brand_id):
    from portal.accounts.models import Player
    from tests.gateway_flows import last_link

    player_id, _ = register(client, brand_id)
    client.post(
        f"/gateway/admission/1/forgot/password/{brand_id}", json={"mail": "john@example.com"}
    )
    with app.app_context():
        db.session.get(Player, player_id).status = "blocked"
        db.session.commit()
    reset = last_link(app, "/reset-password").split("hash=")[1]
    response = client.post(
        f"/gateway/admission/1/verify/password/{brand_id}?hash={reset}",
        json={"new_password": "fresh4567"},
    )
    assert (response.status_code, response.json) == (
        200,
        {"message_format": "password_successfully_changed"},
    )
    assert login(client, brand_id, password="fresh4567").status_code == 403
