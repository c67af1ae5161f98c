"""Bets racing under a loss limit, in real parallel requests on both databases: together
they never cross the limit (the stake's balance UPDATE locks the account before the limit
is read, so the player's stakes take turns), and every refusal is Betsy's 12 / BETCORE's
103805 with nothing taken."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from portal.extensions import db
from portal.limits import operations as limits
from portal.wallet import queries
from tests.test_betsy_api import Betsy, new_tx
from tests.test_limits_doors import app, betcore, limit, make, who  # noqa: F401 (fixtures)

THREADS = 8


def race(calls) -> list:
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_parallel_betsy_bets_never_cross_a_loss_limit(app, who):  # noqa: F811
    limit(app, who, "loss", "day", "35")

    def place():
        return Betsy(app.test_client()).place(who, new_tx(), Decimal("10"))

    answers = race([place] * THREADS)
    placed = [a for a in answers if a.status == 200]
    assert len(placed) == 3
    assert sorted(a.code() for a in answers if a.status != 200) == [12] * (THREADS - 3)
    with app.app_context():
        assert queries.real_balance(who.id, "EUR") == Decimal("70.00")


def test_parallel_betcore_stakes_and_a_new_lower_limit(app, who, betcore):  # noqa: F811
    """Stakes racing each other and the player lowering the limit: never more than the
    limit lost, whatever order the database chose."""
    limit(app, who, "loss", "week", "50")

    def stake(n):
        return lambda: make(betcore, app.test_client(), who, 100 + n, -1, "10")

    def lower():
        with app.app_context():
            from portal.accounts.models import Player

            player = db.session.get(Player, who.id)
            limits.set_limit(player, "loss", "week", "EUR", 2500)
            db.session.commit()
        return {"ErrorCode": "lowered"}

    answers = race([stake(n) for n in range(THREADS - 1)] + [lower])
    codes = [a["ErrorCode"] for a in answers]
    accepted = codes.count(200)
    assert 2 <= accepted <= 5 and codes.count(103805) == THREADS - 1 - accepted
    with app.app_context():
        lost = Decimal("100.00") - queries.real_balance(who.id, "EUR")
    assert lost == 10 * accepted and lost <= 50
