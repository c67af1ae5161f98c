"""BETCORE input at the edges of what the database can hold: every value gets a documented
refusal in the envelope, never 100500 (found by the outside audit: ids beyond 64 bits,
amounts beyond the columns, lone surrogates in tokens)."""

import json
from decimal import Decimal

import pytest

from tests import test_casino_betcore as base
from tests.test_casino_betcore import auth, balance, make, ok

app, betcore, player = base.app, base.betcore, base.player  # the fixtures of the BETCORE tests

HUGE = "99999999999999999999"


@pytest.mark.parametrize("tag", [2**63, HUGE, -1, "7a", "٣"])
def test_a_tag_id_beyond_64_bits_or_not_a_number_is_a_bad_request(
    app, betcore, client, player, tag
):
    assert make(betcore, client, player, 7001, -1, "1.00", TagId=tag)["ErrorCode"] == 100400
    answer = betcore.call(client, "/users/auth", {"RefreshToken": player["token"], "TagId": tag})
    assert answer["ErrorCode"] == 100400
    assert ok(auth(betcore, client, player["token"]))["Balance"] == "100.00"  # not spent


def test_the_largest_tag_id_is_accepted(betcore, client, player):
    ok(auth(betcore, client, player["token"], tag=2**63 - 1))
    assert ok(make(betcore, client, player, 7002, -1, "1.00", TagId=2**63 - 1))["Balance"] == (
        "99.00"
    )


@pytest.mark.parametrize("bet_id", [2**63, HUGE, 0, "-5", "1e3"])
def test_a_bet_id_out_of_range_is_a_bad_request(betcore, client, player, bet_id):
    assert make(betcore, client, player, bet_id, -1, "1.00")["ErrorCode"] == 100400


@pytest.mark.parametrize("kind", [-1, 1, 4])
def test_an_amount_beyond_the_columns_is_an_incorrect_amount(app, betcore, client, player, kind):
    make(betcore, client, player, 7003, -1, "1.00")
    assert make(betcore, client, player, 7003, kind, HUGE)["ErrorCode"] == 103801
    assert make(betcore, client, player, 7003, kind, "1", TaxAmount=HUGE)["ErrorCode"] == 103801
    assert balance(app, player) == Decimal("99.00")


def test_a_cashback_beyond_the_columns_is_an_incorrect_amount(app, betcore, client, player):
    data = {"CashbackId": 9, "PartnerUserId": str(player["id"]), "Amount": HUGE}
    assert betcore.call(client, "/cashback-payments/make", data)["ErrorCode"] == 103801
    assert balance(app, player) == Decimal("100.00")


def test_many_large_payouts_cannot_overflow_a_balance(app, betcore, client, player):
    """10^13 EUR is the largest movement; a balance stops well before the 64-bit limit."""
    largest = "10000000000000.00"
    make(betcore, client, player, 7004, -1, "1.00")
    assert ok(make(betcore, client, player, 7004, 1, largest))["Balance"] == "10000000000099.00"
    assert make(betcore, client, player, 7004, 4, "10000000000000.01")["ErrorCode"] == 103801


def test_a_lone_surrogate_in_a_refresh_token_is_refused(betcore, client, player):
    data = json.dumps({"RefreshToken": "abc\ud800def", "TagId": 7})  # "\ud800" escaped
    assert betcore.call(client, "/users/auth", data)["ErrorCode"] == 100400
    assert ok(auth(betcore, client, player["token"]))["PartnerUserId"] == str(player["id"])


def test_a_lone_surrogate_or_nul_in_any_field_is_a_bad_request(betcore, client, player):
    for bad in ("abc\ud800def", "abc\x00def"):
        data = {"BetId": 7005, "PartnerUserId": str(player["id"]), "TransactionType": -1}
        answer = betcore.call(client, "/payments/make", {**data, "Amount": "1.00", "x": bad})
        assert answer["ErrorCode"] == 100400


@pytest.mark.parametrize("body", ['"abc\\ud800def"', '"\\u0000"', '"' + "é" * 20 + '"'])
def test_a_raw_body_token_that_is_not_a_jwt_is_an_invalid_token(client, body):
    response = client.post("/betcore/users/data", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.json["ErrorCode"] == 100401
