"""A feed request's SQL statements do not grow with its rows: the window's rows come
from one streamed SELECT per source (a server-side cursor), never one query per row.
Statements: the settle check, the feed's SELECTs and their transaction."""

import base64
from datetime import datetime

import pytest
from sqlalchemy import insert

from portal.extensions import db
from portal.payments.models import Deposit
from tests.harness.statements import StatementCounter

AUTH = {"Authorization": "Basic " + base64.b64encode(b"crm:secret").decode()}
URL = "/crm/transactions?from=2026-03-01+10:00:00&to=2026-03-01+11:00:00"
BUDGET = 9  # settle (2), BEGIN, SET LOCAL jit (PostgreSQL), 3 SELECTs, end, slack 1


@pytest.fixture
def crm_app(make_app):
    return make_app(CRM_FEED_USER="crm", CRM_FEED_PASSWORD="secret")


def _deposits(app, player_id: int, first: int, count: int) -> None:
    stamp = datetime(2026, 3, 1, 10, 30)
    rows = [
        dict(
            reference=f"ref-{n}",
            player_id=player_id,
            provider="sandbox",
            currency="EUR",
            amount=100 + n,
            status="success",
            created_at=stamp,
            modified_at=stamp,
        )
        for n in range(first, first + count)
    ]
    with app.app_context():
        db.session.execute(insert(Deposit), rows)
        db.session.commit()


def _count(app) -> tuple[int, int, list[str]]:
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        response = app.test_client().get(URL, headers=AUTH)
        lines = response.get_data(as_text=True).splitlines()
    assert response.status_code == 200
    return len(lines) - 1, counter.total, counter.statements


def test_a_feed_costs_the_same_statements_for_3_rows_and_2500(crm_app, make_player):
    player_id = make_player()
    _deposits(crm_app, player_id, 0, 3)
    rows, few, _ = _count(crm_app)
    assert rows == 3
    _deposits(crm_app, player_id, 3, 2497)
    rows, many, statements = _count(crm_app)
    assert rows == 2500
    assert many == few <= BUDGET, "\n".join(statements)
