"""Seed 002 online-player endpoints: online status, in-game status and player info; the
401 gating codes in the seed's order; the reality check (303) and its acknowledgement."""

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.accounts.models import Brand, Player
from portal.extensions import db
from tests.gateway_flows import (
    ACKNOWLEDGE,
    CHANGE,
    DROP,
    INFO,
    INGAME,
    INVALID_BRAND,
    INVALID_TOKEN,
    SIGN,
    STATUS,
    STEP_TWO,
    auth,
    follow_link,
    last_link,
    login,
    publish,
    register,
    shift_session,
)

STATUS_KEYS = [
    "marketingSegmentation",
    "tag_status",
    "deposit_count",
    "vip_level",
    "average_deposit",
    "billboard",
    "segmentation_id",
    "maxBalance",
    "UT",
    "decline",
    "VIP_segment",
    "total_balance",
    "pending_withdrawal",
    "total_withdrawals",
    "last_bet",
    "last_deposit",
    "last_deposit_amount",
    "rounds_since_login",
    "balance_since_login",
    "playerIdLink",
    "bonusOptOut",
    "real_balance",
    "freeTraffic",
    "depositsAmount",
    "chat_opt_out",
]  # fmt: skip  (the seed's in-game status fields; online status has five more)
MORE_STATUS_KEYS = ["bonusBalance", "maxWin", "wageringBalance", "wageringComplete"]
REALITY_CHECK_KEYS = [
    "currency", "profit", "total_bets", "total_wins", "total_lossed", "restart_period",
    "time_played", "min", "h",
]  # fmt: skip
SHORT_REALITY_CHECK_KEYS = ["currency", "profit", "restart_period", "time_played", "min", "h"]
GATING = [
    "INCOMPLETE_REGISTRATION",
    "TNC_APPROVAL_REQUIRED",
    "PRIVACY_APPROVAL_REQUIRED",
    "PASSWORD_CHANGE_REQUIRED",
    "EMAIL_NOT_VERIFIED",
]


def get(client, path, brand, token, game="game-1"):
    url = INGAME.format(brand, game) if path == INGAME else path.format(brand)
    return client.get(url, headers=auth(token))


def is_zero_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and value == 0


def set_brand(app, brand_id, **values):
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        for name, value in values.items():
            setattr(brand, name, value)
        db.session.commit()


# --- online status and player info ------------------------------------------------------


def test_online_status_has_the_seeds_fields(client, brand_id):
    token = register(client, brand_id).json["auth_token"]

    response = get(client, STATUS, brand_id, token)

    assert response.status_code == 200
    body = response.json
    assert list(body) == [*STATUS_KEYS, *MORE_STATUS_KEYS, "currency", "wageringCompleteInfoPath"]
    for name in ("total_balance", "real_balance", "bonusBalance", "maxBalance"):
        assert is_zero_number(body[name]), name
    text = response.get_data(as_text=True)
    assert '"total_balance":0.00' in text and '"real_balance":0.00' in text  # exact, 2 digits
    assert (body["chat_opt_out"], body["currency"], body["last_bet"]) == (False, "EUR", None)


def test_the_status_reports_the_chat_opt_out_and_active_currency(app, client, make_brand):
    brand = make_brand(name="B2", currencies=("USD", "EUR"))
    registered = register(client, brand, currency="USD").json
    with app.app_context():
        db.session.get(Player, registered["player_id"]).opt_out_chat = True
        db.session.commit()

    body = get(client, STATUS, brand, registered["auth_token"]).json

    assert (body["chat_opt_out"], body["currency"]) == (True, "USD")


def test_in_game_status_has_the_seeds_shorter_field_set(client, brand_id):
    token = register(client, brand_id).json["auth_token"]

    response = get(client, INGAME, brand_id, token, game="abc-123_x.y:z")

    assert response.status_code == 200
    assert list(response.json) == [
        *STATUS_KEYS,
        *MORE_STATUS_KEYS,
        "currency",
        "wageringCompleteInfoPath",
    ]
    assert is_zero_number(response.json["total_balance"])


@pytest.mark.parametrize("game", ["x" * 65, "a b", "a;b"])
def test_in_game_status_of_a_malformed_game_session(client, brand_id, game):
    token = register(client, brand_id).json["auth_token"]

    response = get(client, INGAME, brand_id, token, game=game)

    assert (response.status_code, response.json) == (
        400,
        {"errMsg": "invalid input - game_session_id"},
    )


def test_player_info(client, brand_id):
    player_id = register(client, brand_id, btag="aff-7").json["player_id"]
    token = login(client, brand_id).json["auth_token"]

    response = get(client, INFO, brand_id, token)

    assert response.status_code == 200
    assert response.json == {
        "playerID": {"username": "john_doe", "ID": player_id, "brand": brand_id},
        "firstName": "John",
        "lastName": "Doe",
        "gender": "",
        "email": "john@example.com",
        "vip_level": 0,
        "country": "GB",
        "test_account": 0,
        "currencyName": "EUR",
        "currencySymbol": "€",
        "bTag": "aff-7",
    }
    assert '"currencySymbol":"\\u20ac"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"currency": "USD"}, {"currencyName": "USD", "currencySymbol": "$", "test_account": 0}),
        ({"currency": "GBP"}, {"currencyName": "GBP", "currencySymbol": "£", "test_account": 0}),
        ({"loginName": "qqtst_bob"}, {"test_account": 1}),
    ],
)
def test_player_info_currency_and_test_account(client, make_brand, fields, expected):
    brand = make_brand(name="B2", currencies=("EUR", "USD", "GBP"))
    token = register(client, brand, **fields).json["auth_token"]

    body = get(client, INFO, brand, token).json

    assert {k: body[k] for k in expected} == expected


def test_player_info_names_a_player_without_login_name_by_email(client, brand_id):
    token = register(client, brand_id, loginName=DROP).json["auth_token"]

    assert get(client, INFO, brand_id, token).json["playerID"]["username"] == "john@example.com"


@pytest.mark.parametrize("path", [STATUS, INGAME, INFO, ACKNOWLEDGE])
def test_online_endpoints_need_a_token_and_a_brand(client, brand_id, make_brand, path):
    token = register(client, brand_id).json["auth_token"]
    other = make_brand(name="B2")
    call = client.post if path == ACKNOWLEDGE else client.get
    url = (lambda b: INGAME.format(b, "g1")) if path == INGAME else path.format

    for brand, headers, expected in [
        (brand_id, {}, (401, INVALID_TOKEN)),
        (brand_id, auth("nope"), (401, INVALID_TOKEN)),
        (other, auth(token), (401, INVALID_TOKEN)),
        ("999", auth(token), (400, INVALID_BRAND)),
    ]:
        response = call(url(brand), headers=headers)
        assert (response.status_code, response.json) == expected, (brand, headers)


# --- gating -----------------------------------------------------------------------------


def player_who_must(app, client, make_brand, code):
    """(brand, token) of a player whose one pending action is `code`."""
    brand = make_brand(name="Strict", require_verified_email=code == "EMAIL_NOT_VERIFIED")
    registered = register(client, brand, complete=code != "INCOMPLETE_REGISTRATION").json
    if code == "TNC_APPROVAL_REQUIRED":
        publish(app, brand, "tnc")
    if code == "PRIVACY_APPROVAL_REQUIRED":
        publish(app, brand, "privacy")
    if code == "PASSWORD_CHANGE_REQUIRED":
        with app.app_context():
            db.session.get(Player, registered["player_id"]).password_change_required = True
            db.session.commit()
    return brand, registered["auth_token"]


@pytest.mark.parametrize("path", [STATUS, INGAME, INFO], ids=["status", "ingame", "info"])
@pytest.mark.parametrize("code", GATING)
def test_a_pending_action_answers_401_with_its_code(app, client, make_brand, code, path):
    brand, token = player_who_must(app, client, make_brand, code)

    response = get(client, path, brand, token)

    assert (response.status_code, response.json) == (401, {"result": code})
    assert login(client, brand).json["actions"] == [code]


def test_pending_actions_are_reported_in_the_seeds_order(app, client, runner, make_brand):
    brand = make_brand(name="Strict", require_verified_email=True)
    publish(app, brand, "tnc")
    publish(app, brand, "privacy")
    player_id = register(client, brand, complete=False, signTNC=False).json["player_id"]
    args = ["players", "temporary-password", str(player_id), "--password", "temp1234"]
    assert runner.invoke(args=args).exit_code == 0
    logged_in = login(client, brand, password="temp1234").json
    token = logged_in["auth_token"]

    def answer():
        response = get(client, STATUS, brand, token)
        return response.status_code, response.json.get("result")

    assert logged_in["actions"] == GATING
    assert answer() == (401, "INCOMPLETE_REGISTRATION")
    post = client.post
    step_two = post(f"/gateway/reg-step-two/1/{brand}", json=STEP_TWO, headers=auth(token))
    assert step_two.status_code == 200
    assert answer() == (401, "TNC_APPROVAL_REQUIRED")
    sign = {"brand_id": brand, "player_id": player_id, "language": "en", "type": "tnc"}
    assert post(SIGN, json=sign, headers=auth(token)).status_code == 303
    assert answer() == (401, "PRIVACY_APPROVAL_REQUIRED")
    assert post(SIGN, json=sign | {"type": "privacy"}, headers=auth(token)).status_code == 201
    assert answer() == (401, "PASSWORD_CHANGE_REQUIRED")
    change = {"old_password": "temp1234", "new_password": "new12345"}
    assert post(CHANGE.format(brand), json=change, headers=auth(token)).status_code == 202
    assert answer() == (401, "EMAIL_NOT_VERIFIED")
    assert follow_link(app, last_link(app, "/verify-email")) is True
    assert answer() == (200, None)


def test_gating_comes_before_the_reality_check(app, client, brand_id):
    set_brand(app, brand_id, reality_check_minutes=15)
    token = register(client, brand_id).json["auth_token"]
    shift_session(app, token, created_at=timedelta(minutes=30), reality_check_due_at=timedelta(0))
    publish(app, brand_id, "tnc")

    assert get(client, STATUS, brand_id, token).json == {"result": "TNC_APPROVAL_REQUIRED"}


# --- reality check ----------------------------------------------------------------------


@pytest.fixture
def checked(app, client, runner, brand_id):
    """A token of a brand with a 15-minute reality check (set by the CLI before login)."""
    result = runner.invoke(args=["brands", "set", str(brand_id), "--reality-check-minutes", "15"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("reality check 15\n")
    register(client, brand_id)
    return login(client, brand_id).json["auth_token"]


def test_no_reality_check_before_the_interval(app, client, brand_id, checked):
    shift_session(app, checked, created_at=timedelta(minutes=14))

    assert get(client, STATUS, brand_id, checked).status_code == 200


def test_the_reality_check_is_due_after_the_interval(app, client, brand_id, checked):
    shift_session(
        app, checked, created_at=timedelta(minutes=75), reality_check_due_at=timedelta(seconds=1)
    )

    response = get(client, STATUS, brand_id, checked)

    assert response.status_code == 303
    assert list(response.json) == REALITY_CHECK_KEYS
    body = response.json
    assert {k: body[k] for k in REALITY_CHECK_KEYS[5:]} == {
        "restart_period": "15_min",
        "time_played": "1 hour 15 minutes",
        "min": "15",
        "h": "1",
    }
    assert body["currency"] == "EUR"
    assert all(is_zero_number(body[k]) for k in REALITY_CHECK_KEYS[1:5])


def test_the_in_game_reality_check_is_the_short_one(app, client, brand_id, checked):
    shift_session(
        app, checked, created_at=timedelta(minutes=75), reality_check_due_at=timedelta(seconds=1)
    )

    response = get(client, INGAME, brand_id, checked)

    assert response.status_code == 303
    assert list(response.json) == SHORT_REALITY_CHECK_KEYS
    assert response.json["time_played"] == "1 hour 15 minutes"


@pytest.mark.parametrize(
    ("minutes", "played", "h", "m"),
    [
        (16, "16 minutes", "0", "16"),
        (61, "1 hour 1 minute", "1", "1"),
        (120, "2 hours 0 minutes", "2", "0"),
        (135, "2 hours 15 minutes", "2", "15"),
    ],
)
def test_time_played(app, client, brand_id, checked, minutes, played, h, m):
    shift_session(
        app, checked, created_at=timedelta(minutes=minutes), reality_check_due_at=timedelta(0)
    )

    body = get(client, STATUS, brand_id, checked).json

    assert (body["time_played"], body["h"], body["min"]) == (played, h, m)


def test_acknowledging_the_reality_check_restarts_the_interval(app, client, brand_id, checked):
    shift_session(
        app, checked, created_at=timedelta(minutes=20), reality_check_due_at=timedelta(minutes=5)
    )
    assert get(client, STATUS, brand_id, checked).status_code == 303

    response = client.post(ACKNOWLEDGE.format(brand_id), headers=auth(checked))

    assert (response.status_code, response.json) == (200, {"result": "success"})
    assert get(client, STATUS, brand_id, checked).status_code == 200
    assert get(client, INGAME, brand_id, checked).status_code == 200
    shift_session(app, checked, reality_check_due_at=timedelta(seconds=1))
    assert get(client, STATUS, brand_id, checked).status_code == 303  # and again later


def test_a_session_opened_before_the_brand_turned_it_on(app, client, runner, brand_id):
    register(client, brand_id)
    token = login(client, brand_id).json["auth_token"]
    runner.invoke(args=["brands", "set", str(brand_id), "--reality-check-minutes", "15"])

    shift_session(app, token, created_at=timedelta(minutes=14))
    assert get(client, STATUS, brand_id, token).status_code == 200
    shift_session(app, token, created_at=timedelta(minutes=16))
    assert get(client, STATUS, brand_id, token).status_code == 303


def test_turning_the_reality_check_off(app, client, runner, brand_id, checked):
    shift_session(app, checked, created_at=timedelta(minutes=75), reality_check_due_at=timedelta(0))

    result = runner.invoke(args=["brands", "set", str(brand_id), "--reality-check-minutes", "0"])

    assert result.exit_code == 0, result.output
    assert get(client, STATUS, brand_id, checked).status_code == 200
    with app.app_context():
        assert db.session.get(Brand, brand_id).reality_check_minutes is None


def test_no_reality_check_on_a_brand_without_one(app, client, brand_id):
    token = register(client, brand_id).json["auth_token"]

    shift_session(app, token, created_at=timedelta(hours=5))

    assert get(client, STATUS, brand_id, token).status_code == 200
