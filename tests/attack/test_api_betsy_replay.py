"""A captured, correctly signed Betsy request replayed byte for byte, one after the other
and all at once: every replay gets the first answer (signed), and the money moves once.

tests/test_betsy_api.py already replays a place-bet twice in turn and a rollback once;
here place, settle, unsettle and rollback are replayed many times, and concurrently from
separate clients, on both databases.
"""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.sportsbook import betsy as jws
from portal.wallet import verify
from portal.wallet.models import Transaction
from tests.attack.api_support import backend, changed_tables, database_state, run_together
from tests.attack.betsy_support import (
    SECRET,
    balance,
    encode,
    make_betsy_player,
    new_tx,
    place_body,
    rollback_body,
    send,
    settle_body,
    unsettle_body,
)
from tests.harness.scale import report, scaled

THREADS = 8
KINDS = ["place", "settle", "unsettle", "rollback"]
MOVES = {  # what the replayed call moves, once
    "place": Decimal("-10.00"),
    "settle": Decimal("25.00"),
    "unsettle": Decimal("-25.00"),
    "rollback": Decimal("10.00"),
}


@pytest.fixture
def app(make_app):
    return make_app(BETSY_PARTNER_SECRET=SECRET)


@pytest.fixture
def ann(app, make_player, make_brand):
    brand = make_brand("Betsy Casino", currencies=("EUR", "USD"))
    return make_betsy_player(app, make_player, brand, "ann@example.com", euros="1000.00")


def captured(app, who, kind) -> tuple[str, bytes, str]:
    """The bet set up for `kind` (placed; settled too before an unsettle), and the captured
    request: (method, body, signature)."""
    client, tx = app.test_client(), new_tx()
    if kind != "place":
        assert send(client, "POST", "/payment/bet", encode(place_body(who, tx))).status == 200
    if kind == "unsettle":
        assert send(client, "PUT", "/payment/bet", encode(settle_body(who, tx))).status == 200
    body = {
        "place": place_body,
        "settle": settle_body,
        "unsettle": unsettle_body,
        "rollback": rollback_body,
    }[kind](who, tx)
    raw = encode(body)
    return ("POST" if kind == "place" else "PUT"), raw, jws.sign(raw, SECRET)


def transactions(app, who) -> int:
    with app.app_context():
        query = select(func.count(Transaction.id)).where(Transaction.player_id == who.id)
        return db.session.scalar(query)


@pytest.mark.parametrize("kind", KINDS)
def test_a_captured_request_replayed_gets_one_answer_and_moves_money_once(app, ann, kind):
    """Replayed by THREADS clients at once, then again in turn: one answer for all, one
    movement of money, and nothing at all changed by the replays in turn."""
    rounds, anomalies = scaled(1, 10), []
    for round_ in range(rounds):
        method, body, signature = captured(app, ann, kind)
        start, count = balance(app, ann), transactions(app, ann)

        def replay(method=method, body=body, signature=signature):
            return send(app.test_client(), method, "/payment/bet", body, signature)

        answers = run_together([replay] * THREADS)
        distinct = {(a.status, a.raw) for a in answers}
        if len(distinct) != 1 or answers[0].status != 200:
            anomalies.append((round_, [(a.status, a.json) for a in answers]))
        if (balance(app, ann), transactions(app, ann)) != (start + MOVES[kind], count + 1):
            anomalies.append((round_, "moved", balance(app, ann) - start))
        before = database_state(app)
        for _ in range(scaled(3, 20)):
            again = replay()
            if (again.status, again.raw) != (answers[0].status, answers[0].raw):
                anomalies.append((round_, "in turn", again.status, again.json))
        if changed_tables(before, database_state(app)):
            anomalies.append((round_, "in turn", changed_tables(before, database_state(app))))
    with app.app_context():
        anomalies += verify.problems()
    report(
        f"attack-betsy-replay-{kind}",
        backend=backend(app),
        rounds=rounds,
        threads=THREADS,
        anomalies=len(anomalies),
    )
    assert anomalies == [], anomalies
