"""How many debits per second the wallet's operations layer takes, on SQLite or PostgreSQL.

A benchmark, not a test: it builds a fresh database with the migrations, creates a brand
and players with a big balance, then times N debits through portal.wallet.operations.debit,
each in its own application context and committed on its own (as a request would), with
1 thread and with 4. At the end the ledger must pass `wallet verify`.

    .venv/bin/python bench/wallet_debits.py --database sqlite
    .venv/bin/python bench/wallet_debits.py --database postgresql --debits 5000 --threads 1 4
    .venv/bin/python bench/wallet_debits.py --database postgresql://user@host/emptydb

`postgresql` starts a throwaway cluster (tests/harness/postgres.py: fsync and
synchronous_commit off, as in the test suite) and stops it afterwards; a URL is used as
given (its schema is migrated to the head revision).
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # portal, and tests.harness for the throwaway PostgreSQL

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts import operations as accounts  # noqa: E402
from portal.accounts.models import Player  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.wallet import operations as wallet  # noqa: E402
from portal.wallet import queries, verify  # noqa: E402

CURRENCY, STAKE = "EUR", Decimal("1.00")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (a temporary file), postgresql (a throwaway cluster) or a database URL",
    )
    parser.add_argument("--debits", type=int, default=5000, help="debits per run (default 5000)")
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 4],
        metavar="T",
        help="one run per thread count (default: 1 then 4)",
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="wallet-bench-") as tmp,
        database(args.database, Path(tmp)) as (label, url),
    ):
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": str(Path(tmp) / "instance"),
                "SECRET_KEY": "benchmark",
                "RATELIMIT_ENABLED": False,
                "LOG_LEVEL": "WARNING",
            }
        )
        try:
            with app.app_context():
                upgrade()
                brand = accounts.create_brand(
                    f"Bench {uuid.uuid4().hex[:8]}", currencies=[CURRENCY], languages=["en"]
                )
                db.session.commit()
                brand_id = brand.id
            for threads in args.threads:
                print(run(app, label, brand_id, args.debits, threads), flush=True)
            with app.app_context():
                problems = verify.problems()
            if problems:
                print("WALLET VERIFY FAILED:", *problems, sep="\n  ", file=sys.stderr)
                return 1
            print(f"{label}  wallet verify: ledger ok")
        finally:
            with app.app_context():
                db.engine.dispose()
    return 0


@contextlib.contextmanager
def database(choice: str, tmp: Path):
    """(label, URL) of an empty database; a PostgreSQL started here is stopped afterwards."""
    if choice == "sqlite":
        yield "sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}"
    elif choice == "postgresql":
        from tests.harness.postgres import TemporaryPostgres

        server = TemporaryPostgres()
        server.start()
        try:
            yield "postgresql", server.create_database("wallet_bench")
        finally:
            server.stop()
    else:
        yield choice.split(":", 1)[0].split("+", 1)[0], choice


def run(app, label: str, brand_id: int, debits: int, threads: int) -> str:
    """Time `debits` debits of one player, spread over `threads` threads."""
    player_id = make_player(app, brand_id, debits)
    per_thread = [debits // threads + (i < debits % threads) for i in range(threads)]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        mine = []
        for n in range(per_thread[index]):
            start = time.perf_counter()
            with app.app_context():  # one request: load the player, debit, commit
                player = db.session.get(Player, player_id)
                wallet.debit(
                    player, CURRENCY, STAKE, source="bench", external_id=f"{player_id}-{index}-{n}"
                )
                db.session.commit()
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))  # re-raises any worker's exception
    elapsed = time.perf_counter() - started

    with app.app_context():
        left = queries.balance(db.session.get(Player, player_id), CURRENCY).real
    if len(latencies) != debits or left != 0:
        raise SystemExit(f"{label}: {len(latencies)} debits, balance left {left} (expected 0)")
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{label}  threads={threads}  {debits} debits  in {elapsed:.2f} s  "
        f"= {debits / elapsed:.0f} debits/s  "
        f"(p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms)"
    )


def make_player(app, brand_id: int, debits: int) -> int:
    """A fresh player holding exactly what the run will debit."""
    with app.app_context():
        player = accounts.register_player(
            accounts.get_brand(brand_id),
            email=f"bench-{uuid.uuid4().hex[:12]}@example.com",
            password=f"b{secrets.token_hex(6)}1",  # 14 characters, never used to log in
            over18=True,
            email_verified=True,
            complete=True,
        )
        db.session.flush()
        wallet.adjust(
            player,
            CURRENCY,
            str(STAKE * debits),
            reason="benchmark funds",
            operator="bench",
            external_id=f"bench-funds-{player.id}",
        )
        db.session.commit()
        return player.id


if __name__ == "__main__":
    sys.exit(main())
