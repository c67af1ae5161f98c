"""portal.sql.Prepared: the hot paths' statements run on the driver's cursor, on both
databases, and behave as the same statements executed through the Session."""

from datetime import datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.sql import Prepared, listed, listed_values, prepared
from portal.timeutil import utcnow
from portal.wallet.models import Account
from tests.harness.statements import StatementCounter

_outbox = OutboxMessage.__table__


def _insert_message(dialect: str):
    names = ("kind", "url", "payload", "status", "attempts", "next_attempt_at", "created_at")
    values = {name: bindparam(name, type_=_outbox.c[name].type) for name in names}
    return insert(_outbox).values(values).returning(_outbox.c.id, _outbox.c.created_at)


def _message(**changes) -> dict:
    now = utcnow()
    return {
        "kind": "test",
        "url": "http://127.0.0.1/x",
        "payload": "{}",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    } | changes


def test_rows_come_back_typed_and_named(ctx):
    created = datetime(2026, 11, 30, 12, 0, 0)  # no microseconds: SQLite's text keeps ".000000"
    row = prepared("test.insert_message", _insert_message).first(_message(created_at=created))
    assert isinstance(row.id, int)
    assert row.created_at == created  # SQLite's text turned back into a datetime
    stored = db.session.execute(select(_outbox.c.created_at).where(_outbox.c.id == row.id))
    assert stored.scalar_one() == created  # written as SQLAlchemy writes it: it reads back


def test_literals_of_the_statement_and_in_lists(ctx):
    ids = [prepared("test.insert_message", _insert_message).scalar(_message()) for _ in range(3)]
    counted = prepared(
        "test.count_in",
        lambda _d: (
            select(_outbox.c.id)
            .where(_outbox.c.id.in_(listed("id", 2)), _outbox.c.kind == "test")
            .order_by(_outbox.c.id)
        ),
    )
    assert [r.id for r in counted.rows(listed_values("id", ids[1:]))] == ids[1:]


def test_python_side_default_and_onupdate_are_filled(ctx):
    accounts = Account.__table__
    create = prepared(
        "test.create_account",
        lambda _d: insert(accounts).values(
            owner=bindparam("owner"), currency="EUR", kind="house", balance=0
        ),
    )
    create.execute({"owner": "house:prepared-test"})  # created_at, modified_at: defaults
    account = db.session.scalar(select(Account).where(Account.owner == "house:prepared-test"))
    created = account.modified_at
    assert account.created_at is not None and created is not None
    move = prepared(
        "test.move",
        lambda _d: (
            update(accounts)
            .where(accounts.c.owner == bindparam("owner"))
            .values(balance=accounts.c.balance + bindparam("minor"))
        ),
    )
    assert move.execute({"owner": "house:prepared-test", "minor": 5}) == 1
    assert move.execute({"owner": "house:nobody", "minor": 5}) == 0
    db.session.refresh(account)
    assert account.balance == 5
    assert account.modified_at > created  # the column's onupdate, as the ORM would


def test_statements_are_seen_by_cursor_listeners_and_errors_wrapped(ctx):
    statement = prepared("test.insert_message", _insert_message)
    with StatementCounter(db.engine) as counted:
        statement.scalar(_message())
    assert [s.split()[0] for s in counted.statements if s != "BEGIN"][-1] == "INSERT"
    with pytest.raises(IntegrityError):  # NOT NULL url: SQLAlchemy's exception, as before
        statement.scalar(_message(url=None))
    db.session.rollback()


def test_expanding_parameters_are_refused(ctx):
    statement = select(_outbox.c.id).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        Prepared(statement, db.engine.dialect)
