"""The order of a bet's payments, blocked players, currencies per frame, JWKS outages,
and payments of one bet racing each other at the door."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from portal.accounts.models import Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.test_casino_betcore import Betcore, balance, make, ok


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.server.stop()


@pytest.fixture
def app(make_app, betcore):
    return make_app(BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0)


@pytest.fixture
def player(app, make_brand, make_player):
    from portal.wallet import operations as wallet

    player_id = make_player()
    with app.app_context():
        found = db.session.get(Player, player_id)
        wallet.adjust(found, "EUR", "100.00", reason="t", operator="t", external_id="open")
        db.session.commit()
    return {"id": player_id}


def test_a_return_gives_back_exactly_the_stake(app, betcore, client, player):
    make(betcore, client, player, 1, -1, "10.00")
    assert make(betcore, client, player, 1, 2, "1.00")["ErrorCode"] == 103801
    assert balance(app, player) == Decimal("90.00")
    ok(make(betcore, client, player, 1, 2, "10.00"))
    assert balance(app, player) == Decimal("100.00")


def test_a_payout_return_takes_back_exactly_the_payout(app, betcore, client, player):
    make(betcore, client, player, 2, -1, "10.00")
    make(betcore, client, player, 2, 1, "30.00")
    assert make(betcore, client, player, 2, -2, "3.00")["ErrorCode"] == 103801
    assert balance(app, player) == Decimal("120.00")


def test_no_payout_after_a_return_and_no_return_after_a_payout(app, betcore, client, player):
    make(betcore, client, player, 3, -1, "10.00")
    ok(make(betcore, client, player, 3, 2, "10.00"))
    assert make(betcore, client, player, 3, 1, "20.00")["ErrorCode"] == 102825
    make(betcore, client, player, 4, -1, "10.00")
    ok(make(betcore, client, player, 4, 1, "20.00"))
    assert make(betcore, client, player, 4, 2, "10.00") == {
        "ErrorCode": 102826,
        "Message": "Bet already paid out",
        "Value": None,
    }
    ok(make(betcore, client, player, 4, -2, "20.00"))  # the payout taken back first...
    ok(make(betcore, client, player, 4, 2, "10.00"))  # ...then the stake can be returned
    assert balance(app, player) == Decimal("100.00")


def test_no_payout_on_a_stake_voided_by_an_early_return(app, betcore, client, player):
    ok(make(betcore, client, player, 5, 2, "10.00"))
    assert make(betcore, client, player, 5, 1, "20.00")["ErrorCode"] == 102825
    assert balance(app, player) == Decimal("100.00")


def test_an_early_payout_return_answers_its_repeat_alike(app, betcore, client, player):
    """Found by the bank test: a payout return (-2) before its payout voids the payout; the
    same -2 sent again (a resend) was refused with 103801 instead of answered again."""
    make(betcore, client, player, 6, -1, "10.00")
    first = ok(make(betcore, client, player, 6, -2, "5.00"))
    assert ok(make(betcore, client, player, 6, -2, "5.00")) == first
    assert make(betcore, client, player, 6, 1, "5.00")["ErrorCode"] == 102825
    assert balance(app, player) == Decimal("90.00")


def test_the_accept_reports_what_moved(app, betcore, client, player):
    make(betcore, client, player, 6, 2, "10.00")  # a return before its stake moves nothing
    with app.app_context():
        (message,) = db.session.scalars(db.select(OutboxMessage)).all()
        assert app.json.loads(message.payload)["Amount"] == "0.00"


def test_a_blocked_player_is_paid_what_is_owed_but_places_no_bet(app, betcore, client, player):
    make(betcore, client, player, 7, -1, "10.00")
    make(betcore, client, player, 8, -1, "10.00")
    with app.app_context():
        db.session.get(Player, player["id"]).status = "blocked"
        db.session.commit()
    ok(make(betcore, client, player, 7, 1, "25.00"))
    ok(make(betcore, client, player, 8, 2, "10.00"))
    assert make(betcore, client, player, 9, -1, "1.00")["ErrorCode"] == 102146
    assert balance(app, player) == Decimal("115.00")


def test_the_currency_is_the_frames(app, betcore, client, player):
    with app.app_context():
        found = db.session.get(Player, player["id"])
        eur = casino.issue_token(found, "EUR", tag_id=7)
        usd = casino.issue_token(found, "USD", tag_id=8)
        db.session.commit()
    for token, tag in ((eur, 7), (usd, 8)):
        ok(betcore.call(client, "/users/auth", {"RefreshToken": token, "TagId": tag}))
    assert make(betcore, client, player, 10, -1, "5.00", TagId=7)["Value"]["Currency"] == "EUR"
    refused = make(betcore, client, player, 11, -1, "5.00", TagId=8)  # no USD money yet
    assert refused["ErrorCode"] == 103802 and refused["Value"] == {"Balance": "0.00"}
    assert balance(app, player) == Decimal("95.00")


def test_known_keys_survive_a_jwks_outage(make_app, player):
    vendor = Betcore()
    app = make_app(BETCORE_API_URL=vendor.server.url)
    data = {"PartnerUserId": str(player["id"]), "TagId": 7}
    client = app.test_client()
    ok(vendor.call(client, "/users/data", data))
    vendor.server.stop()
    assert ok(vendor.call(client, "/users/data", data)) == {"Balance": "100.00"}


class SlowJwks(Betcore):
    """A JWKS that takes half a second to answer."""

    def jwks(self):
        time.sleep(0.5)
        return super().jwks()


def test_the_first_calls_after_a_start_wait_for_the_first_key_fetch(make_app, player):
    """Found by `make test-floors`: calls arriving together before any key is known were
    refused (100401) while the first of them fetched the JWKS."""
    vendor = SlowJwks()
    try:
        app = make_app(BETCORE_API_URL=vendor.server.url, BETCORE_JWKS_COOLDOWN=60)
        data = {"PartnerUserId": str(player["id"]), "TagId": 7}
        tokens = [vendor.token(data) for _ in range(6)]
        barrier = threading.Barrier(len(tokens))

        def call(token):
            client = app.test_client()
            barrier.wait()
            return vendor.call(client, "/users/data", token=token)

        with ThreadPoolExecutor(len(tokens)) as pool:
            answers = list(pool.map(call, tokens))
        assert [answer["ErrorCode"] for answer in answers] == [200] * len(tokens), answers
        assert vendor.fetches == 1
    finally:
        vendor.stop()


def test_unknown_kids_refetch_at_most_once_per_cooldown(make_app, player):
    vendor = Betcore()
    try:
        app = make_app(BETCORE_API_URL=vendor.server.url, BETCORE_JWKS_COOLDOWN=60)
        data = {"PartnerUserId": str(player["id"]), "TagId": 7}
        client = app.test_client()
        ok(vendor.call(client, "/users/data", data))
        fetched = vendor.fetches
        for n in range(5):
            forged = vendor.token(data, kid=f"made-up-{n}", key=vendor.keys[vendor.kid])
            assert vendor.call(client, "/users/data", token=forged)["ErrorCode"] == 100401
        assert vendor.fetches <= fetched + 1
    finally:
        vendor.server.stop()


def test_payments_of_one_bet_racing_at_the_door(app, betcore, player):
    """Stake, return and payout of one bet at the same moment, ten times: whatever the
    order, a payout is never paid without its stake, nor together with its return."""
    for bet in range(100, 110):
        barrier = threading.Barrier(3)

        def send(kind, amount, bet=bet, barrier=barrier):
            barrier.wait()
            return make(betcore, app.test_client(), player, bet, kind, amount)["ErrorCode"]

        with ThreadPoolExecutor(3) as pool:
            stake, back, payout = pool.map(
                lambda args: send(*args), [(-1, "1.00"), (2, "1.00"), (1, "3.00")]
            )
        assert not (payout == 200 and back == 200), (stake, back, payout)
        if payout == 200:
            assert stake == 200
    with app.app_context():
        from portal.wallet import verify

        assert verify.problems() == []
