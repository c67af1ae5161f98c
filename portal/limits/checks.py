"""Limits enforced before money moves, in as few statements as the database allows.

The wallet calls `stake_refusal` for every stake on a real account flagged `limited` (a
player with a stake, loss or bet-count limit, or an exclusion): other players pay nothing.
The stake's balance UPDATE has locked the account, so two stakes of one player take turns
and the second sees the first: together they cannot cross a limit. It costs one
statement (the player's state and limits), and a second one (the rolling windows' sums)
only when a loss or bet-count limit applies. The cashier calls `deposit_refusal` under the
player's row lock before it records a deposit.
"""

from datetime import date

from sqlalchemy import Date, and_, bindparam, case, false, func, or_, select

from portal import money
from portal.accounts.models import Brand, Player
from portal.extensions import db
from portal.limits import rules
from portal.limits.errors import LimitReached, PlayRefused
from portal.limits.models import PlayerLimit
from portal.sql import prepared
from portal.timeutil import utcnow

# What counts toward a loss (stakes minus wins): the games' movements, not the cashier's,
# the bonuses' or an operator's adjustments.
GAME_KINDS = ("stake", "win", "jackpot", "refund", "reversal")


def plays_freely(player):
    """A fast path's pre-filter, in SQL, over a player table (or alias): an active player,
    not under age by birthdate, verified or of a brand that does not ask. It only lets the
    plain cases through; every other player goes the long way, where rules.play_refusal
    decides (so the rule itself stays in one place). Parameters: plays_freely_parameters."""
    brand = Brand.__table__
    asks = (
        select(brand.c.require_verified_email)
        .where(brand.c.id == player.c.brand_id)
        .scalar_subquery()
    )
    return and_(
        player.c.status == "active",
        or_(
            player.c.birthdate.is_(None),
            player.c.birthdate <= bindparam("adult_born_by", type_=Date),
        ),
        or_(player.c.email_verified_at.is_not(None), asks == false()),
    )


def plays_freely_parameters(now) -> dict:
    """The latest birthdate of an adult today."""
    today = now.date()
    try:
        born_by = date(today.year - rules.ADULT_AGE, today.month, today.day)
    except ValueError:  # 29 February
        born_by = date(today.year - rules.ADULT_AGE, 2, 28)
    return {"adult_born_by": born_by}


def require_may_play(player) -> None:
    """PlayRefused unless the player may play now (a game page, a vendor token)."""
    refusal = rules.refusal_of(player, utcnow())
    if refusal is not None:
        raise PlayRefused(refusal.reason, refusal.until)


def stake_refusal(player_id: int, currency: str, minor: int):
    """LimitReached or PlayRefused for a stake of `minor` (> 0) now, or None."""
    now = utcnow()
    rows = prepared("limits.stake_state", _stake_state_statement).rows({"player_id": player_id})
    if not rows:
        return None
    first = rows[0]
    if rules.excluded(first.status, first.excluded_until, now) or first.status == "blocked":
        return PlayRefused(first.status, first.excluded_until)
    limits = limits_in([row for row in rows if row.kind is not None], currency, now)
    stake_limit = limits.get((rules.STAKE, rules.PER_BET))
    if stake_limit is not None and minor > stake_limit:
        return LimitReached(rules.STAKE, rules.PER_BET, _money(stake_limit, currency), currency)
    windowed = {key: value for key, value in limits.items() if key[0] in (rules.LOSS, rules.BETS)}
    if not windowed:
        return None
    sums = prepared("limits.windows", _windows_statement).first(
        {"player_id": player_id, "currency": currency, **_since(now)}
    )
    for (kind, period), limit in sorted(windowed.items(), key=_shortest_first):
        if kind == rules.LOSS:
            lost = -(getattr(sums, f"net_{period}") or 0)
            if lost + minor > limit:
                allowed = _money(max(0, limit - max(lost, 0)), currency)
                return LimitReached(rules.LOSS, period, allowed, currency)
        else:
            placed = getattr(sums, f"bets_{period}") or 0
            if placed + 1 > limit:
                return LimitReached(rules.BETS, period, max(0, limit - placed))
    return None


def limits_in(rows, currency: str, now) -> dict[tuple[str, str], int]:
    """The limits that hold for money in `currency` now, by (kind, period): those set in it
    (and those of no currency: bets), and 0 for a money limit the player set only in other
    currencies, so that switching currency escapes no limit (to play in it, the player
    sets a limit there: a raise from 0, after the cooling-off)."""
    here, elsewhere = {}, set()
    for row in rows:
        value = rules.effective(row.value, row.pending_value, row.pending_at, now)
        if value is None:
            continue
        if row.currency in (currency, ""):
            here[(row.kind, row.period)] = value
        else:
            elsewhere.add((row.kind, row.period))
    return {**dict.fromkeys(elsewhere, 0), **here}


def _shortest_first(item):
    (kind, period), _ = item
    return list(rules.PERIODS).index(period), kind


def _money(minor: int, currency: str):
    return money.from_minor(minor, currency)


def _since(now) -> dict:
    return {f"since_{name}": now - span for name, span in rules.PERIODS.items()}


def _stake_state_statement(_dialect: str):
    limit = PlayerLimit.__table__.alias("l")
    kinds = or_(*[limit.c.kind == kind for kind in rules.STAKE_KINDS])
    return (
        select(
            Player.status,
            Player.excluded_until,
            limit.c.kind,
            limit.c.period,
            limit.c.currency,
            limit.c.value,
            limit.c.pending_value,
            limit.c.pending_at,
        )
        .outerjoin(limit, and_(limit.c.player_id == Player.id, kinds))
        .where(Player.id == bindparam("player_id"))
    )


def _windows_statement(_dialect: str):
    from portal.wallet.models import Transaction

    t = Transaction.__table__
    same_currency = t.c.currency == bindparam("currency")
    columns = []
    for name in rules.PERIODS:
        since = t.c.created_at >= bindparam(f"since_{name}")
        columns.append(
            func.sum(case((and_(since, same_currency), t.c.amount), else_=0)).label(f"net_{name}")
        )
        columns.append(
            func.sum(case((and_(since, t.c.kind == "stake"), 1), else_=0)).label(f"bets_{name}")
        )
    return select(*columns).where(
        t.c.player_id == bindparam("player_id"),
        t.c.created_at >= bindparam("since_month"),
        t.c.status == "applied",
        or_(*[t.c.kind == kind for kind in GAME_KINDS]),
    )


def deposit_refusal(player_id: int, currency: str, minor: int) -> LimitReached | None:
    """LimitReached when a deposit of `minor` now would cross a deposit limit (the caller
    holds the player's row lock, so two deposits take turns)."""
    room = deposit_room(player_id, currency)
    if room is not None and minor > room[0]:
        return LimitReached(rules.DEPOSIT, room[1], _money(room[0], currency), currency)
    return None


def deposit_room(player_id: int, currency: str) -> tuple[int, str] | None:
    """(minor units the player may still deposit now, the period whose limit says so), or
    None without a deposit limit in `currency`."""
    now = utcnow()
    rows = db.session.scalars(
        select(PlayerLimit).where(
            PlayerLimit.player_id == player_id, PlayerLimit.kind == rules.DEPOSIT
        )
    )
    limits = {period: value for (_, period), value in limits_in(rows, currency, now).items()}
    if not limits:
        return None
    deposited = _deposited(player_id, currency, now)
    rooms = [(max(0, limit - deposited[period]), period) for period, limit in limits.items()]
    return min(rooms, key=lambda room: (room[0], list(rules.PERIODS).index(room[1])))


def _deposited(player_id: int, currency: str, now) -> dict[str, int]:
    """Deposits in each rolling window: every one that has not failed (an unfinished one may
    still be paid, so it counts until it fails), from when it was asked and again from
    when it was paid (so two deposits paid close together count together)."""
    from portal.payments.models import FAIL, Deposit

    moment = func.coalesce(Deposit.completed_at, Deposit.created_at)
    since = _since(now)
    columns = [
        func.sum(case((moment >= since[f"since_{name}"], Deposit.amount), else_=0))
        for name in rules.PERIODS
    ]
    row = db.session.execute(
        select(*columns).where(
            Deposit.player_id == player_id,
            Deposit.currency == currency,
            moment >= since["since_month"],
            Deposit.status != FAIL,
        )
    ).first()
    return {name: int(row[i] or 0) for i, name in enumerate(rules.PERIODS)}
