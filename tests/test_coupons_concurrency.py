"""Results of the calculation service arriving at the same moment, over real HTTP, on both
databases: eight senders post batches of won / lost / returned results (identical bodies
twice at once, now and then) on the same coupons while the player's coupons are being
placed and stakes taken. Afterwards every coupon's payout is what its last applied result
says, the ledger explains each coupon's money, the player's balance adds up, and nothing
was recorded twice or lost."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.coupons.models import Coupon, CouponResult
from portal.extensions import db
from portal.wallet import operations as wallet
from portal.wallet import queries, verify
from portal.wallet.models import Transaction
from tests.harness.coupons import open_coupon
from tests.harness.live_server import LiveServer

SECRET = "concurrent-results"
COUPONS, SENDERS, BATCHES, BATCH = 12, 8, 12, 4
WON, RETURNED, LOST = 2, 3, 4
OPENING = 100_000  # cents


@pytest.fixture
def world(app, make_player):
    app.config["BETCALC_RESULT_SECRET"] = SECRET
    player_id = make_player()
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "1000.00", reason="opening", operator="t", external_id="o")
        coupons = {}
        for n in range(COUPONS):
            stake = 100 * (n + 1)
            coupon = open_coupon(player, f"race-{n}", stake)
            coupons[coupon.barcode] = (coupon.id, stake, stake * 5 // 2)  # id, stake, won
        db.session.commit()
    with LiveServer(app) as server:
        yield server.url, player_id, coupons


def _head(barcode: str, status: int, won: int) -> dict:
    amount = f"{won / 100:.2f}" if status == WON else 0
    return {
        "KeyHead": {"Id": "1", "BarCode": barcode},
        "Status": status,
        "ExtStatus": 0,
        "AmountOut": amount,
    }


def test_concurrent_results_leave_every_coupon_and_the_ledger_consistent(app, world):
    url, player_id, coupons = world
    endpoint = f"{url}/betcalc/{SECRET}/api/bet/result"
    posted, failures, lock = Counter(), [], threading.Lock()
    start = threading.Barrier(SENDERS)

    def sender(seed: int) -> None:
        rng, session = random.Random(seed), requests.Session()
        start.wait()
        for _ in range(BATCHES):
            heads = [
                _head(code, rng.choice((WON, WON, LOST, RETURNED)), coupons[code][2])
                for code in rng.sample(sorted(coupons), BATCH)
            ]
            copies = 2 if rng.random() < 0.25 else 1  # the same body twice at once
            threads = [
                threading.Thread(target=post, args=(requests.Session(), heads))
                for _ in range(copies - 1)
            ]
            for thread in threads:
                thread.start()
            post(session, heads)
            for thread in threads:
                thread.join()

    def post(session, heads) -> None:
        answer = session.post(endpoint, json={"remote_host": url, "Heads": heads}, timeout=60)
        with lock:
            posted["items"] += len(heads)
            if (
                answer.status_code != 200
                or answer.json().get("malformed")
                or answer.json().get("refused")
            ):
                failures.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=sender, args=(seed,)) for seed in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    with app.app_context():
        results = db.session.scalar(select(func.count()).select_from(CouponResult))
        assert results == posted["items"]  # every item kept, none twice
        paid_total = 0
        for code, (coupon_id, stake, won) in coupons.items():
            coupon = db.session.get(Coupon, coupon_id)
            last = db.session.scalars(
                select(CouponResult)
                .where(CouponResult.coupon_id == coupon_id, CouponResult.outcome == "applied")
                .order_by(CouponResult.id.desc())
            ).first()
            expected = {"won": won, "lost": 0, "returned": stake, "open": 0}[coupon.status]
            assert coupon.payout == expected, code
            if last is not None:  # the status is the last applied result's
                assert {WON: "won", LOST: "lost", RETURNED: "returned"}[
                    last.status
                ] == coupon.status
            moved = db.session.scalar(
                select(func.coalesce(func.sum(Transaction.amount), 0)).where(
                    Transaction.source == "coupons", Transaction.reference == f"coupon:{coupon_id}"
                )
            )
            assert moved == coupon.payout, code  # the ledger explains the payout
            paid_total += coupon.payout
        stakes = sum(stake for _, stake, _ in coupons.values())
        balance = queries.real_balance(player_id, "EUR")
        assert int(balance * 100) == OPENING - stakes + paid_total
        assert verify.problems() == []
