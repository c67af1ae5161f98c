"""What InTarget should hold after a bank run, read from the database once the load is over:
for each CRM feed, the final state of every row that changed while the poller asked for
windows, keyed as the feed keys it, as the text the feed writes (times cut to the second,
money in major units), restricted to the columns the checker compares.

A row whose last change came after the last window asked for (`Truth.after`) is not
expected yet: InTarget gets it in its next window. The rows are read from the tables the
portal keeps, not through the feeds' queries; a few value mappings (a deposit's status
as the seed's New/Process/Success/Fail, a bet's status as the seed's) are the feeds'.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from portal import money
from portal.accounts.models import LoginEvent, Player
from portal.bonuses.models import ACTIVE, COMPLETED, Bonus, BonusAssignment
from portal.casino.models import CasinoBet, CasinoPayment, GameSession
from portal.coupons.models import Coupon, CouponSelection, LineEvent
from portal.crm.feeds.money import STATUSES, WALLET_TYPES
from portal.crm.feeds.sports import (
    BETSY_BET_STATUSES,
    BETSY_ODDS_STATUSES,
    COUPON_ODDS_STATUSES,
    COUPON_STATUSES,
)
from portal.crm.models import AutoLogin
from portal.crm.window import TIME_FORMAT
from portal.extensions import db
from portal.payments.models import Deposit, Withdrawal
from portal.sportsbook.models import SportsBet, SportsEvent, SportsSelection
from portal.wallet.models import CRM_KINDS, Account, Transaction

# feed -> (the column a row is upserted by, the column of its modification time; None:
# no such column: tournaments have none, a game session's is its actions' times)
KEYS = {
    "players": ("id", "modified_at"),
    "contacts": ("player_id", "modified_at"),
    "transactions": ("id", "updated_at"),
    "logins": ("id", "created_at"),
    "auto-logins": ("player_id", "updated_at"),
    "wallets": ("id", "modified_at"),
    "bonus-assignments": ("id", "modified_at"),
    "bonuses": ("id", "modified_at"),
    "casino-game-activity": ("session_id", None),
    "sports-tournaments": ("id", None),
    "sports-events": ("id", "updated_at"),
    "sports-bets": ("id", "modified_at"),
    "sports-odds": ("id", "updated_at"),
}
GAME_ACTIVITY = "casino-game-activity"
# what counts as a bet and as a win of a game session (as portal.casino.models counts them)
STAKE_TYPE, WIN_TYPES = -1, (1, 4)


def moment(value: datetime) -> str:
    return value.strftime(TIME_FORMAT)


def amount(minor: int, currency: str) -> str:
    return format(money.from_minor(minor, currency), "f")


@dataclass
class Truth:
    since: datetime  # the first window's start
    until: datetime  # the last window's end
    # feed -> key -> column -> text: the final state of the rows changed in [since, until)
    rows: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # feed -> keys changed again at or after `until` (not expected yet)
    after: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # game session -> its actions (time, "bet" | "win" | "other"), in time order
    actions: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)

    def put(self, feed: str, key: str, stamp: datetime, columns: dict[str, str]) -> None:
        """A row whose last change was at `stamp`: expected if in [since, until)."""
        if stamp >= self.until:
            self.after[feed].add(key)
        elif stamp >= self.since:
            self.rows.setdefault(feed, {})[key] = columns

    def figures(self) -> dict:
        """For the run's report: rows held to their final state, and rows changed after
        the last window (none, unless a request was still being served after the load)."""
        return {
            "crm_expected": sum(len(rows) for rows in self.rows.values()),
            "crm_later": sum(len(keys) for keys in self.after.values()),
        }


def read(app, since: datetime, until: datetime) -> Truth:
    truth = Truth(since, until, {feed: {} for feed, (_k, stamp) in KEYS.items() if stamp})
    truth.rows[GAME_ACTIVITY] = {}
    with app.app_context():
        for reader in (_players, _logins, _auto_logins, _wallets, _cash, _movements, _bonuses,
                       _game_sessions, _sports_events, _sports_bets):  # fmt: skip
            reader(truth)
        db.session.rollback()
    return truth


def _players(truth: Truth) -> None:
    for p in db.session.scalars(select(Player)):
        stamp = p.modified_at
        truth.put("players", str(p.id), stamp, {"modified_at": moment(stamp), "status": p.status})
        truth.put("contacts", str(p.id), stamp, {"modified_at": moment(stamp), "email": p.email})


def _logins(truth: Truth) -> None:
    query = select(LoginEvent).where(LoginEvent.player_id.is_not(None))
    for e in db.session.scalars(query):
        columns = {"player_id": str(e.player_id), "created_at": moment(e.created_at)}
        columns["is_success"] = "true" if e.success else "false"
        truth.put("logins", str(e.id), e.created_at, columns)


def _auto_logins(truth: Truth) -> None:
    query = select(AutoLogin.player_id, func.max(AutoLogin.modified_at)).group_by(
        AutoLogin.player_id
    )
    for player_id, stamp in db.session.execute(query):
        truth.put("auto-logins", str(player_id), stamp, {"updated_at": moment(stamp)})


def _wallets(truth: Truth) -> None:
    for a in db.session.scalars(select(Account).where(Account.player_id.is_not(None))):
        truth.put("wallets", str(a.id), a.modified_at, {
            "player_id": str(a.player_id), "type": WALLET_TYPES.get(a.kind, "other"),
            "balance": amount(a.balance, a.currency), "currency": a.currency,
            "modified_at": moment(a.modified_at),
        })  # fmt: skip


def _cash(truth: Truth) -> None:
    """Deposits and withdrawals: their own rows, moved by every change of status."""
    for model, prefix, direction in ((Deposit, "deposit", "In"), (Withdrawal, "withdrawal", "Out")):
        for r in db.session.scalars(select(model)):
            truth.put("transactions", f"{prefix}:{r.id}", r.modified_at, {
                "player_id": str(r.player_id), "amount": amount(r.amount, r.currency),
                "status": STATUSES.get(r.status, "New"), "dir": direction,
                "updated_at": moment(r.modified_at),
            })  # fmt: skip


def _movements(truth: Truth) -> None:
    """Bonus credits, conversions, forfeits, adjustments, cashbacks: ledger rows that never
    change after they are written."""
    query = select(Transaction).where(
        Transaction.kind.in_(CRM_KINDS), Transaction.status == "applied"
    )
    for t in db.session.scalars(query):
        truth.put("transactions", f"movement:{t.id}", t.created_at, {
            "player_id": str(t.player_id), "amount": amount(abs(t.amount), t.currency),
            "status": "Success", "dir": "In" if t.amount >= 0 else "Out",
            "updated_at": moment(t.created_at),
        })  # fmt: skip


def _bonuses(truth: Truth) -> None:
    for b in db.session.scalars(select(Bonus)):
        columns = {"name": b.name, "modified_at": moment(b.modified_at)}
        truth.put("bonuses", str(b.id), b.modified_at, columns)
    for a in db.session.scalars(select(BonusAssignment)):
        truth.put("bonus-assignments", str(a.id), a.modified_at, {
            "player_id": str(a.player_id), "active": "1" if a.status == ACTIVE else "0",
            "used": "1" if a.status == COMPLETED else "0", "modified_at": moment(a.modified_at),
        })  # fmt: skip


def _game_sessions(truth: Truth) -> None:
    """A game session's row: the aggregates of all its actions (the payments of its bets),
    expected when one of its actions falls in the polled windows."""
    query = (
        select(CasinoBet.game_session_id, CasinoPayment.created_at,
               CasinoPayment.transaction_type, CasinoPayment.amount)
        .join(CasinoPayment, CasinoPayment.bet_id == CasinoBet.bet_id)
        .where(CasinoBet.game_session_id.is_not(None))
        .order_by(CasinoPayment.created_at)
    )  # fmt: skip
    payments = defaultdict(list)
    for session_id, created_at, kind, minor in db.session.execute(query):
        payments[session_id].append((created_at, kind, minor))
    sessions = {s.id: s for s in db.session.scalars(select(GameSession))}
    for session_id, made in payments.items():
        session = sessions[session_id]
        bets = [minor for _at, kind, minor in made if kind == STAKE_TYPE]
        wins = [minor for _at, kind, minor in made if kind in WIN_TYPES and minor > 0]
        truth.actions[session_id] = [
            (at, "bet" if kind == STAKE_TYPE else "win" if kind in WIN_TYPES and m > 0 else "other")
            for at, kind, m in made
        ]
        times = [at for at, _kind, _minor in made]
        columns = {
            "player_id": str(session.player_id),
            "bet_count": str(len(bets)),
            "win_count": str(len(wins)),
            # net of a returned stake (2) and of a payout taken back (-2)
            "bet_amount": amount(sum(bets) - _sum_of(made, 2), session.currency),
            "win_amount": amount(sum(wins) - _sum_of(made, -2), session.currency),
            "created_at": moment(min(times)),
            "updated_at": moment(max(times)),
        }
        if max(times) >= truth.until:
            truth.after[GAME_ACTIVITY].add(session_id)
        elif any(truth.since <= at for at in times):
            truth.rows[GAME_ACTIVITY][session_id] = columns


def _sports_events(truth: Truth) -> None:
    for e in db.session.scalars(select(SportsEvent)):
        columns = {"status": e.status, "updated_at": moment(e.modified_at)}
        truth.put("sports-events", e.id, e.modified_at, columns)
    for e in db.session.scalars(select(LineEvent)):
        columns = {"updated_at": moment(e.modified_at)}
        truth.put("sports-events", f"{e.event_type}:{e.match_id}", e.modified_at, columns)


def _sports_bets(truth: Truth) -> None:
    """Betsy bets and coupons, and their selections (an odds row changes with its bet)."""
    betsy = {}
    for b in db.session.scalars(select(SportsBet)):
        betsy[b.id] = b
        truth.put("sports-bets", f"betsy:{b.transaction_id}", b.modified_at, {
            "player_id": str(b.player_id), "status": BETSY_BET_STATUSES.get(b.status, b.status),
            "stake": amount(b.stake, b.currency), "win_amount": amount(b.payout, b.currency),
            "modified_at": moment(b.modified_at),
        })  # fmt: skip
    for s in db.session.scalars(select(SportsSelection)):
        b = betsy[s.bet_id]
        truth.put("sports-odds", f"betsy:{s.id}", b.modified_at, {
            "bet_id": f"betsy:{b.transaction_id}",
            "status": BETSY_ODDS_STATUSES.get(b.status, "not_resulted"),
            "updated_at": moment(b.modified_at),
        })  # fmt: skip
    coupons = {}
    for c in db.session.scalars(select(Coupon)):
        coupons[c.id] = c
        truth.put("sports-bets", f"coupon:{c.id}", c.modified_at, {
            "player_id": str(c.player_id), "status": COUPON_STATUSES.get(c.status, c.status),
            "stake": amount(c.stake, c.currency), "win_amount": amount(c.payout, c.currency),
            "modified_at": moment(c.modified_at),
        })  # fmt: skip
    for s in db.session.scalars(select(CouponSelection)):
        c = coupons[s.coupon_id]
        truth.put("sports-odds", f"coupon:{s.id}", c.modified_at, {
            "bet_id": f"coupon:{c.id}",
            "status": COUPON_ODDS_STATUSES.get(c.status, "not_resulted"),
            "updated_at": moment(c.modified_at),
        })  # fmt: skip


def _sum_of(made, kind: int) -> int:
    return sum(minor for _at, k, minor in made if k == kind)
