"""Races across players at the BETCORE door, in real parallel transactions on both
databases (each thread is one request with its own test client and connection).

Found by the outside audit on PostgreSQL: a payout of player B landed on player A's new
BetId when both makes raced; two `make-list` batches naming players [A, B] and [B, A]
deadlocked (100500)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.casino.models import CasinoBet, CasinoPayment
from portal.extensions import db
from portal.wallet import operations as wallet
from portal.wallet import queries
from portal.wallet.verify import problems
from tests.harness.vendors import Betcore

TRIALS = 12


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


@pytest.fixture
def app(make_app, betcore):
    return make_app(BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0)


@pytest.fixture
def players(app, make_player):
    """Two players with 1000.00 EUR each."""
    ids = [make_player(email=f"p{n}@example.com") for n in range(2)]
    with app.app_context():
        for player_id in ids:
            wallet.adjust(
                db.session.get(Player, player_id),
                "EUR",
                "1000.00",
                reason="t",
                operator="t",
                external_id=f"open-{player_id}",
            )
        db.session.commit()
    return ids


def item(bet_id, player_id, kind, amount) -> dict:
    return {
        "BetId": bet_id,
        "PartnerUserId": str(player_id),
        "TransactionType": kind,
        "Amount": amount,
        "TaxAmount": "0",
        "TagId": 7,
    }


def at_once(app, betcore, calls) -> list:
    """Send each (path, data) as its own request, all released at the same moment."""
    barrier = threading.Barrier(len(calls))

    def send(call):
        path, data = call
        client = app.test_client()
        token = betcore.token(data, ttl=60)
        barrier.wait()
        return betcore.call(client, path, token=token)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def balance(app, player_id) -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, player_id), "EUR").real


def test_a_payout_of_another_player_never_lands_on_a_new_bet(app, betcore, players):
    a, b = players
    for trial in range(TRIALS):
        bet_id = 500_000 + trial
        stake, payout = at_once(
            app,
            betcore,
            [
                ("/payments/make", item(bet_id, a, -1, "10.00")),
                ("/payments/make", item(bet_id, b, 1, "25.00")),
            ],
        )
        codes = (stake["ErrorCode"], payout["ErrorCode"])
        assert 200 in codes and codes.count(200) == 1, (trial, stake, payout)
        assert 102823 in codes, (trial, stake, payout)
        with app.app_context():
            bet = db.session.scalar(select(CasinoBet).where(CasinoBet.bet_id == bet_id))
            owner = a if stake["ErrorCode"] == 200 else b
            assert bet.player_id == owner
            payments = db.session.scalar(select(func.count()).where(CasinoPayment.bet_id == bet_id))
            assert payments == 1
    # Each trial moved exactly one of the two: A's stake or B's payout.
    won_by_a = sum(1 for t in range(TRIALS) if _owner(app, 500_000 + t) == a)
    assert balance(app, a) == Decimal("1000.00") - 10 * won_by_a
    assert balance(app, b) == Decimal("1000.00") + 25 * (TRIALS - won_by_a)
    with app.app_context():
        assert problems() == []


def _owner(app, bet_id) -> int:
    with app.app_context():
        return db.session.scalar(select(CasinoBet.player_id).where(CasinoBet.bet_id == bet_id))


def test_batches_naming_players_in_opposite_orders_do_not_deadlock(app, betcore, players):
    a, b = players
    for trial in range(TRIALS):
        base = 600_000 + 10 * trial
        first, second = at_once(
            app,
            betcore,
            [
                (
                    "/payments/make-list",
                    {"Payments": [item(base, a, -1, "1.00"), item(base + 1, b, -1, "1.00")]},
                ),
                (
                    "/payments/make-list",
                    {"Payments": [item(base + 2, b, -1, "1.00"), item(base + 3, a, -1, "1.00")]},
                ),
            ],
        )
        for batch in (first, second):
            assert batch["ErrorCode"] == 200, (trial, batch)
            assert [answer["ErrorCode"] for answer in batch["Value"]] == [200, 200], batch
    assert balance(app, a) == balance(app, b) == Decimal("1000.00") - 2 * TRIALS
    with app.app_context():
        assert problems() == []
