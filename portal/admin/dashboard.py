"""The dashboard (`home`, /admin/): the operation's figures at a glance, for every role.

Periods are calendar days in UTC: today, the last 7 days and the last 30 days each end now
and start at midnight (today, 6 days ago, 29 days ago), so the 30-day chart's days add up
to the 30-day figures. Every figure is one aggregate query (GROUP BY, conditional sums),
never a loop over rows. GGR is stakes minus wins of the games' movements
(portal.limits.checks.GAME_KINDS: refunds reduce the stakes, reversals the wins)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import render_template, request
from sqlalchemy import and_, case, func, or_, select

from portal import money
from portal.accounts.models import LoginEvent, Player
from portal.admin import charts
from portal.admin.blueprint import page
from portal.coupons.models import Coupon
from portal.coupons.operations import unknown_condition
from portal.extensions import db
from portal.limits.checks import GAME_KINDS
from portal.outbox.models import DEAD, OutboxMessage
from portal.outbox.models import PENDING as OUTBOX_PENDING
from portal.payments.models import PENDING, PROCESS, SUCCESS, Deposit, Withdrawal
from portal.timeutil import utcnow
from portal.traffic.models import VendorCall
from portal.wallet.models import Transaction

PERIODS = ("today", "7d", "30d")
PERIOD_LABELS = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days"}
STAKE_SIDE = ("stake", "refund")  # their amounts are negative for a stake: -sum = stakes


@dataclass
class Figures:
    """One currency's money figures per period (minor units)."""

    currency: str
    deposits: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))
    deposit_count: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))
    withdrawals: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))
    withdrawal_count: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))
    stakes: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))
    wins: dict = field(default_factory=lambda: dict.fromkeys(PERIODS, 0))

    def ggr(self, period: str) -> int:
        return self.stakes[period] - self.wins[period]


def period_starts(now: datetime) -> dict[str, datetime]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {"today": today, "7d": today - timedelta(days=6), "30d": today - timedelta(days=29)}


def _per_period(column, value, starts):
    """Conditional sums of `value` for each period (the query keeps only the 30 days)."""
    return [
        func.coalesce(func.sum(case((column >= starts[p], value), else_=0)), 0) for p in PERIODS
    ]


def _counts(column, starts, *where) -> dict[str, int]:
    row = db.session.execute(
        select(*_per_period(column, 1, starts)).where(column >= starts["30d"], *where)
    ).one()
    return dict(zip(PERIODS, (int(v) for v in row), strict=True))


def money_figures(starts) -> list[Figures]:
    """Deposits, paid withdrawals, stakes and wins per currency and period."""
    found: dict[str, Figures] = {}

    def of(currency):
        return found.setdefault(currency, Figures(currency))

    for model, name in ((Deposit, "deposits"), (Withdrawal, "withdrawals")):
        done = model.completed_at
        rows = db.session.execute(
            select(
                model.currency,
                *_per_period(done, model.amount, starts),
                *_per_period(done, 1, starts),
            )
            .where(model.status == SUCCESS, done >= starts["30d"])
            .group_by(model.currency)
        )
        for currency, *sums in rows:
            figures = of(currency)
            getattr(figures, name).update(zip(PERIODS, map(int, sums[:3]), strict=True))
            count = "deposit_count" if model is Deposit else "withdrawal_count"
            getattr(figures, count).update(zip(PERIODS, map(int, sums[3:]), strict=True))
    side = case((Transaction.kind.in_(STAKE_SIDE), "stakes"), else_="wins")
    rows = db.session.execute(
        select(
            Transaction.currency,
            side,
            *_per_period(Transaction.created_at, Transaction.amount, starts),
        )
        .where(
            Transaction.kind.in_(GAME_KINDS),
            Transaction.status == "applied",
            Transaction.created_at >= starts["30d"],
        )
        .group_by(Transaction.currency, side)
    )
    for currency, which, *sums in rows:
        sign = -1 if which == "stakes" else 1
        getattr(of(currency), which).update(
            {p: sign * int(v) for p, v in zip(PERIODS, sums, strict=True)}
        )
    return sorted(found.values(), key=lambda f: (-f.deposits["30d"] - f.stakes["30d"], f.currency))


def daily(starts, currency: str, days: list[str]) -> tuple[dict, dict]:
    """GGR and deposits of `currency` per UTC day of the last 30 days (minor units)."""
    day = func.date(Transaction.created_at)
    stake_sum = func.sum(case((Transaction.kind.in_(STAKE_SIDE), -Transaction.amount), else_=0))
    win_sum = func.sum(case((Transaction.kind.in_(STAKE_SIDE), 0), else_=Transaction.amount))
    ggr = dict.fromkeys(days, 0)
    for when, stakes, wins in db.session.execute(
        select(day, stake_sum, win_sum)
        .where(
            Transaction.currency == currency,
            Transaction.kind.in_(GAME_KINDS),
            Transaction.status == "applied",
            Transaction.created_at >= starts["30d"],
        )
        .group_by(day)
    ):
        ggr[str(when)[:10]] = int(stakes or 0) - int(wins or 0)
    deposit_day = func.date(Deposit.completed_at)
    deposits = dict.fromkeys(days, 0)
    for when, total in db.session.execute(
        select(deposit_day, func.sum(Deposit.amount))
        .where(
            Deposit.currency == currency,
            Deposit.status == SUCCESS,
            Deposit.completed_at >= starts["30d"],
        )
        .group_by(deposit_day)
    ):
        deposits[str(when)[:10]] = int(total or 0)
    return ggr, deposits


def operations_figures(now: datetime) -> dict:
    """What waits or went wrong: withdrawals, unknown coupons, the outbox, vendor calls."""
    waiting = db.session.execute(
        select(Withdrawal.currency, func.count(), func.sum(Withdrawal.amount))
        .where(Withdrawal.status.in_((PENDING, PROCESS)))
        .group_by(Withdrawal.currency)
        .order_by(Withdrawal.currency)
    ).all()
    outbox = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_((OUTBOX_PENDING, DEAD)))
            .group_by(OutboxMessage.status)
        ).all()
    )
    failed = db.session.execute(
        select(VendorCall.vendor, func.count())
        .where(
            VendorCall.at >= now - timedelta(hours=1),
            # no answer or a server error; our own calls also count a refusal (4xx)
            or_(
                VendorCall.status.is_(None),
                VendorCall.status >= 500,
                and_(VendorCall.direction == "out", VendorCall.status >= 400),
            ),
        )
        .group_by(VendorCall.vendor)
        .order_by(VendorCall.vendor)
    ).all()
    return {
        "withdrawals": [
            (currency, count, money.format_amount(int(total or 0), currency))
            for currency, count, total in waiting
        ],
        "withdrawals_count": sum(count for _c, count, _t in waiting),
        "outbox_pending": outbox.get(OUTBOX_PENDING, 0),
        "outbox_dead": outbox.get(DEAD, 0),
        "failed_calls": failed,
        "failed_calls_count": sum(count for _v, count in failed),
        "unknown_coupons": db.session.scalar(
            select(func.count()).select_from(Coupon).where(unknown_condition())
        ),
    }


@page("/")
def home():
    now = utcnow()
    starts = period_starts(now)
    people = {
        "registrations": _counts(Player.created_at, starts),
        "logins": _counts(LoginEvent.created_at, starts, LoginEvent.success),
    }
    figures = money_figures(starts)
    currencies = [f.currency for f in figures]
    chosen = request.args.get("currency", "").strip().upper()
    chosen = chosen if chosen in currencies else (currencies[0] if currencies else None)
    chart = None
    if chosen:
        days = [(starts["30d"] + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(30)]
        ggr, deposits = daily(starts, chosen, days)
        chart = charts.daily_chart(
            days,
            [money.from_minor(ggr[d], chosen) for d in days],
            [money.from_minor(deposits[d], chosen) for d in days],
        )
    return render_template(
        "admin/home.html",
        people=people,
        figures=figures,
        periods=PERIODS,
        labels=PERIOD_LABELS,
        ops=operations_figures(now),
        chart=chart,
        chart_currency=chosen,
        currencies=currencies,
        amount=money.format_amount,
        now=now,
    )
