"""Logins must not starve vendor callbacks (gunicorn on PostgreSQL).

Logins are made expensive on purpose (Argon2id with 64 MiB and 6 passes: a second or so a
hash here) and four clients log in back to back, while BETCORE stakes and a load
balancer's /healthz keep coming. Every stake and every check must be answered faster than
a typical login: none waited behind a login's hash. With sync workers (one request per
process) they would queue behind the logins; gthread workers answer them on other threads
while the hashing runs, bounded and at a lower CPU priority (portal/accounts/hashing.py).

The README's figures (OWASP's cost, quiet and during a burst) come from
bench/logins_vs_vendors.py; this test only holds the bound.
"""

import statistics

import pytest

from tests.harness.appserver import Gunicorn, portal_environment
from tests.harness.login_burst import LoginWorld, measure
from tests.harness.vendors import CLIENT_SECRET, Betcore

HEAVY = {"PASSWORD_HASH_MEMORY_KIB": 65_536, "PASSWORD_HASH_TIME_COST": 6}
LOGIN_CLIENTS = 4


@pytest.fixture
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_logins_do_not_hold_up_stakes_or_health_checks(make_app, database_url, betcore):
    app = make_app(**HEAVY)
    world = LoginWorld.populate(app, logins=LOGIN_CLIENTS, password="burst-pass-1")
    env = portal_environment(
        database_url,
        BETCORE_API_URL=betcore.url,
        BETCORE_CLIENT_SECRET=CLIENT_SECRET,
        LOGIN_RATE_LIMIT="100000 per minute",
        **HEAVY,
    )
    with Gunicorn(env, workers=2, preload=True) as server:
        world.open_casino(server.url, betcore)
        burst = measure(server.url, betcore, world, seconds=6, login_threads=LOGIN_CLIENTS)
    print(burst.report("heavy logins"))
    for series in (burst.stakes, burst.healthz, burst.logins):
        assert series.times and not series.failures, series.failures[:3]
    typical_login = statistics.median(burst.logins.times)
    assert max(burst.stakes.times) < typical_login, burst.report("stakes waited")
    assert max(burst.healthz.times) < typical_login, burst.report("checks waited")
