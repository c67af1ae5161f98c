"""The benchmark's players: one brand, N ready players with a large opening balance, each
with a Betsy token and an open casino game session (as the bank test sets them up).

Creating a player hashes its password with the production Argon2 parameters (a fifth of a
second each); the players are created with a cheap hasher and then all given one
production-strength hash of the shared password, so that the login scenario measures
exactly what a real login costs.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select, update

from bench.httpbench.calls import CURRENCY, TAG_ID
from portal.accounts import operations as accounts
from portal.accounts import passwords
from portal.accounts.models import Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.sportsbook import operations as sportsbook
from portal.wallet import operations as wallet
from portal.wallet.models import REAL, Account
from tests.harness.coupons import open_coupon

PASSWORD = "bench-pass-1234"  # noqa: S105 (the benchmark players' shared password)
OPENING = "1000000.00"  # EUR per player: no scenario runs anyone out of money


@dataclass(frozen=True)
class BenchPlayer:
    id: int
    email: str
    account_id: int  # the real-money EUR account
    betsy_token: str


@dataclass(frozen=True)
class World:
    brand_id: int
    players: list[BenchPlayer]


def populate(app, count: int) -> World:
    """A brand and `count` players, funded, with their tokens and casino sessions; committed."""
    with app.app_context():
        brand = accounts.create_brand("Bench", currencies=[CURRENCY], languages=["en"])
        db.session.commit()
        brand_id = brand.id
    return World(brand_id, add_players(app, brand_id, count))


def add_players(app, brand_id: int, count: int, prefix: str = "bench") -> list[BenchPlayer]:
    """`count` more players of the brand, funded, with their tokens and casino sessions;
    committed."""
    made = []
    with app.app_context(), cheap_hashing():
        brand = accounts.get_brand(brand_id)
        for n in range(count):
            player = accounts.register_player(
                brand,
                email=f"{prefix}{n}@example.com",
                password=PASSWORD,
                over18=True,
                email_verified=True,
                complete=True,
            )
            wallet.adjust(
                player,
                CURRENCY,
                OPENING,
                reason="benchmark opening balance",
                operator="bench",
                external_id=f"bench-opening:{player.id}",
            )
            # The WebFrame's token, spent at once by /users/auth: the game session that
            # BETCORE's payments are counted in (and that names their currency).
            casino.authenticate(casino.issue_token(player, CURRENCY, tag_id=TAG_ID), TAG_ID)
            made.append((player, sportsbook.issue_token(player, CURRENCY)))
        production = passwords.production_hasher().hash(PASSWORD)
        db.session.execute(
            update(Player)
            .where(Player.id.in_([p.id for p, _ in made]))
            .values(password_hash=production)
        )
        accounts_of = dict(
            db.session.execute(
                select(Account.player_id, Account.id).where(
                    Account.player_id.in_([p.id for p, _ in made]),
                    Account.currency == CURRENCY,
                    Account.kind == REAL,
                )
            ).all()
        )
        db.session.commit()
        return [BenchPlayer(p.id, p.email, accounts_of[p.id], token) for p, token in made]


def open_coupons(app, world: World, count: int) -> list[str]:
    """`count` coupons the calculation service accepted (1.00 EUR stakes debited, odds 2),
    spread over the players: their barcodes. Committed."""
    bar_codes = []
    with app.app_context():
        players = [db.session.get(Player, p.id) for p in world.players]
        for n in range(count):
            coupon = open_coupon(players[n % len(players)], f"bench-{n}", 100, CURRENCY, "2")
            bar_codes.append(coupon.barcode)
        db.session.commit()
    return bar_codes


def start_deposits(app, world: World, count: int, amount: str) -> list[str]:
    """`count` deposits started on the sandbox provider (state new), spread over the
    players, as the cashier's form starts them: their references. Committed."""
    from portal.payments import deposits
    from portal.payments.cli import method_row

    references = []
    with app.app_context():
        limits = {"min_deposit": "1.00", "max_deposit": "100000.00"}
        limits |= {"min_withdrawal": "1.00", "max_withdrawal": "100000.00"}
        method_row(world.brand_id, "sandbox", CURRENCY, limits)
        players = [db.session.get(Player, p.id) for p in world.players]
        for n in range(count):
            started = deposits.start(players[n % len(players)], amount, CURRENCY, "sandbox")
            references.append(started.reference)
        db.session.commit()
    return references


@contextmanager
def cheap_hashing():
    """Argon2 with tiny costs while the players are created (the tests' setting)."""
    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    try:
        yield
    finally:
        passwords.use_hasher(passwords.production_hasher())


def set_limits(app, players: list[BenchPlayer]) -> None:
    """A stake limit, loss limits over a day and a month, and a bet-count limit per week for
    each player, as the player's page sets them; high enough never to refuse. Committed."""
    from portal.limits import operations as limits

    with app.app_context():
        for bench_player in players:
            player = db.session.get(Player, bench_player.id)
            for kind, period, currency, value in (
                ("stake", "bet", CURRENCY, 100_000),
                ("loss", "day", CURRENCY, 10**13),
                ("loss", "month", CURRENCY, 10**14),
                ("bets", "week", "", 10**6),
            ):
                limits.set_limit(player, kind, period, currency, value)
        db.session.commit()
