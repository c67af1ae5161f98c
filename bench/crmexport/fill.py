"""Fill a migrated database with what the transactions feed exports: a brand, a few
thousand players with a real-money account each, and deposits and withdrawals whose
modification times fall into consecutive one-hour segments, one per measured size.

Segment j holds sizes[j] - sizes[j-1] rows, so the window from the first segment's start
to the end of segment j holds exactly sizes[j] rows (the sizes are cumulative). One row in
ten is a withdrawal, the rest deposits; statuses, currencies (EUR, USD, BTC), amounts,
masked requisites and comments (some with a comma and quotes, for CSV quoting) vary by
row number, deterministically.

The rows are written in bulk with the driver itself: COPY on PostgreSQL, executemany in
one transaction on SQLite; the foreign keys are not checked row by row (PostgreSQL: as
superuser, as bench/httpbench/ledger_fill.py does; SQLite: PRAGMA foreign_keys off for
the fill): the rows are consistent by construction. Afterwards
PostgreSQL is vacuumed and analysed (what autovacuum would do after such a load) and
SQLite's log is checkpointed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from portal.accounts import operations as accounts
from portal.extensions import db
from portal.timeutil import utcnow

CURRENCIES = ("EUR", "USD", "BTC")
CHUNK = 50_000  # rows generated and written at a time
SEGMENT = timedelta(hours=1)
WITHDRAWAL_EVERY = 10  # row n is a withdrawal when n % 10 == 9
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite

# (deposit status, withdrawal status) by row number modulo 20: mostly successes
_STATUSES = ["success"] * 15 + ["fail", "fail", "process", "new", "cancelled"]
_CARDS = (
    ("VISA", "424242******4242"),
    ("MASTERCARD", "555555******4444"),
    ("MAESTRO", "675964******0113"),
)
_CRYPTO = ("BTC", "bc1qxy******0wlh")
_DECLINED = 'declined by the issuer: "insufficient funds", try another card'


@dataclass(frozen=True)
class Filled:
    players: int
    rows: int
    deposits: int
    withdrawals: int
    start: datetime  # the first segment's start (whole second, UTC)
    ends: list[datetime]  # the end of each segment: the window of sizes[j] is [start, ends[j])
    seconds: float


def fill(app, sizes: list[int], players: int, progress=print) -> Filled:
    """The brand, `players` players and max(sizes) transactions; committed."""
    began = time.perf_counter()
    now = utcnow().replace(microsecond=0)
    start = now.replace(minute=0, second=0) - SEGMENT * (len(sizes) + 2)
    with app.app_context():
        brand = accounts.create_brand(
            "CRM export bench", currencies=list(CURRENCIES), languages=["en"]
        )
        db.session.commit()
        brand_id = brand.id
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        writer = _Postgres(raw) if postgres else _Sqlite(raw)
        progress(f"filling: {players:,} players and their accounts")
        writer.write("player", _PLAYER_COLUMNS, _players(brand_id, players, start))
        query = f"SELECT id FROM player WHERE brand_id = {int(brand_id)} ORDER BY id"  # noqa: S608
        ids = writer.column(query)
        writer.write("wallet_account", _ACCOUNT_COLUMNS, _accounts(ids, start))
        deposits = withdrawals = 0
        previous = 0
        for j, size in enumerate(sizes):
            begin, end = start + SEGMENT * j, start + SEGMENT * (j + 1)
            rows = range(previous, size)
            progress(f"filling: rows {previous + 1:,}-{size:,} into {begin:%H:%M}-{end:%H:%M}")
            for chunk in _chunks(rows):
                times = [begin + SEGMENT * (k - previous) / max(1, size - previous) for k in chunk]
                dep = [n for n in chunk if n % WITHDRAWAL_EVERY != WITHDRAWAL_EVERY - 1]
                wdr = [n for n in chunk if n % WITHDRAWAL_EVERY == WITHDRAWAL_EVERY - 1]
                at = dict(zip(chunk, times, strict=True))
                writer.write("deposit", _DEPOSIT_COLUMNS, (_deposit(n, ids, at[n]) for n in dep))
                writer.write(
                    "withdrawal", _WITHDRAWAL_COLUMNS, (_withdrawal(n, ids, at[n]) for n in wdr)
                )
                deposits, withdrawals = deposits + len(dep), withdrawals + len(wdr)
            previous = size
        writer.finish()
    finally:
        raw.close()
    progress("filling: settling the database (VACUUM ANALYZE / WAL checkpoint)")
    _settle(engine)
    ends = [start + SEGMENT * (j + 1) for j in range(len(sizes))]
    return Filled(
        players, sizes[-1], deposits, withdrawals, start, ends, time.perf_counter() - began
    )


def _chunks(rows: range) -> Iterator[range]:
    for at in range(rows.start, rows.stop, CHUNK):
        yield range(at, min(at + CHUNK, rows.stop))


# -- the rows ---------------------------------------------------------------------------

_PLAYER_COLUMNS = (
    "brand_id", "email", "email_key", "password_hash", "password_change_required", "status",
    "currency", "active_currency", "language", "is_test", "btag", "created_at", "modified_at",
)  # fmt: skip


def _players(brand_id: int, count: int, before: datetime) -> Iterator[tuple]:
    registered = before - timedelta(days=30)
    for n in range(count):
        email = f"crm-bench-{n}@example.com"
        currency = CURRENCIES[n % len(CURRENCIES)]
        btag = f"aff-{n % 97}" if n % 3 == 0 else None
        yield (
            brand_id, email, email, "!bench: no login", False, "active", currency, currency,
            "en", n % 50 == 49, btag, registered, registered,
        )  # fmt: skip


_ACCOUNT_COLUMNS = ("owner", "player_id", "currency", "kind", "balance", "created_at",
                    "modified_at")  # fmt: skip


def _accounts(ids: list[int], before: datetime) -> Iterator[tuple]:
    opened = before - timedelta(days=30)
    for n, player_id in enumerate(ids):
        currency = CURRENCIES[n % len(CURRENCIES)]
        yield (f"player:{player_id}", player_id, currency, "real", 0, opened, opened)


def _player_of(n: int, ids: list[int]) -> tuple[int, str]:
    """Row n's player (spread over all of them) and that player's currency."""
    index = (n * 7919) % len(ids)  # a prime stride: neighbouring rows, different players
    return ids[index], CURRENCIES[index % len(CURRENCIES)]


def _amount(n: int, currency: str) -> int:
    """Minor units: 10.00-509.99 in fiat, 0.00100000-0.05099999 BTC."""
    if currency == "BTC":
        return 100_000 + (n * 104_729) % 5_000_000
    return 1_000 + (n * 7_907) % 50_000


def _payment(n: int, currency: str) -> tuple[str, str]:
    return _CRYPTO if currency == "BTC" else _CARDS[n % len(_CARDS)]


_DEPOSIT_COLUMNS = (
    "reference", "player_id", "provider", "currency", "amount", "status", "provider_tx_id",
    "requisite", "payment_system", "note", "completed_at", "created_at", "modified_at",
)  # fmt: skip


def _deposit(n: int, ids: list[int], modified: datetime) -> tuple:
    player_id, currency = _player_of(n, ids)
    status = _STATUSES[n % len(_STATUSES)]
    status = "fail" if status == "cancelled" else status  # a deposit is not cancelled
    system, requisite = _payment(n, currency)
    created = modified - timedelta(seconds=30 + n % 600)
    done = status in ("success", "fail")
    return (
        f"crm-bench-{n}", player_id, "sandbox", currency, _amount(n, currency), status,
        None if status == "new" else f"sbx-{n:09d}", requisite, system,
        _DECLINED if status == "fail" else None, modified if done else None, created, modified,
    )  # fmt: skip


_WITHDRAWAL_COLUMNS = (
    "player_id", "provider", "currency", "amount", "status", "requisite", "payment_system",
    "provider_tx_id", "reason", "operator", "completed_at", "created_at", "modified_at",
)  # fmt: skip


def _withdrawal(n: int, ids: list[int], modified: datetime) -> tuple:
    player_id, currency = _player_of(n, ids)
    status = _STATUSES[n % len(_STATUSES)]
    status = "pending" if status == "new" else status
    system, requisite = _payment(n, currency)
    created = modified - timedelta(hours=1, seconds=n % 3600)
    done = status in ("success", "fail", "cancelled")
    return (
        player_id, "sandbox", currency, _amount(n, currency) * 2, status, requisite, system,
        f"sbx-w-{n:09d}" if status != "pending" else None,
        "the bank refused the transfer" if status == "fail" else None,
        "bench-operator" if status != "pending" else None,
        modified if done else None, created, modified,
    )  # fmt: skip


# -- the writers ------------------------------------------------------------------------


class _Postgres:
    """COPY per chunk, all in one transaction, foreign-key triggers off when allowed."""

    def __init__(self, raw):
        self.raw = raw
        self.cursor = raw.cursor()
        self.cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if self.cursor.fetchone()[0]:
            self.cursor.execute("SET LOCAL session_replication_role = replica")

    def write(self, table: str, columns: tuple, rows) -> None:
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def column(self, sql: str) -> list:
        self.cursor.execute(sql)
        return [row[0] for row in self.cursor.fetchall()]

    def finish(self) -> None:
        self.raw.commit()


class _Sqlite:
    """executemany in one transaction (the connection is in autocommit: BEGIN by hand);
    times as the text SQLAlchemy writes, so that they compare with bound datetimes."""

    def __init__(self, raw):
        self.raw = raw
        self.cursor = raw.cursor()
        self.cursor.execute("PRAGMA foreign_keys = OFF")  # (only outside a transaction)
        self.cursor.execute("BEGIN IMMEDIATE")

    def write(self, table: str, columns: tuple, rows) -> None:
        marks = ", ".join("?" * len(columns))
        self.cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (ours)
            (tuple(_sqlite_value(v) for v in row) for row in rows),
        )

    def column(self, sql: str) -> list:
        return [row[0] for row in self.cursor.execute(sql).fetchall()]

    def finish(self) -> None:
        self.cursor.execute("COMMIT")
        self.cursor.execute("PRAGMA foreign_keys = ON")


def _sqlite_value(value):
    if isinstance(value, datetime):  # = strftime(SQLITE_TIME), faster
        return value.isoformat(" ", "microseconds")
    return value


def _settle(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) player, wallet_account, deposit, withdrawal"))
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
