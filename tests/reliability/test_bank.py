"""The bank test (Jepsen-style): many concurrent vendor clients over real HTTP against
gunicorn with four workers, on SQLite and PostgreSQL, play stakes, payouts, returns,
payout returns, jackpots, cashbacks, Betsy bets, settles, corrections, unsettles and
rollbacks (also before the bet and after a settle), the calculation service's coupon
results (won, lost, returned, corrected), deposits and the provider's callbacks,
withdrawals (asked, cancelled, approved with payouts that succeed or fail, declined) and
bonuses (claimed, given with deposits, played real money first, converted or forfeited)
for a handful of players; duplicates at
the same moment, crossed make-list batches and two players on one bet id. Afterwards the
checker holds the history of requests and answers against the ledger (see
tests/reliability/bank/checker.py), and `flask wallet verify` must pass.

Meanwhile a CRM poller asks every CRM feed for consecutive windows of a few seconds, each
as soon as it has ended, as InTarget does (tests/reliability/bank/crm_poller.py); the
checker holds what it received against the database: every changed row exactly in the
window of its modification time, and in its final state in the end.

Short in the default run; `make reliability` (PORTAL_LONG=1) runs thousands of requests.
PORTAL_BANK_HISTORY=/some/prefix keeps each run's history as JSON lines.
"""

import time

import pytest

from tests.harness.appserver import Gunicorn
from tests.harness.scale import report, scaled
from tests.harness.vendors import Betcore
from tests.reliability.bank import checker, crm_truth, ledger
from tests.reliability.bank.crm_poller import Poller, crm_settings, now_second
from tests.reliability.bank.operator import Operator
from tests.reliability.bank.workload import Plan, Run
from tests.reliability.bank.world import (
    backend,
    calculation_service,
    environment,
    flask,
    keep_history,
    open_casino,
    payment_provider,
    populate,
)

PLAN = Plan(threads=scaled(16, 32), operations=scaled(800, 9000), seconds=scaled(18, 240))
PLAYERS = scaled(7, 8)  # the last one is the solo player
OPENING = 10_000  # cents
COUPONS = scaled(40, 400)  # open coupons whose results the calculation service posts
CRM_WINDOW = scaled(2, 5)  # seconds: the CRM poller's windows


@pytest.fixture
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


def test_bank(make_app, database_url, betcore):
    started, since = time.monotonic(), now_second()
    app = make_app()
    world = populate(app, players=PLAYERS, opening=OPENING, coupons=COUPONS, slip=True)
    with calculation_service() as service, payment_provider(app) as provider:
        env = environment(database_url, betcore, **service, **provider, **crm_settings())
        with (
            Gunicorn(env, workers=4, preload=True) as server,
            Poller(server.url, start=since, seconds=CRM_WINDOW) as poller,
        ):
            open_casino(server.url, betcore, world)
            run = Run(server.url, betcore, world, PLAN, Operator(app))
            run.start()
            run.join()
            poller.finish()  # up to the window holding this moment; meanwhile, verify
            (verify,) = flask(env, checker.VERIFY)
            poll = poller.result()
    assert not run.errors, run.errors
    keep_history(run.history, "bank", database_url)
    snapshot = ledger.read(app)
    anomalies = checker.check(run.history.ops, snapshot, world) + checker.verified(verify)
    truth = crm_truth.read(app, poll.start, poll.end)
    anomalies += checker.check_crm(poll, truth)
    report(
        "bank",
        backend=backend(database_url),
        operations=len(run.history.ops),
        requests=run.history.requests(),
        acknowledged=run.history.count("ok"),
        refused=run.history.count("refused"),
        unknown=run.history.count("unknown"),
        anomalies=len(anomalies),
        **snapshot.bonus_figures(),
        limit_refusals=checker.limit_refusals(run.history.ops),
        **poll.figures(),
        **truth.figures(),
        seconds=round(time.monotonic() - started, 1),
        load_seconds=round(run.seconds, 1),
        seed=run.seed,
    )
    assert not anomalies, checker.render(anomalies)
