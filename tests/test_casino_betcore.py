"""BETCORE's calls, made as BETCORE makes them: RS256 JWTs signed with our own RSA key,
whose public half a JWKS server on 127.0.0.1 serves. Every answer is an HTTP 200 envelope."""

import json
import time
from decimal import Decimal

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.accounts.models import Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.wallet import operations as wallet
from tests.harness.vendors import CLIENT_ID, Betcore

__all__ = ["CLIENT_ID", "Betcore"]  # shared with the other BETCORE tests


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.server.stop()


@pytest.fixture
def app(make_app, betcore):
    return make_app(BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0)


@pytest.fixture
def player(app, make_player):
    """A player with 100.00 EUR who opened the casino (one /users/auth)."""
    player_id = make_player()
    with app.app_context():
        found = db.session.get(Player, player_id)
        wallet.adjust(found, "EUR", "100.00", reason="test", operator="t", external_id="open")
        token = casino.issue_token(found, "EUR", tag_id=7)
        db.session.commit()
    return {"id": player_id, "token": token}


def auth(betcore, client, refresh_token, tag=7):
    return betcore.call(client, "/users/auth", {"RefreshToken": refresh_token, "TagId": tag})


def make(betcore, client, player, bet, kind, amount, **extra):
    data = {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet,
        "PartnerUserId": str(player["id"]),
        "TransactionType": kind,
        "PromoCode": None,
        "TagId": 7,
        **extra,
    }
    return betcore.call(client, "/payments/make", data)


def balance(app, player) -> Decimal:
    from portal.wallet import queries

    with app.app_context():
        return queries.balance(db.session.get(Player, player["id"]), "EUR").real


def ok(answer) -> dict:
    assert (answer["ErrorCode"], answer["Message"]) == (200, "Success"), answer
    return answer["Value"]


# --- users ---------------------------------------------------------------------------------


def test_auth_rotates_the_refresh_token(betcore, client, player):
    value = ok(auth(betcore, client, player["token"]))
    assert (value["PartnerUserId"], value["Currency"], value["Balance"]) == (
        str(player["id"]),
        "EUR",
        "100.00",
    )
    assert value["RefreshToken"] != player["token"]
    assert auth(betcore, client, player["token"])["ErrorCode"] == 102147  # spent
    assert ok(auth(betcore, client, value["RefreshToken"]))["PartnerUserId"] == str(player["id"])


def test_auth_refuses_unknown_and_expired_tokens(app, betcore, client, player):
    from portal.casino.models import CasinoToken

    assert auth(betcore, client, "not-a-token")["ErrorCode"] == 102147
    with app.app_context():
        db.session.query(CasinoToken).update({"expires_at": CasinoToken.created_at})
        db.session.commit()
    assert auth(betcore, client, player["token"]) == {
        "ErrorCode": 102147,
        "Message": "Invalid refresh token",
        "Value": None,
    }


def test_users_data_gives_the_balance(betcore, client, player):
    answer = betcore.call(client, "/users/data", {"PartnerUserId": str(player["id"]), "TagId": 7})
    assert ok(answer) == {"Balance": "100.00"}
    unknown = betcore.call(client, "/users/data", {"PartnerUserId": "999999", "TagId": 7})
    assert (unknown["ErrorCode"], unknown["Message"]) == (102145, "User not found")


# --- payments ------------------------------------------------------------------------------


def test_a_bet_and_a_win(app, betcore, client, player):
    ok(auth(betcore, client, player["token"]))
    stake = ok(make(betcore, client, player, 1001, -1, "10.00"))
    assert stake["Balance"] == "90.00"
    win = ok(make(betcore, client, player, 1001, 1, "25.50"))
    assert (win["Balance"], balance(app, player)) == ("115.50", Decimal("115.50"))
    assert win["PartnerTransactionId"] != stake["PartnerTransactionId"]


def test_a_lost_bet_pays_zero(app, betcore, client, player):
    make(betcore, client, player, 1002, -1, "10.00")
    lost = ok(make(betcore, client, player, 1002, 1, "0"))
    assert (lost["Balance"], balance(app, player)) == ("90.00", Decimal("90.00"))


def test_repeats_return_the_same_transaction_and_move_nothing(app, betcore, client, player):
    first = ok(make(betcore, client, player, 1003, -1, "10.00"))
    again = ok(make(betcore, client, player, 1003, -1, "10.00"))
    assert again["PartnerTransactionId"] == first["PartnerTransactionId"]
    assert balance(app, player) == Decimal("90.00")
    other = make(betcore, client, player, 1003, -1, "11.00")
    assert other["ErrorCode"] == 102823
    assert balance(app, player) == Decimal("90.00")


def test_a_bonus_players_answers_name_real_and_bonus_money(app, betcore, client, player):
    """Found by the bank test: a repeat and a refusal for want of money reported real money
    only; BETCORE's Balance is the playable balance (real and bonus)."""
    from portal.bonuses import operations as bonuses

    with app.app_context():
        bonuses.create("Ten", "TEN", amount="10.00", wagering="30", max_conversion="10", days=7)
        bonuses.grant(db.session.get(Player, player["id"]), bonuses.by_code("TEN"), "EUR")
        db.session.commit()
    assert ok(make(betcore, client, player, 1013, -1, "5.00"))["Balance"] == "105.00"
    assert ok(make(betcore, client, player, 1013, -1, "5.00"))["Balance"] == "105.00"
    refused = make(betcore, client, player, 1014, -1, "105.01")
    assert (refused["ErrorCode"], refused["Value"]["Balance"]) == (103802, "105.00")


def test_bet_return_refunds_the_stake_once(app, betcore, client, player):
    make(betcore, client, player, 1004, -1, "10.00")
    ok(make(betcore, client, player, 1004, 2, "10.00"))
    ok(make(betcore, client, player, 1004, 2, "10.00"))  # a repeat
    assert balance(app, player) == Decimal("100.00")


def test_a_return_before_the_stake_refuses_the_late_stake(app, betcore, client, player):
    early = ok(make(betcore, client, player, 1005, 2, "10.00"))
    assert early["Balance"] == "100.00"
    late = make(betcore, client, player, 1005, -1, "10.00")
    assert (late["ErrorCode"], balance(app, player)) == (102825, Decimal("100.00"))


def test_payout_return_and_jackpot(app, betcore, client, player):
    make(betcore, client, player, 1006, -1, "10.00")
    make(betcore, client, player, 1006, 1, "30.00")
    taken = ok(make(betcore, client, player, 1006, -2, "30.00"))
    assert taken["Balance"] == "90.00"
    jackpot = ok(make(betcore, client, player, 1007, 4, "500.00"))
    assert (jackpot["Balance"], balance(app, player)) == ("590.00", Decimal("590.00"))


def test_insufficient_funds_carries_the_balance(app, betcore, client, player):
    answer = make(betcore, client, player, 1008, -1, "100.01")
    assert answer == {
        "ErrorCode": 103802,
        "Message": "Insufficient funds",
        "Value": {"Balance": "100.00"},
    }
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize("amount", ["-5", "1.001", "abc", "", None, 5, "1E+2"])
def test_bad_amounts(app, betcore, client, player, amount):
    answer = make(betcore, client, player, 1009, -1, amount)
    assert (answer["ErrorCode"], answer["Message"]) == (103801, "Incorrect amount")
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("PartnerUserId", "999999", 102145), ("PartnerUserId", None, 102145),
     ("BetId", "x", 100400), ("BetId", -1, 100400), ("TransactionType", 3, 100400),
     ("TransactionType", "-1", 100400)],
)  # fmt: skip
def test_bad_fields(betcore, client, player, field, value, code):
    data = {
        "Amount": "1.00",
        "BetId": 1010,
        "PartnerUserId": str(player["id"]),
        "TransactionType": -1,
        field: value,
    }
    assert betcore.call(client, "/payments/make", data)["ErrorCode"] == code


def test_make_list_answers_each_item(app, betcore, client, player):
    items = [
        {
            "Amount": "10.00",
            "BetId": 2001,
            "PartnerUserId": str(player["id"]),
            "TransactionType": -1,
        },
        {
            "Amount": "999.00",
            "BetId": 2002,
            "PartnerUserId": str(player["id"]),
            "TransactionType": -1,
        },
        {"Amount": "5.00", "BetId": 2001, "PartnerUserId": str(player["id"]), "TransactionType": 1},
    ]
    answers = ok(betcore.call(client, "/payments/make-list", {"Payments": items}))
    assert [a["ErrorCode"] for a in answers] == [200, 103802, 200]
    assert [a["BetId"] for a in answers] == [2001, 2002, 2001]
    assert balance(app, player) == Decimal("95.00")


def test_info_lists_a_bets_transactions_and_close_reopens(betcore, client, player):
    stake = ok(make(betcore, client, player, 3001, -1, "4.00", TaxAmount="0.40"))
    make(betcore, client, player, 3001, 1, "8.00")
    info = ok(betcore.call(client, "/payments/info", {"BetId": 3001}))
    assert [(i["TransactionType"], i["Amount"], i["TaxAmount"]) for i in info] == [
        (-1, "4.00", "0.40"),
        (1, "8.00", "0.00"),
    ]
    assert info[0]["PartnerTransactionId"] == stake["PartnerTransactionId"]
    closed = ok(betcore.call(client, "/payments/close", {"BetId": 3001, "IsClosed": True}))
    assert closed == {"BetId": 3001, "IsClosed": True}
    reopened = ok(betcore.call(client, "/payments/close", {"BetId": 3001, "IsClosed": False}))
    assert reopened["IsClosed"] is False
    assert betcore.call(client, "/payments/info", {"BetId": 9999})["ErrorCode"] == 102824


def test_game_sessions_count_bets_and_wins(app, betcore, client, player):
    from portal.casino.models import GameSession

    session_id = ok(auth(betcore, client, player["token"]))["SessionId"]
    make(betcore, client, player, 4001, -1, "2.00")
    make(betcore, client, player, 4001, 1, "5.00")
    make(betcore, client, player, 4002, -1, "3.00")
    make(betcore, client, player, 4002, 1, "0")
    with app.app_context():
        session = db.session.get(GameSession, session_id)
        assert (session.bet_count, session.win_count, session.bet_amount, session.win_amount) == (
            2,
            1,
            500,
            500,
        )
        assert session.first_action_at <= session.last_action_at


# --- the JWT ------------------------------------------------------------------------------


def test_the_jwt_may_come_as_the_raw_body(betcore, client, player):
    data = {"PartnerUserId": str(player["id"]), "TagId": 7}
    assert ok(betcore.call(client, "/users/data", data, raw_body=True)) == {"Balance": "100.00"}


@pytest.mark.parametrize(
    "forgery",
    [
        "expired",
        "not_yet_valid",
        "foreign_key",
        "wrong_client",
        "alg_none",
        "hs256_confusion",
        "garbage",
        "missing",
        "data_not_json",
        "data_not_object",
        "unknown_kid",
    ],
)
def test_forged_or_stale_tokens_are_refused(app, betcore, client, player, forgery):
    data = {"PartnerUserId": str(player["id"]), "TagId": 7}
    public_pem = (
        betcore.keys[betcore.kid]
        .public_key()
        .public_bytes(
            encoding=__import__(
                "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]
            ).Encoding.PEM,
            format=__import__(
                "cryptography.hazmat.primitives.serialization", fromlist=["PublicFormat"]
            ).PublicFormat.SubjectPublicKeyInfo,
        )
    )
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "expired": lambda: betcore.token(data, ttl=-10),
        "not_yet_valid": lambda: betcore.token(data, nbf_shift=60, ttl=120),
        "foreign_key": lambda: betcore.token(data, key=other_key),
        "wrong_client": lambda: betcore.token(data, client_id="PartnerClient-9999"),
        "alg_none": lambda: jwt.encode(
            {
                "client_id": CLIENT_ID,
                "data": json.dumps(data),
                "exp": int(time.time()) + 10,
                "nbf": int(time.time()),
            },
            None,
            algorithm="none",
            headers={"kid": betcore.kid},
        ),
        "hs256_confusion": lambda: _hs256_with_public_key(public_pem, data, betcore.kid),
        "garbage": lambda: "not.a.jwt",
        "missing": lambda: "",
        "data_not_json": lambda: betcore.token("{not json"),
        "data_not_object": lambda: betcore.token([1, 2]),
        "unknown_kid": lambda: betcore.token(data, key=other_key, kid="no-such-kid"),
    }
    token = tokens[forgery]()
    if forgery == "missing":
        response = client.post("/betcore/users/data")
        answer = response.json
    else:
        answer = betcore.call(client, "/users/data", token=token)
    expected = 100400 if forgery.startswith("data_not") else 100401
    assert answer["ErrorCode"] == expected, forgery
    assert answer["Value"] is None


def _hs256_with_public_key(public_pem: bytes, data, kid) -> str:
    """The classic confusion: HMAC-SHA256 keyed with the RSA public key (PyJWT refuses to
    make one, so it is assembled by hand)."""
    import base64
    import hashlib
    import hmac

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    now = int(time.time())
    payload = b64(
        json.dumps(
            {"client_id": CLIENT_ID, "data": json.dumps(data), "exp": now + 10, "nbf": now}
        ).encode()
    )
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_a_new_key_is_fetched_when_an_unknown_kid_arrives(betcore, client, player):
    data = {"PartnerUserId": str(player["id"]), "TagId": 7}
    ok(betcore.call(client, "/users/data", data))
    before = betcore.fetches
    new_kid = betcore.rotate()
    assert ok(betcore.call(client, "/users/data", data, kid=new_kid)) == {"Balance": "100.00"}
    assert betcore.fetches == before + 1
    ok(betcore.call(client, "/users/data", data, kid=new_kid))
    assert betcore.fetches == before + 1  # cached


def test_http_errors_are_envelopes_too(client):
    for response in (client.get("/betcore/users/auth"), client.post("/betcore/nope")):
        assert (response.status_code, response.json["ErrorCode"]) == (200, 100400)
    assert client.get("/betcore/users/auth").json == {
        "ErrorCode": 100400,
        "Message": "Bad request",
        "Value": None,
    }
    assert client.post("/betcore/nope").json["ErrorCode"] == 100400
