"""Logins against vendor callbacks: do Argon2 logins starve BETCORE's calls?

Used by tests/test_serving_logins.py (short, generous bounds) and bench/logins_vs_vendors.py
(the README's figures). Against a running portal (gunicorn) whose database holds a brand,
players that log in and one casino player with money:

    world = LoginWorld.populate(app, betcore, logins=8, password="burst-pass-1")
    with Gunicorn(env) as server:
        world.open_casino(server.url)
        quiet = measure(server.url, betcore, world, seconds=5, login_threads=0)
        burst = measure(server.url, betcore, world, seconds=5, login_threads=8)

`measure` runs, for `seconds`: one BETCORE client staking 0.01 EUR (a fresh BetId each
time, one call every 20 ms, as callbacks arrive), one load balancer asking /healthz every
20 ms, and `login_threads` clients logging in through the gateway back to back. The times
are client-side round trips (the JWT is signed before the clock starts).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

import requests

from portal.accounts import operations as accounts
from portal.accounts.models import Player
from portal.accounts.passwords import production_hasher
from portal.casino import operations as casino
from portal.extensions import db
from portal.wallet import operations as wallet
from tests.harness.vendors import Betcore

CURRENCY, TAG_ID = "EUR", 7
PROBE_INTERVAL = 0.02  # seconds between two calls of one probe


@dataclass
class LoginWorld:
    brand_id: int
    emails: list[str]
    password: str
    casino_player: int
    refresh_token: str

    @classmethod
    def populate(cls, app, *, logins: int, password: str) -> LoginWorld:
        """A brand, `logins` players whose hashes have the production parameters (as
        gunicorn will verify them) and a casino player with 1000.00 EUR; committed."""
        password_hash = production_hasher(app.config).hash(password)  # one for all of them
        with app.app_context():
            brand = accounts.create_brand("Burst", currencies=[CURRENCY], languages=["en"])
            emails = []
            for n in range(logins + 1):
                player = accounts.register_player(
                    brand,
                    email=f"burst{n}@example.com",
                    password=password,
                    over18=True,
                    email_verified=True,
                    complete=True,
                )
                player.password_hash = password_hash
                emails.append(player.email)
            gambler: Player = player
            wallet.adjust(
                gambler, CURRENCY, "1000.00", reason="burst", operator="t", external_id="burst"
            )
            token = casino.issue_token(gambler, CURRENCY, tag_id=TAG_ID)
            db.session.commit()
            return cls(brand.id, emails[:-1], password, gambler.id, token)

    def open_casino(self, base_url: str, betcore: Betcore) -> None:
        with requests.Session() as session:
            data = {"RefreshToken": self.refresh_token, "TagId": TAG_ID}
            answer = betcore.post(session, base_url, "/users/auth", data)
            assert answer["ErrorCode"] == 200, answer


@dataclass
class Series:
    """Round-trip times (seconds) and the answers that were not the expected one."""

    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        if not self.times:
            return "no calls"
        ms = [1000 * self.quantile(q) for q in (0.5, 0.95, 0.99)]
        return (
            f"{len(self.times):5d} calls  p50 {ms[0]:6.1f} ms  p95 {ms[1]:6.1f} ms  "
            f"p99 {ms[2]:6.1f} ms  max {1000 * max(self.times):7.1f} ms"
            + (f"  {len(self.failures)} failed" if self.failures else "")
        )


@dataclass
class Measurement:
    stakes: Series
    healthz: Series
    logins: Series
    seconds: float

    def report(self, label: str) -> str:
        rate = len(self.logins.times) / self.seconds if self.seconds else 0
        return "\n".join(
            [
                f"{label}:",
                f"  BETCORE stakes  {self.stakes.summary()}",
                f"  /healthz        {self.healthz.summary()}",
                f"  logins          {self.logins.summary()}  ({rate:.1f} logins/s)",
            ]
        )


_bet_ids = itertools.count(int(time.time() * 1000) % 10**12)


def stake_once(
    session: requests.Session, base_url: str, betcore: Betcore, world: LoginWorld, series: Series
) -> None:
    """One BETCORE stake of 0.01 EUR with a fresh BetId; its time (and failure) in `series`."""
    data = {
        "Amount": "0.01",
        "TaxAmount": "0",
        "BetId": next(_bet_ids),
        "PartnerUserId": str(world.casino_player),
        "TransactionType": -1,
        "PromoCode": None,
        "TagId": TAG_ID,
    }
    token = betcore.token(data, ttl=60)
    started = time.perf_counter()
    response = session.post(
        f"{base_url}/betcore/payments/make",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    series.times.append(time.perf_counter() - started)
    if response.status_code != 200 or response.json().get("ErrorCode") != 200:
        series.failures.append(response.text[:200])


def measure(
    base_url: str, betcore: Betcore, world: LoginWorld, *, seconds: float, login_threads: int
) -> Measurement:
    stop = threading.Event()
    stakes, healthz = Series(), Series()
    logins = [Series() for _ in range(login_threads)]

    def stake(session: requests.Session, series: Series) -> None:
        stake_once(session, base_url, betcore, world, series)

    def health(session: requests.Session, series: Series) -> None:
        started = time.perf_counter()
        response = session.get(f"{base_url}/healthz", timeout=30)
        series.times.append(time.perf_counter() - started)
        if response.status_code != 200:
            series.failures.append(f"HTTP {response.status_code}")

    def login(session: requests.Session, series: Series, n: int) -> None:
        body = {"email": world.emails[n % len(world.emails)], "password": world.password}
        started = time.perf_counter()
        response = session.post(
            f"{base_url}/gateway/login/1/{world.brand_id}/player", json=body, timeout=60
        )
        series.times.append(time.perf_counter() - started)
        if response.status_code != 200:
            series.failures.append(f"HTTP {response.status_code}: {response.text[:200]}")

    def probe(call, series: Series) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                call(session, series)
                stop.wait(PROBE_INTERVAL)

    def log_in_again_and_again(n: int) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                login(session, logins[n], n)

    threads = [
        threading.Thread(target=probe, args=(stake, stakes)),
        threading.Thread(target=probe, args=(health, healthz)),
        *(threading.Thread(target=log_in_again_and_again, args=(n,)) for n in range(login_threads)),
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    all_logins = Series(
        [t for series in logins for t in series.times],
        [f for series in logins for f in series.failures],
    )
    return Measurement(stakes, healthz, all_logins, time.monotonic() - started)
