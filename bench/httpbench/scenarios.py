"""The scenarios: what each one sends, what a success is, and what it prepares first.

A "unique" scenario sends each prepared call at most once (a new BetId or transactionId per
request); the others cycle through a fixed set (the ceiling's GET, logins, and the repeat
of stakes already made). Preparation runs outside the timed window: staking the bets that
`betcore-payout` pays out, placing the bets `betsy-settle` settles, filling the ledger.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bench.httpbench import calls as c
from bench.httpbench import ledger_fill
from bench.httpbench.calls import Call, Check
from bench.httpbench.servers import CHEAP_GET_PATH
from bench.httpbench.statements import Sample
from bench.httpbench.world import (
    PASSWORD,
    BenchPlayer,
    World,
    add_players,
    open_coupons,
    set_limits,
    start_deposits,
)


@dataclass
class Context:
    """What the scenarios share during one database's run."""

    app: object  # the in-process portal app on the same database
    world: World
    signer: c.BetcoreSigner
    betsy_secret: str
    ceiling: str  # the ceiling's path
    send_once: object  # (calls, check) -> Outcome: each call once, untimed, `passed` filled
    progress: object  # (text) -> None
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1_000_001))

    def ids(self, n: int) -> list[int]:
        return [next(self.numbers) for _ in range(n)]


@dataclass
class Prepared:
    """The calls of one run, and how their preparation went."""

    calls: list[Call]
    failed: int = 0  # preparation calls that failed
    samples: list[str] = field(default_factory=list)  # ... a few of their answers


class Scenario:
    name: str
    what: str
    check: Check
    unique = True
    door = ""  # scenarios of one door share their measured rate (to size the next run)

    def prepare(self, ctx: Context) -> str:
        """Work before the statement count and the runs; a note for the table."""
        return ""

    def sample(self, ctx: Context) -> Sample:
        """One request of the scenario, for the SQL count (and what it needs first)."""
        raise NotImplementedError

    def calls(self, ctx: Context, count: int) -> Prepared:
        """`count` fresh calls (unique scenarios), or the set to cycle through."""
        raise NotImplementedError


def _send_first(ctx: Context, calls: list[Call], check: Check) -> tuple[list[bool], Prepared]:
    """Send calls once, untimed (stakes to pay out, bets to settle): which passed, and the
    failures (an empty Prepared that carries them)."""
    outcome = ctx.send_once(calls, check)
    samples = [f"preparation: {s}" for s in outcome.samples]
    unsent = outcome.passed.count(None)
    if unsent:
        samples.append(f"preparation: {unsent} calls not sent within the time limit")
    return [bool(p) for p in outcome.passed], Prepared([], outcome.errors + unsent, samples)


# --- the ceiling and logins --------------------------------------------------------------------


class Ceiling(Scenario):
    name, check, unique, door = "ceiling", c.ANSWERED, False, "ceiling"
    what = "GET /healthz (answered in front of Flask): the portal doing nothing"

    def sample(self, ctx):
        return Sample([c.get_call(ctx.ceiling)], c.get_call(ctx.ceiling), self.check)

    def calls(self, ctx, count):
        return Prepared([c.get_call(ctx.ceiling)])


class FlaskGet(Ceiling):
    """The issue's first measurements took "the same server's cheapest GET" through Flask as
    the ceiling; /healthz now answers in front of Flask, three times as fast. This row
    keeps the issue's reference: routing, the rate limiter, security headers, no database."""

    name, door = "flask-get", "flask-get"
    what = f"GET {CHEAP_GET_PATH}: Flask's cheapest answer (no database), the issue's first ceiling"

    def sample(self, ctx):
        return Sample([c.get_call(CHEAP_GET_PATH)], c.get_call(CHEAP_GET_PATH), self.check)

    def calls(self, ctx, count):
        return Prepared([c.get_call(CHEAP_GET_PATH)])


class Login(Scenario):
    name, check, unique, door = "login", c.LOGIN_OK, False, "login"
    what = (
        "POST /gateway/login/1/<brand>/player (JSON), the players in turn: Argon2 as in production"
    )

    def _call(self, ctx, player: BenchPlayer) -> Call:
        return c.login_call(ctx.world.brand_id, player.email, PASSWORD)

    def sample(self, ctx):
        first, second = ctx.world.players[0], ctx.world.players[-1]
        return Sample([self._call(ctx, first)], self._call(ctx, second), self.check)

    def calls(self, ctx, count):
        return Prepared([self._call(ctx, p) for p in ctx.world.players])


# --- BETCORE ------------------------------------------------------------------------------------


class BetcoreStake(Scenario):
    name, check, door = "betcore-stake", c.BETCORE_OK, "betcore"
    what = "POST /betcore/payments/make, TransactionType -1, a new BetId each, over all players"

    def players(self, ctx) -> list[BenchPlayer]:
        return ctx.world.players

    def stakes(self, ctx, count: int) -> list[Call]:
        players = self.players(ctx)
        return ctx.signer.calls(
            [
                c.payment_data(players[n % len(players)].id, bet, c.STAKE, c.STAKE_AMOUNT)
                for n, bet in enumerate(ctx.ids(count))
            ]
        )

    def sample(self, ctx):
        # A first stake of the same player warms what a running server has warm (the
        # player's brand currencies, cached per process); the second one is counted.
        player, (first, second) = self.players(ctx)[0].id, ctx.ids(2)
        setup, counted = ctx.signer.calls(
            [c.payment_data(player, bet, c.STAKE, c.STAKE_AMOUNT) for bet in (first, second)]
        )
        return Sample([setup], counted, self.check)

    def calls(self, ctx, count):
        return Prepared(self.stakes(ctx, count))


class HotPlayer(BetcoreStake):
    name = "hot-player"
    what = "betcore-stake, all on one player (the calls take turns on one wallet)"

    def players(self, ctx):
        return ctx.world.players[:1]


class LimitedStake(BetcoreStake):
    """betcore-stake of players with responsible-gambling limits (issue 13): each stake is
    checked against a stake limit, two loss limits and a bet-count limit (set high enough
    never to refuse). Players of their own, so that no other scenario pays for the checks."""

    name = "limited-stake"
    what = "betcore-stake of 10 players with stake, loss and bet-count limits (none reached)"
    PLAYERS = 10

    def __init__(self):
        self.limited: list[BenchPlayer] = []

    def prepare(self, ctx):
        self.limited = add_players(ctx.app, ctx.world.brand_id, self.PLAYERS, "limited")
        set_limits(ctx.app, self.limited)
        return f"{self.PLAYERS} players with limits"

    def players(self, ctx):
        return self.limited


class StakeAfter(BetcoreStake):
    """The stake again, once the ledger holds `size` earlier transactions."""

    def __init__(self, size: int):
        self.size = size
        self.name = f"stake-after-{size_label(size)}"
        self.what = f"betcore-stake after {size:,} earlier ledger transactions (bulk-filled)"

    def prepare(self, ctx):
        players = [(p.id, p.account_id) for p in ctx.world.players]
        fill = ledger_fill.fill_to(ctx.app, self.size, players, progress=ctx.progress)
        if not fill.added:
            return f"ledger held {fill.before:,} transactions already"
        return (
            f"ledger filled {fill.before:,} -> {fill.before + fill.added:,} in {fill.seconds:.0f} s"
        )


class BetcorePayout(BetcoreStake):
    name = "betcore-payout"
    what = "POST /betcore/payments/make, TransactionType 1 (2.00), on bets staked untimed"

    def payouts(self, ctx, staked: list[tuple[int, int]]) -> list[Call]:
        return ctx.signer.calls(
            [c.payment_data(player, bet, c.PAYOUT, c.PAYOUT_AMOUNT) for player, bet in staked]
        )

    def sample(self, ctx):
        player, bet = ctx.world.players[0].id, ctx.ids(1)[0]
        stake = ctx.signer.calls([c.payment_data(player, bet, c.STAKE, c.STAKE_AMOUNT)])
        return Sample(stake, self.payouts(ctx, [(player, bet)])[0], self.check)

    def calls(self, ctx, count):
        players = ctx.world.players
        bets = [(players[n % len(players)].id, bet) for n, bet in enumerate(ctx.ids(count))]
        stakes = ctx.signer.calls([c.payment_data(p, b, c.STAKE, c.STAKE_AMOUNT) for p, b in bets])
        ctx.progress(f"staking {count} bets to pay out")
        passed, prepared = _send_first(ctx, stakes, c.BETCORE_OK)
        prepared.calls = self.payouts(ctx, [b for b, ok in zip(bets, passed, strict=True) if ok])
        return prepared


class BetcoreRepeat(BetcoreStake):
    name, unique = "betcore-repeat", False
    what = "stakes already made (one per player), sent again: idempotent answers"

    def sample(self, ctx):
        stake = self.stakes(ctx, 1)[0]
        return Sample([stake], stake, self.check)

    def calls(self, ctx, count):
        stakes = self.stakes(ctx, len(ctx.world.players))
        ctx.progress(f"making the {len(stakes)} stakes to repeat")
        passed, prepared = _send_first(ctx, stakes, c.BETCORE_OK)
        prepared.calls = [s for s, ok in zip(stakes, passed, strict=True) if ok]
        return prepared


# --- Betsy --------------------------------------------------------------------------------------


class BetsyPlace(Scenario):
    name, check, door = "betsy-place", c.BETSY_OK, "betsy"
    what = "POST /betsy/payment/bet (signed x-sign-jws), a new transactionId each, all players"

    def places(self, ctx, count: int) -> list[tuple[BenchPlayer, str, Call]]:
        players = ctx.world.players
        made = []
        for n, number in enumerate(ctx.ids(count)):
            player, tx = players[n % len(players)], f"bench-{number}"
            made.append(
                (player, tx, c.betsy_place(player.id, player.betsy_token, tx, ctx.betsy_secret))
            )
        return made

    def sample(self, ctx):
        (_, _, setup), (_, _, counted) = self.places(ctx, 2)
        return Sample([setup], counted, self.check)

    def calls(self, ctx, count):
        return Prepared([call for _, _, call in self.places(ctx, count)])


class BetsySettle(BetsyPlace):
    name = "betsy-settle"
    what = "PUT /betsy/payment/bet, type 2 (won, 2.00), on bets placed untimed"

    def sample(self, ctx):
        ((player, tx, place),) = self.places(ctx, 1)
        return Sample([place], c.betsy_settle(player.id, tx, ctx.betsy_secret), self.check)

    def calls(self, ctx, count):
        made = self.places(ctx, count)
        ctx.progress(f"placing {count} bets to settle")
        passed, prepared = _send_first(ctx, [call for _, _, call in made], c.BETSY_OK)
        prepared.calls = [
            c.betsy_settle(player.id, tx, ctx.betsy_secret)
            for (player, tx, _), ok in zip(made, passed, strict=True)
            if ok
        ]
        return prepared


RESULTS_BATCH = 10
RESULTS_COUPONS = 1000


class BetcalcResults(Scenario):
    """Results of the calculation service in batches, on coupons opened untimed: each
    batch's items alternate won (2.00) and lost for their coupons round after round, so
    every item moves money (only the difference, as a corrected result does)."""

    name, check, door = "betcalc-results", c.RESULTS_OK, "betcalc"
    what = (
        f"POST /betcalc/<secret>/api/bet/result, {RESULTS_BATCH} results per request (won and"
        " lost in turn) on coupons opened untimed: results/s = req/s x "
        f"{RESULTS_BATCH}"
    )

    def __init__(self):
        self.bar_codes: list[str] = []

    def prepare(self, ctx):
        self.bar_codes = open_coupons(ctx.app, ctx.world, RESULTS_COUPONS)
        return f"{len(self.bar_codes):,} coupons; {RESULTS_BATCH} results a request"

    def sample(self, ctx):
        return Sample([], self._batch(0), self.check)

    def calls(self, ctx, count):
        return Prepared([self._batch(n + 1) for n in range(count)])

    def _batch(self, n: int):
        heads = []
        for j in range(RESULTS_BATCH):
            at = n * RESULTS_BATCH + j
            turn, index = divmod(at, len(self.bar_codes))
            heads.append(c.result_head(self.bar_codes[index], won=turn % 2 == 0))
        return c.results_call(heads)


class PaymentCallback(Scenario):
    """The payment provider's signed success callbacks (the cashier, issue 12), each for a
    deposit started untimed (state new): verify the HMAC over the raw body, apply it once
    (idempotent by the provider's transaction id) and credit the wallet."""

    name, check, door = "payment-callback", c.PAYMENT_OK, "payments"
    what = (
        "POST /payments/sandbox/callback, a signed success (10.00 EUR) for a deposit started"
        " untimed, a new one each"
    )
    AMOUNT = "10.00"

    def sample(self, ctx):
        first, second = start_deposits(ctx.app, ctx.world, 2, self.AMOUNT)
        return Sample([self._call(first)], self._call(second), self.check)

    def calls(self, ctx, count):
        ctx.progress(f"starting {count:,} deposits")
        references = start_deposits(ctx.app, ctx.world, count, self.AMOUNT)
        return Prepared([self._call(reference) for reference in references])

    def _call(self, reference: str):
        return c.payment_callback(reference, self.AMOUNT, f"BENCH-{reference}")


def wake_workers(ctx: Context, count: int) -> Prepared:
    """A few stakes and Betsy bets before the first scenario, untimed, so that every worker
    has fetched BETCORE's keys and opened its database connections: the failures."""
    woken = Prepared([])
    for calls, check in (
        (BetcoreStake().stakes(ctx, count), c.BETCORE_OK),
        ([call for _, _, call in BetsyPlace().places(ctx, count)], c.BETSY_OK),
    ):
        _, prepared = _send_first(ctx, calls, check)
        woken.failed += prepared.failed
        woken.samples += [f"waking the workers: {s}" for s in prepared.samples]
    return woken


# --- the list -----------------------------------------------------------------------------------

NAMES = [
    "ceiling",
    "flask-get",
    "betcore-stake",
    "betcore-payout",
    "betcore-repeat",
    "betsy-place",
    "betsy-settle",
    "hot-player",
    "betcalc-results",
    "payment-callback",
    "limited-stake",
    "login",
]


def size_label(size: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def build(names: list[str], ledger_sizes: list[int]) -> list[Scenario]:
    """The scenarios in the order they run: the ceiling first (every ratio needs it), the
    smallest ledger size next (while the ledger is small), the larger ones after the
    others, and the login last (the slow logins still in flight when its run ends are
    never waited for)."""
    fixed = {
        "ceiling": Ceiling,
        "flask-get": FlaskGet,
        "betcore-stake": BetcoreStake,
        "betcore-payout": BetcorePayout,
        "betcore-repeat": BetcoreRepeat,
        "betsy-place": BetsyPlace,
        "betsy-settle": BetsySettle,
        "hot-player": HotPlayer,
        "betcalc-results": BetcalcResults,
        "payment-callback": PaymentCallback,
        "limited-stake": LimitedStake,
        "login": Login,
    }
    sizes = sorted(ledger_sizes)
    after = {f"stake-after-{size_label(s)}": s for s in sizes}
    unknown = [n for n in names if n not in fixed and n not in after and n != "stake-after"]
    if unknown:
        raise ValueError(
            f"unknown scenarios: {', '.join(unknown)} (known: {', '.join(all_names(sizes))})"
        )
    wanted_sizes = [
        s for s in sizes if "stake-after" in names or f"stake-after-{size_label(s)}" in names
    ]
    chosen = [Ceiling()]
    if wanted_sizes:
        chosen.append(StakeAfter(wanted_sizes[0]))
    chosen += [fixed[n]() for n in NAMES[1:] if n in names and n != "login"]
    chosen += [StakeAfter(s) for s in wanted_sizes[1:]]
    chosen += [Login()] if "login" in names else []
    return chosen


def all_names(ledger_sizes: list[int]) -> list[str]:
    return NAMES + [f"stake-after-{size_label(s)}" for s in sorted(ledger_sizes)]
