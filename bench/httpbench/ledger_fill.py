"""Fill the ledger with earlier transactions in bulk, so that a stake can be measured on a
ledger of 10,000 or 1,000,000 transactions.

One INSERT ... SELECT per batch writes the transactions (PostgreSQL: generate_series;
SQLite: a recursive CTE), a second one their two entries each, and the players' cached
balances are moved by what the batch moved: `flask --app app wallet verify` still passes.
Afterwards PostgreSQL is vacuumed and SQLite's log checkpointed, so that the timed run
does not share the machine with the aftermath of the fill.
The filled transactions are BETCORE bets of the benchmark's players, a stake of 1.00 and a
win of 1.00 each, dated in the past; their fingerprint is "bench-fill".
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text

from bench.httpbench.calls import CURRENCY
from portal.extensions import db
from portal.timeutil import utcnow

BATCH = 250_000
FINGERPRINT = "bench-fill"
FIRST_BET_ID = 9_000_000_000_000_000  # far from the bet ids the scenarios send
HOUSE_OWNER = "house:betcore"

# n: the transaction's number among all filled ones; the bet is n / 2, its stake (even n)
# and win (odd n) belong to one player; the newest filled transaction is :last seconds old.
_SELECT = """
SELECT 'betcore', {bet} || CASE WHEN n % 2 = 0 THEN :stake_key ELSE :win_key END,
       CASE WHEN n % 2 = 0 THEN 'stake' ELSE 'win' END, 'applied', p.player_id, :currency,
       CASE WHEN n % 2 = 0 THEN -100 ELSE 100 END, :fingerprint, {bet}, {created_at}
FROM {numbers} JOIN bench_fill_player p ON p.idx = (n / 2) % :players
"""
_COLUMNS = (
    "INSERT INTO wallet_transaction (source, external_id, kind, status, player_id, currency,"
    " amount, fingerprint, reference, created_at)"
)
_POSTGRESQL = _COLUMNS + _SELECT.format(
    bet="(:first_bet + n / 2)::text",
    created_at="(now() AT TIME ZONE 'utc') - make_interval(secs => :total - n)",
    numbers="generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g(n)",
)
_SQLITE = "WITH RECURSIVE g(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM g WHERE n < :last) "
_SQLITE += _COLUMNS + _SELECT.format(
    bet="CAST(:first_bet + n / 2 AS TEXT)",
    created_at="datetime('now', '-' || (:total - n) || ' seconds')",
    numbers="g",
)
_ENTRIES = """
INSERT INTO wallet_entry (transaction_id, account_id, amount)
SELECT t.id, p.account_id, t.amount FROM wallet_transaction t
  JOIN bench_fill_player p ON p.player_id = t.player_id
  WHERE t.id > :after AND t.fingerprint = :fingerprint
UNION ALL
SELECT t.id, :house, -t.amount FROM wallet_transaction t
  WHERE t.id > :after AND t.fingerprint = :fingerprint
"""
_MOVED = """
SELECT p.account_id, SUM(t.amount) FROM wallet_transaction t
  JOIN bench_fill_player p ON p.player_id = t.player_id
  WHERE t.id > :after AND t.fingerprint = :fingerprint GROUP BY p.account_id
"""


@dataclass(frozen=True)
class Fill:
    before: int  # transactions in the ledger before the fill
    added: int
    seconds: float


def transactions(app) -> int:
    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM wallet_transaction"))


def fill_to(app, target: int, players: list[tuple[int, int]], progress=print) -> Fill:
    """Add transactions until the ledger holds `target` (none if it holds that many already).
    `players`: (player id, real-money account id) of the players the bets belong to."""
    started = time.perf_counter()
    before = transactions(app)
    wanted = max(0, target - before)
    with app.app_context():
        engine = db.engine
    with engine.begin() as connection:
        house = _house_account(connection)
        done = connection.scalar(
            text("SELECT count(*) FROM wallet_transaction WHERE fingerprint = :f"),
            {"f": FINGERPRINT},
        )
    first, last = done, done + wanted - 1  # the fill's transactions are numbered from 0
    for start in range(first, last + 1, BATCH):
        end = min(start + BATCH - 1, last)
        progress(f"filling the ledger: {start - first + 1:,}-{end - first + 1:,} of {wanted:,}")
        with engine.begin() as connection:  # one transaction per batch
            _batch(connection, start, end, players, house)
    if wanted:
        progress("filling the ledger: settling the database")
        _settle(engine)
    return Fill(before, wanted, time.perf_counter() - started)


def _settle(engine) -> None:
    """Leave the database as a long-running one would be, not busy with the fill during the
    timed run: PostgreSQL vacuumed and analysed (what autovacuum would start right after so
    many inserts), SQLite's write-ahead log checkpointed into the database file."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) wallet_transaction, wallet_entry"))
        return
    raw = engine.raw_connection()  # (autocommit: no transaction around the checkpoint)
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def _house_account(connection) -> int:
    """The BETCORE house account of the currency (the other side of every bet)."""
    query = text(
        "SELECT id FROM wallet_account WHERE owner = :owner AND currency = :currency "
        "AND kind = 'house'"
    )
    names = {"owner": HOUSE_OWNER, "currency": CURRENCY}
    found = connection.scalar(query, names)
    if found is None:
        now = utcnow()
        connection.execute(
            text(
                "INSERT INTO wallet_account (owner, player_id, currency, kind, balance, "
                "created_at, modified_at) VALUES (:owner, NULL, :currency, 'house', 0, :now, :now)"
            ),
            {**names, "now": now},
        )
        found = connection.scalar(query, names)
    return found


def _batch(connection, first: int, last: int, players, house: int) -> None:
    """Transactions number `first`..`last` of the fill, their entries and balances."""
    dialect = connection.dialect.name
    if dialect == "postgresql" and connection.scalar(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    ):
        # The rows are consistent by construction: skip the foreign-key triggers (one per
        # row and key), which are most of the insert's time. Needs a superuser, as the
        # throwaway cluster's is; elsewhere the keys are checked.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    connection.execute(
        text(
            "CREATE TEMPORARY TABLE bench_fill_player "
            "(idx INTEGER PRIMARY KEY, player_id INTEGER, account_id INTEGER)"
        )
    )
    connection.execute(
        text("INSERT INTO bench_fill_player VALUES (:idx, :player_id, :account_id)"),
        [{"idx": i, "player_id": p, "account_id": a} for i, (p, a) in enumerate(players)],
    )
    after = connection.scalar(text("SELECT coalesce(max(id), 0) FROM wallet_transaction"))
    connection.execute(
        text(_POSTGRESQL if dialect == "postgresql" else _SQLITE),
        {
            "first": first,
            "last": last,
            "total": last + 1,
            "first_bet": FIRST_BET_ID,
            "players": len(players),
            "currency": CURRENCY,
            "fingerprint": FINGERPRINT,
            "stake_key": ":-1",  # BETCORE's keys: "<BetId>:<TransactionType>"
            "win_key": ":1",
        },
    )
    marks = {"after": after, "fingerprint": FINGERPRINT}
    connection.execute(text(_ENTRIES), {**marks, "house": house})
    for account_id, moved in connection.execute(text(_MOVED), marks).all():
        connection.execute(
            text(
                "UPDATE wallet_account SET balance = balance + :moved, modified_at = :now "
                "WHERE id = :account"
            ),
            {"moved": moved, "now": utcnow(), "account": account_id},
        )
    connection.execute(text("DROP TABLE bench_fill_player"))
