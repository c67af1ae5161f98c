"""BETCORE's JWKS under a flood of unknown kids and during outages.

The `kid` is read before any signature is checked, so anyone can send tokens with made-up
kids: they must cost at most one JWKS fetch per BETCORE_JWKS_COOLDOWN (healthy or not),
answer 100401 quickly, and never hold up calls signed with a key already known. During an
outage (server stopped, HTTP 500, garbage, a JWKS without keys, no answer past the
timeout) calls signed with a known key go on being accepted, and unknown kids are refused
with 100401, never 100500, within a bounded time.

tests/test_casino_rules.py already checks five unknown kids against one fetch and one
known key through a stopped server; these go further (hundreds of kids from several
threads, every way of failing, the cooldown while failing, the time taken).

The JWT is refused before the database is read, so these run on SQLite only.
"""

import os
import time
import uuid

import pytest

from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import operations as wallet
from tests.attack.api_support import (
    REFUSED_TOKEN,
    JwksStandIn,
    b64,
    betcore_post,
    changed_tables,
    claims,
    compact,
    database_state,
    run_together,
)
from tests.harness.scale import report, scaled

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

JWKS_TIMEOUT = 5  # seconds: the portal's PyJWKClient timeout
SLACK = 3  # seconds allowed on top, on a busy machine
THREADS = 8


@pytest.fixture
def vendor():
    stand_in = JwksStandIn()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def player_id(app, make_player):
    player_id = make_player()
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "100.00", reason="t", operator="t", external_id="open")
        db.session.commit()
    return player_id


def portal(make_app, vendor, cooldown):
    return make_app(BETCORE_API_URL=vendor.url, BETCORE_JWKS_COOLDOWN=cooldown)


def stake(player_id) -> dict:
    bet_id = int(uuid.uuid4().int % 10**12) + 1
    return {"Amount": "1.00", "BetId": bet_id, "PartnerUserId": str(player_id),
            "TransactionType": -1, "TagId": 7}  # fmt: skip


def unknown_kid_token(player_id) -> str:
    """A stake under a made-up kid: no key needed, the signature is random bytes."""
    header = {"alg": "RS256", "typ": "JWT", "kid": uuid.uuid4().hex}
    return compact(header, claims(stake(player_id)), b64(os.urandom(256)))


def known(app, vendor, player_id) -> dict:
    """A genuine /users/data, signed with a key the portal has (or will have) fetched."""
    data = {"PartnerUserId": str(player_id), "TagId": 7}
    return betcore_post(app.test_client(), "/users/data", vendor.token(data))


def unknown(app, player_id) -> tuple[dict, float]:
    """A stake under an unknown kid: (answer, seconds taken)."""
    started = time.monotonic()
    answer = betcore_post(app.test_client(), "/payments/make", unknown_kid_token(player_id))
    return answer, time.monotonic() - started


# --- a flood while the JWKS is healthy ------------------------------------------------------


def test_a_flood_of_unknown_kids_costs_at_most_one_fetch_per_cooldown(make_app, vendor, player_id):
    app = portal(make_app, vendor, cooldown=60)
    assert known(app, vendor, player_id)["ErrorCode"] == 200  # the first fetch
    attempts, before = vendor.attempts, database_state(app)
    calls = scaled(320, 3200)
    per_thread = calls // THREADS

    def flood():
        answers = []
        for n in range(per_thread):
            if n % 10 == 0:  # genuine calls keep working in the middle of the flood
                answers.append(("known", known(app, vendor, player_id)["ErrorCode"]))
            else:
                answers.append(("unknown", unknown(app, player_id)[0]))
        return answers

    started = time.monotonic()
    results = [a for answers in run_together([flood] * THREADS) for a in answers]
    elapsed, fetches = time.monotonic() - started, vendor.attempts - attempts
    wrong = [(kind, answer) for kind, answer in results
             if answer != (200 if kind == "known" else REFUSED_TOKEN)]  # fmt: skip
    report("attack-jwks-flood", calls=len(results), seconds=round(elapsed, 1),
           fetches=fetches, anomalies=len(wrong))  # fmt: skip
    assert wrong == []
    assert len(results) == calls - calls % THREADS
    assert fetches <= 1
    assert elapsed < 10 + calls * 0.05, elapsed
    assert changed_tables(before, database_state(app)) == {}


def test_a_rotated_key_is_found_after_the_cooldown_in_spite_of_a_flood(make_app, vendor, player_id):
    cooldown = 1
    app = portal(make_app, vendor, cooldown=cooldown)
    assert known(app, vendor, player_id)["ErrorCode"] == 200
    attempts, started = vendor.attempts, time.monotonic()
    seconds = scaled(1.5, 10)

    def flood():
        while time.monotonic() - started < seconds:
            assert unknown(app, player_id)[0] == REFUSED_TOKEN

    run_together([flood] * 4)
    elapsed = time.monotonic() - started
    assert vendor.attempts - attempts <= elapsed / cooldown + 1
    vendor.kid = vendor.add_key()  # BETCORE rotates its key
    time.sleep(cooldown)
    assert known(app, vendor, player_id)["ErrorCode"] == 200


# --- outages --------------------------------------------------------------------------------

OUTAGES = ["down", "error", "garbage", "not_a_set", "empty_set", "hang"]


def fail(vendor, mode) -> None:
    if mode == "down":
        vendor.stop()
    else:
        vendor.mode = mode


@pytest.mark.parametrize("mode", OUTAGES)
def test_during_an_outage_known_keys_work_and_unknown_kids_are_refused(
    make_app, vendor, player_id, mode
):
    app = portal(make_app, vendor, cooldown=0)  # every unknown kid tries the JWKS
    assert known(app, vendor, player_id)["ErrorCode"] == 200
    fail(vendor, mode)
    before = database_state(app)
    bound = JWKS_TIMEOUT + SLACK if mode == "hang" else SLACK

    answer, seconds = unknown(app, player_id)
    assert answer == REFUSED_TOKEN, mode
    assert seconds < bound, seconds
    started = time.monotonic()
    assert known(app, vendor, player_id)["ErrorCode"] == 200  # the cached key still works
    assert time.monotonic() - started < SLACK
    if mode != "hang":  # (a second fetch to time out would only cost five more seconds)
        answer, seconds = unknown(app, player_id)
        assert (answer, seconds < bound) == (REFUSED_TOKEN, True), seconds
    assert known(app, vendor, player_id)["ErrorCode"] == 200  # a failed fetch kept the cache
    assert changed_tables(before, database_state(app)) == {}


def test_an_outage_does_not_make_every_unknown_kid_refetch(make_app, vendor, player_id):
    """The cooldown holds while the JWKS fails too: a failed fetch must not leave the
    next unknown kid free to try again at once (BETCORE's server would take the flood)."""
    cooldown = 2
    app = portal(make_app, vendor, cooldown=cooldown)
    assert known(app, vendor, player_id)["ErrorCode"] == 200
    time.sleep(cooldown)  # the cooldown of that first fetch is over
    vendor.mode = "error"
    attempts, started = vendor.attempts, time.monotonic()
    calls = scaled(40, 400)
    answers = run_together([lambda: [unknown(app, player_id)[0] for _ in range(calls // 4)]] * 4)
    elapsed = time.monotonic() - started
    assert [a for batch in answers for a in batch if a != REFUSED_TOKEN] == []
    tried = vendor.attempts - attempts
    assert tried <= elapsed / cooldown + 1, f"{tried} JWKS requests for {calls} unknown kids"


def test_a_hanging_jwks_does_not_hold_up_calls_signed_with_known_keys(make_app, vendor, player_id):
    """Unknown kids while the JWKS hangs: a genuine call made meanwhile is answered at once,
    not after the fetches of the unknown kids have timed out one after the other."""
    cooldown = 1
    app = portal(make_app, vendor, cooldown=cooldown)
    assert known(app, vendor, player_id)["ErrorCode"] == 200
    time.sleep(cooldown)
    vendor.mode = "hang"

    def genuine_meanwhile():
        time.sleep(0.5)  # the unknown kids are waiting on the JWKS by now
        started = time.monotonic()
        return known(app, vendor, player_id)["ErrorCode"], time.monotonic() - started

    tasks = [lambda: unknown(app, player_id)] * 3 + [genuine_meanwhile]
    *refused, (code, seconds) = run_together(tasks)
    assert [answer for answer, _ in refused] == [REFUSED_TOKEN] * 3
    assert code == 200
    assert seconds < SLACK, f"a genuine call waited {seconds:.1f} s behind the JWKS"
    assert max(took for _, took in refused) < JWKS_TIMEOUT + SLACK
