"""The crash test: the bank's load (coupons placed on the slip and their results included)
while a killer SIGKILLs the gunicorn process group and the outbox worker at random moments
and starts them again. The vendors' clients take a connection error as "unknown" and resend
the same request until it is answered, as vendors do; a player resends the same slip form
(its one-time key makes it the same coupon). The calculation service's stand-in is not
killed: a coupon it accepted while the portal died stays "placing", its stake held.
Afterwards the bank's checks hold, the outbox delivers every pending accept, and the BETCORE
stand-in holds an accept (at least once, copies identical) for every applied make and
cashback, with its BetId, TransactionType and PartnerTransactionId.

A CRM poller asks the feeds for consecutive windows throughout, through the kills (a
window whose answer was cut off is asked again); its rows must hold what the bank test's
CRM check holds (tests/reliability/test_bank.py).

Short in the default run (two kills of each); `make reliability` kills ten times each.
"""

import contextlib
import random
import threading
import time

import pytest

from tests.harness.appserver import Gunicorn, OutboxWorker
from tests.harness.scale import report, scaled
from tests.harness.vendors import Betcore
from tests.reliability.bank import checker, crm_truth, ledger
from tests.reliability.bank.crm_poller import Poller, crm_settings, now_second
from tests.reliability.bank.operator import Operator
from tests.reliability.bank.workload import Plan, Run
from tests.reliability.bank.world import (
    backend,
    calculation_service,
    drain,
    environment,
    flask,
    keep_history,
    open_casino,
    payment_provider,
    populate,
)

KILLS = scaled(2, 10)  # of the app server, and as many of the worker
UP = scaled((1, 3), (5, 20))  # seconds each process runs before its next kill
DOWN = (0, 1)  # seconds it stays dead
TAIL = 2  # seconds of load after the last restart
PLAN = Plan(
    threads=scaled(12, 24),
    operations=10**6,  # the killers decide: the load ends a little after their last kill
    seconds=scaled(120, 900),  # (a bound, should a restart hang)
    retry_seconds=120,  # resend until answered: longer than any restart
)
OUTBOX_WAIT = scaled(40, 120)  # seconds for the outbox to drain once the load is over
CRM_WINDOW = scaled(2, 5)  # seconds: the CRM poller's windows


@pytest.fixture
def betcore():
    vendor = Betcore(accept_failure_rate=0.05)  # some accepts must be retried as well
    yield vendor
    vendor.stop()


class Killer(threading.Thread):
    """SIGKILLs one process `kills` times, each after a random time up, and starts it again
    after a random time down (the start waits until it serves again)."""

    def __init__(self, process, *, kills: int, up: tuple, down: tuple, rng: random.Random):
        super().__init__(name=f"killer-{type(process).__name__}")
        self.process, self.kills, self.up, self.down, self.rng = process, kills, up, down, rng
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            for _ in range(self.kills):
                time.sleep(self.rng.uniform(*self.up))
                self.process.kill()
                time.sleep(self.rng.uniform(*self.down))
                self.process.start()
        except BaseException as exc:
            self.errors.append(exc)


def outbox_empty(left: int, listed) -> list[checker.Anomaly]:
    """Nothing pending, by the database and by `flask --app app outbox list`."""
    if left or listed.returncode or listed.stdout.strip():
        text = f"{left} accept(s) still pending after {OUTBOX_WAIT} s:\n{listed.stdout[-2000:]}"
        return [checker.Anomaly("outbox", text + listed.stderr[-1000:])]
    return []


def test_crash(make_app, database_url, betcore):
    started, since = time.monotonic(), now_second()
    app = make_app()
    world = populate(app, players=7, opening=10_000, coupons=scaled(40, 400), slip=True)
    with contextlib.ExitStack() as stack:
        settings = stack.enter_context(calculation_service())
        settings |= stack.enter_context(payment_provider(app))
        env = environment(
            database_url,
            betcore,
            OUTBOX_HTTP_TIMEOUT=2,
            OUTBOX_MAX_BACKOFF_SECONDS=2,
            **settings,
            **crm_settings(),
        )
        server = stack.enter_context(Gunicorn(env, workers=4, preload=True))
        worker = stack.enter_context(OutboxWorker(env, poll=0.2))
        poller = stack.enter_context(Poller(server.url, start=since, seconds=CRM_WINDOW))
        open_casino(server.url, betcore, world)
        run = Run(server.url, betcore, world, PLAN, Operator(app))
        rng = random.Random(run.seed)
        killers = [Killer(p, kills=KILLS, up=UP, down=DOWN, rng=rng) for p in (server, worker)]
        run.start()
        for killer in killers:
            killer.start()
        for killer in killers:
            killer.join()
        time.sleep(TAIL)
        run.stop()
        run.join()
        poller.finish()  # up to the window holding this moment (accepts are no CRM rows)
        left = drain(app, OUTBOX_WAIT)
        listed, verify = flask(env, ["outbox", "list", "--status", "pending"], checker.VERIFY)
        poll = poller.result()
    assert not run.errors, run.errors
    assert not [k.errors for k in killers if k.errors]
    keep_history(run.history, "crash", database_url)
    snapshot = ledger.read(app)
    anomalies = checker.check(run.history.ops, snapshot, world) + outbox_empty(left, listed)
    anomalies += checker.check_accepts(snapshot, betcore.accepts()) + checker.verified(verify)
    truth = crm_truth.read(app, poll.start, poll.end)
    anomalies += checker.check_crm(poll, truth)
    report(
        "crash",
        backend=backend(database_url),
        operations=len(run.history.ops),
        requests=run.history.requests(),
        acknowledged=run.history.count("ok"),
        refused=run.history.count("refused"),
        unknown=run.history.count("unknown"),
        kills=server.kills + worker.kills,
        accepts=len(betcore.accepts()),
        anomalies=len(anomalies),
        **snapshot.bonus_figures(),
        limit_refusals=checker.limit_refusals(run.history.ops),
        **poll.figures(),
        **truth.figures(),
        seconds=round(time.monotonic() - started, 1),
        load_seconds=round(run.seconds, 1),
        seed=run.seed,
    )
    assert (server.kills, worker.kills) == (KILLS, KILLS)
    assert not anomalies, checker.render(anomalies)
