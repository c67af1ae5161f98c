"""The bank test across two app server instances on one PostgreSQL database: the stateless
promise of "Production serving".

Two gunicorn instances (separate master processes on different ports, as two machines
behind a load balancer would run them) and two outbox workers share one database. The
bank's clients are spread over both instances, and a client thread's simultaneous
duplicates (the same stake twice at once, crossed make-list batches, two players on one
bet id) reach different instances. Afterwards the bank's checker holds the history against
the ledger, `flask wallet verify` passes, both instances answered vendor calls, every
applied payment is confirmed to BETCORE, and no accept went out twice unless it had to be
retried (so the two workers never claimed one message together). A CRM poller asks the
feeds for consecutive windows from both instances in turn; its rows must hold what the
bank test's CRM check holds.

PostgreSQL only (SQLite is one file on one machine). Short in the default run; `make
reliability` (PORTAL_LONG=1) runs thousands of requests.
"""

import json
import time
from collections import Counter

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.outbox.models import OutboxMessage
from tests.harness.appserver import Gunicorn, OutboxWorker
from tests.harness.scale import report, scaled
from tests.harness.vendors import Betcore
from tests.reliability.bank import checker, crm_truth, ledger
from tests.reliability.bank.crm_poller import Poller, crm_settings, now_second
from tests.reliability.bank.workload import Plan, Run
from tests.reliability.bank.world import (
    backend,
    drain,
    environment,
    flask,
    keep_history,
    open_casino,
    populate,
)

PLAN = Plan(threads=scaled(16, 32), operations=scaled(800, 9000), seconds=scaled(18, 240))
PLAYERS = scaled(7, 8)  # the last one is the solo player
OPENING = 10_000  # cents
OUTBOX_WAIT = scaled(40, 120)  # seconds for the accepts to go out once the load is over
CRM_WINDOW = scaled(2, 5)  # seconds: the CRM poller's windows


@pytest.fixture
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


def vendor_calls(server: Gunicorn) -> int:
    """How many vendor calls this instance answered (its JSON access log)."""
    lines = (line for line in server.log().splitlines() if line.startswith("{"))
    return sum(json.loads(line)["path"].startswith(("/betcore/", "/betsy/")) for line in lines)


def sent_twice_without_a_retry(app, accepts: list[dict]) -> list[checker.Anomaly]:
    """An accept received more than once although its message was claimed only once."""
    received = Counter(accept["body"].get("PartnerTransactionId") for accept in accepts)
    with app.app_context():
        messages = db.session.execute(select(OutboxMessage.payload, OutboxMessage.attempts))
        once = [json.loads(payload)["PartnerTransactionId"] for payload, n in messages if n == 1]
    return [
        checker.Anomaly("accept", f"transaction {tx} claimed once, received {received[tx]} times")
        for tx in once
        if received[tx] > 1
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_bank_two_instances(make_app, database_url, betcore):
    started, since = time.monotonic(), now_second()
    app = make_app()
    world = populate(app, players=PLAYERS, opening=OPENING, coupons=scaled(40, 400))
    env = environment(database_url, betcore, **crm_settings())
    servers = [Gunicorn(env, workers=2, preload=True) for _ in range(2)]
    workers = [OutboxWorker(env, poll=0.2) for _ in range(2)]
    try:
        for process in (*servers, *workers):
            process.start()
        urls = [server.url for server in servers]
        with Poller(urls, start=since, seconds=CRM_WINDOW) as poller:
            open_casino(servers[1].url, betcore, world)
            run = Run(urls, betcore, world, PLAN)
            run.start()
            run.join()
            poller.finish()  # up to the window holding this moment (accepts are no CRM rows)
            left = drain(app, OUTBOX_WAIT)
            poll = poller.result()
    finally:
        for process in (*servers, *workers):
            process.stop()
    assert not run.errors, run.errors
    keep_history(run.history, "bank-two-instances", database_url)
    (verify,) = flask(env, checker.VERIFY)
    snapshot = ledger.read(app)
    accepts = betcore.accepts()
    anomalies = checker.check(run.history.ops, snapshot, world) + checker.verified(verify)
    anomalies += checker.check_accepts(snapshot, accepts) + sent_twice_without_a_retry(app, accepts)
    truth = crm_truth.read(app, poll.start, poll.end)
    anomalies += checker.check_crm(poll, truth)
    served = [vendor_calls(server) for server in servers]
    report(
        "bank-two-instances",
        backend=backend(database_url),
        operations=len(run.history.ops),
        requests=run.history.requests(),
        acknowledged=run.history.count("ok"),
        refused=run.history.count("refused"),
        unknown=run.history.count("unknown"),
        served=served,
        accepts=len(accepts),
        anomalies=len(anomalies),
        **snapshot.bonus_figures(),
        limit_refusals=checker.limit_refusals(run.history.ops),
        **poll.figures(),
        **truth.figures(),
        seconds=round(time.monotonic() - started, 1),
        load_seconds=round(run.seconds, 1),
        seed=run.seed,
    )
    assert left == 0, f"{left} accept(s) still pending after {OUTBOX_WAIT} s"
    assert all(count > 0 for count in served), served  # really spread over both
    assert not anomalies, checker.render(anomalies)
