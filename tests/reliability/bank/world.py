"""The bank's world: a brand, a handful of players with opening balances and their vendor
tokens, the environment the portal's processes run with, and the CLI commands run on it.

    world = populate(app, players=7, opening=15_000)
    env = environment(database_url, betcore)
    with Gunicorn(env, workers=4) as server:
        open_casino(server.url, betcore, world)      # /users/auth over HTTP
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace

import requests
from sqlalchemy import func, select

from portal.accounts import operations as accounts
from portal.accounts.models import Player as Player_
from portal.bonuses import operations as bonuses
from portal.casino import operations as casino
from portal.coupons import line
from portal.extensions import db
from portal.limits import operations as player_limits
from portal.outbox.models import PENDING, OutboxMessage
from portal.payments.cli import method_row
from portal.payments.models import SUCCESS, Deposit
from portal.sportsbook import operations as sportsbook
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.harness.appserver import ROOT, portal_environment
from tests.harness.coupons import open_coupon
from tests.harness.vendors import CLIENT_SECRET, Betcore
from tests.reliability.bank.clients import (
    CURRENCY,
    FAILING_CARD,
    MASKED_CARD,
    PAYMENTS_SECRET,
    RESULTS_SECRET,
    TAG_ID,
)
from tests.reliability.bank.history import History, amount_text

HISTORY_PREFIX = "PORTAL_BANK_HISTORY"  # where to keep each run's history (JSON lines)
BETSY_SECRET = "bank-test-betsy-partner-secret-0123456789-0123456789-abcdefgh"  # noqa: S105
OPENING_KEY = "bank-opening"
PLAYER_PASSWORD = "bank-secret-123"  # noqa: S105


@dataclass(frozen=True)
class Player:
    id: int
    opening: int  # cents
    betsy_token: str
    refresh_token: str  # the WebFrame's BETCORE token, spent by open_casino
    email: str = ""
    password: str = PLAYER_PASSWORD  # for the bet slip's web login


@dataclass(frozen=True)
class SeededCoupon:
    """A coupon the calculation service accepted before the run (its stake debited)."""

    id: int
    player: int
    barcode: str
    stake: int  # cents
    won: int  # what a won result pays, cents


@dataclass(frozen=True)
class BonusOffer:
    """A bonus of the run: fixed ones are claimed on the bonuses page, percentage ones come
    with a deposit that names their code. Amounts in cents."""

    code: str
    amount: int | None  # a fixed bonus
    percent: int | None  # ... or a percentage of the deposit, up to max_amount
    max_amount: int | None
    wagering: int  # multiplier
    max_conversion: int


# Small requirements, so that bonuses complete during the run as well as get forfeited by
# withdrawals; real money first makes bonus money play only once a balance runs low.
STARTER = BonusOffer("BANKSTART", 5000, None, None, 10, 2500)  # given before the run
BONUS_PLAYERS = 2
OFFERS = (
    STARTER,
    *(BonusOffer(f"BANKFIX{n}", 3000, None, None, 3, 1500) for n in (1, 2, 3)),
    *(BonusOffer(f"BANKPCT{n}", None, 50, 2000, 2, 1000) for n in (1, 2, 3)),
)


@dataclass(frozen=True)
class Limits:
    """Responsible-gambling limits a player set before the run (cents; a count of bets).
    The run lasts far less than a day, so every rolling window covers all of it."""

    loss_day: int | None = None
    stake: int | None = None
    bets_day: int | None = None


def limits_for(opening: int) -> tuple[Limits, ...]:
    """The limits of the shared players after the bonus players: one with a loss limit that
    bites once half the opening is lost, one with a stake limit and a bet count limit."""
    return (Limits(loss_day=opening // 2), Limits(stake=1500, bets_day=40))


@dataclass(frozen=True)
class World:
    players: list[Player]  # shared: every client thread plays with them
    solo: Player  # played by one thread only, so its balance is known exactly
    coupons: tuple = ()  # SeededCoupon: each is given to one scenario (results in order)
    selections: tuple = ()  # bet strings the slip offers (the demo line)
    offers: tuple = OFFERS  # the bonuses players claim or deposit with
    limits: dict = field(default_factory=dict)  # player id -> Limits (set before the run)
    limits_since: float = 0.0  # when they were set (epoch): the seeded coupons came before

    def offer(self, code: str) -> BonusOffer | None:
        return next((o for o in self.offers if o.code == code), None)

    def stakes_of(self, player: int) -> int:
        """What the seeded coupons took from the player before the run, cents."""
        return sum(c.stake for c in self.coupons if c.player == player)

    @property
    def everybody(self) -> list[Player]:
        return [*self.players, self.solo]


def populate(app, *, players: int, opening: int, coupons: int = 0, slip: bool = False) -> World:
    """A brand and `players` players (the last one solo), each with `opening` cents of real
    money (the first BONUS_PLAYERS half of it and the STARTER bonus: they soon play bonus
    money), a BETCORE refresh token and a Betsy token, and `coupons` open coupons spread over
    the shared players (their stakes debited); with `slip`, the bet slip's line, whose
    selections the players place coupons with (the portal needs a calculation service:
    `calculation_service`); committed."""
    made, seeded = [], []
    with app.app_context():
        brand = accounts.create_brand("Bank", currencies=[CURRENCY], languages=["en"])
        for n in range(players):
            money_in = opening // 2 if n < BONUS_PLAYERS else opening
            player = accounts.register_player(
                brand,
                email=f"bank{n}@example.com",
                password=PLAYER_PASSWORD,
                over18=True,
                email_verified=True,
                complete=True,
            )
            wallet.adjust(
                player,
                CURRENCY,
                amount_text(money_in),
                reason="bank test opening balance",
                operator="bank",
                external_id=f"{OPENING_KEY}:{player.id}",
            )
            made.append(
                Player(
                    player.id,
                    money_in,
                    sportsbook.issue_token(player, CURRENCY),
                    casino.issue_token(player, CURRENCY, tag_id=TAG_ID),
                    player.email,
                )
            )
        for n in range(coupons):
            owner = made[n % (len(made) - 1)]
            seeded.append(_seed_coupon(owner.id, n))
        limits = {"min_deposit": "1.00", "max_deposit": "100000.00"}
        limits |= {"min_withdrawal": "1.00", "max_withdrawal": "100000.00"}
        method_row(brand.id, "sandbox", CURRENCY, limits)  # deposits in the load
        for player in made:  # cards each player deposited with: withdrawals go back to one
            for n, card in enumerate((MASKED_CARD, FAILING_CARD)):
                db.session.add(
                    Deposit(
                        reference=f"DSEED{player.id}X{n}", player_id=player.id,
                        provider="sandbox", currency=CURRENCY, amount=100, status=SUCCESS,
                        requisite=card, provider_tx_id=f"seed-{player.id}-{n}",
                    )
                )  # fmt: skip
        for offer in OFFERS:
            bonuses.create(
                offer.code, offer.code, amount=_euros(offer.amount), percent=offer.percent,
                max_amount=_euros(offer.max_amount), wagering=offer.wagering,
                max_conversion=_euros(offer.max_conversion), days=30,
            )  # fmt: skip
        limited, limits_since = {}, time.time()
        for player, chosen in zip(made[BONUS_PLAYERS:-1], limits_for(opening), strict=False):
            if chosen.bets_day is not None:  # (the coupons seeded above count as bets too)
                seeded_bets = sum(1 for c in seeded if c.player == player.id)
                chosen = replace(chosen, bets_day=chosen.bets_day + seeded_bets)
            _set_limits(db.session.get(Player_, player.id), chosen)
            limited[player.id] = chosen
        starter = bonuses.by_code(STARTER.code)
        for player in made[:BONUS_PLAYERS]:
            bonuses.grant(db.session.get(Player_, player.id), starter, CURRENCY)
        events = line.demo_events(utcnow()) if slip else []
        if events:
            line.load(events)
        selections = tuple(
            f"{e.event_type}#{e.match_id}|{o.bet_code}#{o.odds}" for e in events for o in e.outcomes
        )
        db.session.commit()
    return World(
        made[:-1], made[-1], tuple(seeded), selections, limits=limited, limits_since=limits_since
    )


def _set_limits(player, chosen: Limits) -> None:
    """As the player would on /responsible-gambling (the portal's own rules)."""
    for kind, period, value in (
        ("loss", "day", chosen.loss_day),
        ("stake", "bet", chosen.stake),
        ("bets", "day", chosen.bets_day),
    ):
        if value is not None:
            currency = "" if kind == "bets" else CURRENCY
            player_limits.set_limit(player, kind, period, currency, value)


def _euros(cents: int | None) -> str | None:
    return None if cents is None else amount_text(cents)


def _seed_coupon(player_id: int, n: int) -> SeededCoupon:
    stake = 20 + 10 * (n % 7)  # small: the long run's 400 coupons stay within the openings
    coupon = open_coupon(wallet.Holder(player_id, (CURRENCY,)), f"bank-{n}", stake, CURRENCY)
    return SeededCoupon(coupon.id, player_id, coupon.barcode, stake, stake * 5 // 2)


@contextlib.contextmanager
def calculation_service():
    """The bet calculation service's stand-in on 127.0.0.1, and the portal's settings for it
    (with a login rate limit the players' slip logins stay under)."""
    from portal.sandbox.betcalc import create_betcalc_sandbox
    from tests.harness.live_server import LiveServer

    with LiveServer(create_betcalc_sandbox("bank", "bank-service-password")) as server:
        yield {
            "BETCALC_API_URL": server.url,
            "BETCALC_LOGIN": "bank",
            "BETCALC_PASSWORD": "bank-service-password",
            "LOGIN_RATE_LIMIT": "100000 per minute",
        }


@contextlib.contextmanager
def payment_provider(app):
    """The sandbox payment provider on 127.0.0.1 (it answers the operator's payouts), and the
    portal's settings for it; `app` (the test's, where the operator decides) gets them too."""
    from portal.sandbox.payments import create_payments_sandbox
    from tests.harness.live_server import LiveServer

    with LiveServer(create_payments_sandbox(PAYMENTS_SECRET, -1)) as server:
        app.config.update(PAYMENT_SANDBOX_URL=server.url, PAYMENT_SANDBOX_SECRET=PAYMENTS_SECRET)
        yield {"PAYMENT_SANDBOX_URL": server.url}


def environment(database_url: str, betcore: Betcore, **settings) -> dict:
    """The portal processes' environment: the stand-in as BETCORE, the Betsy secret."""
    settings.setdefault("PAYMENT_SANDBOX_URL", "http://127.0.0.1:9/provider")  # (no payouts)
    settings.setdefault("LOGIN_RATE_LIMIT", "100000 per minute")  # (the players' web logins)
    return portal_environment(
        database_url,
        BETCORE_API_URL=betcore.url,
        BETCORE_CLIENT_SECRET=CLIENT_SECRET,
        BETSY_PARTNER_SECRET=BETSY_SECRET,
        BETCALC_RESULT_SECRET=RESULTS_SECRET,
        PAYMENT_SANDBOX_SECRET=PAYMENTS_SECRET,
        BETCORE_JWKS_COOLDOWN=0,
        **settings,
    )


def open_casino(base_url: str, betcore: Betcore, world: World) -> None:
    """Each player opens the casino: BETCORE's /users/auth with the WebFrame's token (this
    opens the game session the payments are counted in)."""
    with requests.Session() as session:
        for player in world.everybody:
            data = {"RefreshToken": player.refresh_token, "TagId": TAG_ID}
            answer = betcore.post(session, base_url, "/users/auth", data)
            assert answer["ErrorCode"] == 200, answer
            assert answer["Value"]["PartnerUserId"] == str(player.id), answer


def flask(
    env: dict, *commands: list[str], timeout: float = 180
) -> list[subprocess.CompletedProcess]:
    """`flask --app app COMMAND...` for each command, as subprocesses with the portal's
    environment, all at once (each one pays for an import of the app)."""
    processes = [
        (
            command,
            subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [sys.executable, "-m", "flask", "--app", "app", *command],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for command in commands
    ]
    results = []
    for command, process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    return results


def backend(database_url: str) -> str:
    """ "sqlite" or "postgresql"."""
    return database_url.split(":", 1)[0].split("+", 1)[0]


def keep_history(history: History, suite: str, database_url: str) -> None:
    """Write the run's history to $PORTAL_BANK_HISTORY.<suite>.<backend>.jsonl, if set."""
    prefix = os.environ.get(HISTORY_PREFIX)
    if prefix:
        history.dump(f"{prefix}.{suite}.{backend(database_url)}.jsonl")


def pending(app) -> int:
    """Outbox messages not delivered yet."""
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)
        )


def drain(app, seconds: float) -> int:
    """Wait (bounded) until the workers have delivered every accept; how many are left."""
    deadline = time.monotonic() + seconds
    while (left := pending(app)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left
