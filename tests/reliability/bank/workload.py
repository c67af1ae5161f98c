"""The load: many client threads, each with its own sessions and random source, playing the
scenarios with the shared players until the run's budget of operations (or time) is spent;
one more thread plays the solo player.

    run = Run(server.url, betcore, world, Plan(threads=16, operations=800, seconds=30))
    run.start(); run.join()          # run.history holds every request and its answer

`Run(..., operator=Operator(app))` adds the operator's withdrawal decisions.
`Run([a.url, b.url], ...)` spreads the clients over several app servers on one database
(see clients.Vendors: a thread's simultaneous duplicates reach different servers).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import threading
import time
from dataclasses import dataclass

from tests.harness.vendors import Betcore
from tests.reliability.bank.clients import Vendors
from tests.reliability.bank.history import History
from tests.reliability.bank.scenarios import ENDS, SHARED, Scenarios
from tests.reliability.bank.solo import Solo
from tests.reliability.bank.world import BETSY_SECRET, World


@dataclass(frozen=True)
class Plan:
    threads: int  # client threads on the shared players (plus one for the solo player)
    operations: int  # stop starting scenarios once this many requests are recorded
    seconds: float  # ... or once this much time has passed
    retry_seconds: float = 10  # how long a client resends an unanswered request
    seed: int | None = None  # None: a fresh one (printed, so that a run can be replayed)


GRACE_SECONDS = 2  # for the scenarios under way when the time is up
SEED_VARIABLE = "PORTAL_BANK_SEED"  # replay a run: the seed its report printed


class Run:
    def __init__(
        self, base_urls: str | list[str], betcore: Betcore, world: World, plan: Plan,
        operator=None,
    ):  # fmt: skip
        self.base_urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.operator = operator  # approves and declines withdrawals (None: nobody does)
        self.betcore, self.world, self.plan = betcore, world, plan
        seed = plan.seed if plan.seed is not None else os.environ.get(SEED_VARIABLE)
        self.seed = int(seed) if seed is not None else random.randrange(2**32)
        self.history = History()
        self._ids = itertools.count(1_000_001)
        self._ids_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.started = self.finished = 0.0
        self.stopped_at: float | None = None
        self._stopped = threading.Event()
        self._coupons = list(reversed(world.coupons))  # each given to one scenario

    def next_id(self) -> int:
        """A fresh BetId / CashbackId / group number."""
        with self._ids_lock:
            return next(self._ids)

    def take_coupon(self):
        """A seeded coupon no scenario has had yet (its results then come in order from one
        thread), or None when they are all taken."""
        with self._ids_lock:
            return self._coupons.pop() if self._coupons else None

    def more(self) -> bool:
        """May a thread start another scenario?"""
        return (
            not self._stopped.is_set()
            and len(self.history.ops) < self.plan.operations
            and time.monotonic() - self.started < self.plan.seconds
        )

    def overtime(self) -> bool:
        """Past the time budget and its grace: scenarios stop before their next request."""
        ends = self.plan.seconds if self.stopped_at is None else self.stopped_at
        return time.monotonic() - self.started > ends + GRACE_SECONDS

    def stop(self) -> None:
        """End the run early: no new scenario; those under way get the grace to finish."""
        self.stopped_at = time.monotonic() - self.started
        self._stopped.set()

    def start(self) -> None:
        self.started = time.monotonic()
        for index in range(self.plan.threads + 1):
            thread = threading.Thread(target=self._client, args=(index,), name=f"client-{index}")
            thread.start()
            self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()
        self.finished = time.monotonic()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def _client(self, index: int) -> None:
        client = Client(self, index)
        try:
            if index == self.plan.threads:
                Solo(client).play()
            else:
                client.play()
        except BaseException as exc:  # the test fails with it after the join
            self.errors.append(exc)
        finally:
            client.vendors.close()


class Client:
    """One client thread: the vendors' sessions, a random source, fresh ids."""

    def __init__(self, run: Run, index: int):
        self.run, self.world = run, run.world
        self.rng = random.Random(f"{run.seed}-{index}")
        self.vendors = Vendors(
            run.base_urls,
            run.betcore,
            BETSY_SECRET,
            run.history,
            thread=f"client-{index}",
            retry_seconds=run.plan.retry_seconds,
            offset=index,
            overtime=run.overtime,
            limited=run.world.limits,
        )
        self.next_id = run.next_id
        self.bet_id = run.next_id

    def play(self) -> None:
        scenarios = Scenarios(self)
        functions, weights = zip(*SHARED, strict=True)
        while self.run.more():
            scenario = self.rng.choices(functions, weights)[0]
            with contextlib.suppress(*ENDS):  # the next scenario, then
                scenario(scenarios)
