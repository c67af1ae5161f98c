"""What the database holds after a run, read once for the checker: transactions by key,
each player's balance and history, the entries' sums, the bets' owners, the bonuses.

A player's money is real plus bonus money (what vendors see): each transaction's
`real_after` and `bonus_after` are the running sums of its player's entries on the two
accounts in transaction order, which is the order the player's movements took (each locks
the player's real account before its transaction row is written)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import func, select

from portal.bonuses.models import BonusAssignment
from portal.casino.models import CasinoBet
from portal.coupons.models import Coupon
from portal.extensions import db
from portal.payments.models import Deposit
from portal.sportsbook.models import SportsBet
from portal.wallet.models import BONUS, REAL, Account, Entry, Transaction


@dataclass(frozen=True)
class Tx:
    id: int
    source: str
    key: str
    kind: str
    status: str  # applied | voided
    player: int
    amount: int  # cents, + to the player
    balance_after: int | None
    created: float  # epoch seconds
    bonus_amount: int | None = None  # the part of `amount` on the bonus balance
    reference: str | None = None
    real_after: int = 0  # the player's real balance after it (running sum of entries)
    bonus_after: int = 0  # ... and bonus balance

    @property
    def applied(self) -> bool:
        return self.status == "applied"

    @property
    def playable_after(self) -> int:
        """Real and bonus money after it: the balance the vendors are told."""
        return self.real_after + self.bonus_after

    def describe(self) -> str:
        return (
            f"tx {self.id} ({self.source}, {self.key}) {self.kind} {self.status} player"
            f" {self.player} amount {self.amount} (bonus {self.bonus_amount}) real after"
            f" {self.real_after} bonus after {self.bonus_after}"
        )


@dataclass(frozen=True)
class Assignment:
    id: int
    player: int
    code: str
    amount: int
    required: int
    wagered: int
    status: str
    converted: int
    forfeited: int
    deposit: int | None  # the deposit's id (a percentage bonus)
    created: float = 0.0  # epoch seconds
    ended: float | None = None


@dataclass(frozen=True)
class SportsRow:
    player: int
    stake: int
    payout: int
    status: str


@dataclass
class Ledger:
    txs: dict[tuple[str, str], Tx] = field(default_factory=dict)
    by_id: dict[int, Tx] = field(default_factory=dict)
    history: dict[int, list[Tx]] = field(default_factory=lambda: defaultdict(list))  # by id
    balances: dict[int, int] = field(default_factory=dict)  # player -> real + bonus, EUR
    bonus_balances: dict[int, int] = field(default_factory=dict)  # player -> bonus EUR
    entries_total: int = 0
    by_owner: dict[str, int] = field(default_factory=dict)  # account owner -> sum of entries
    casino_bets: dict[str, int] = field(default_factory=dict)  # BetId -> player
    sports_bets: dict[str, SportsRow] = field(default_factory=dict)  # by transactionId
    coupons: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # coupon:<id> -> (player, payout)
    slips: dict[tuple[int, str], str] = field(default_factory=dict)  # (player, key) -> coupon:<id>
    deposits: dict[str, tuple[int, int, str]] = field(
        default_factory=dict
    )  # reference -> (deposit id, player, status)
    deposit_amounts: dict[int, int] = field(default_factory=dict)  # deposit id -> cents
    assignments: list[Assignment] = field(default_factory=list)

    def bonus_figures(self) -> dict:
        """How much bonus play the run had (for its report)."""
        statuses = [a.status for a in self.assignments]
        return {
            "bonuses": len(statuses),
            "completed": statuses.count("completed"),
            "forfeited": statuses.count("forfeited"),
            "bonus_stakes": sum(
                1 for t in self.by_id.values() if t.kind == "stake" and (t.bonus_amount or 0) < 0
            ),
        }

    def get(self, source: str, key: str | None) -> Tx | None:
        return self.txs.get((source, key)) if key else None

    def applied(self, source: str, key: str | None) -> Tx | None:
        tx = self.get(source, key)
        return tx if tx is not None and tx.applied else None


def _epoch(moment) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


def read(app) -> Ledger:
    ledger = Ledger()
    with app.app_context():
        legs = defaultdict(lambda: [0, 0])  # transaction id -> [real, bonus] of its player
        player_legs = (
            select(Entry.transaction_id, Account.kind, Entry.amount)
            .join(Account, Account.id == Entry.account_id)
            .where(Account.kind.in_((REAL, BONUS)))
        )
        for transaction_id, kind, amount in db.session.execute(player_legs):
            legs[transaction_id][kind == BONUS] += amount
        running = defaultdict(lambda: [0, 0])  # player -> [real, bonus] so far
        for row in db.session.scalars(select(Transaction).order_by(Transaction.id)):
            now = running[row.player_id]
            now[0] += legs[row.id][0]
            now[1] += legs[row.id][1]
            tx = Tx(
                row.id,
                row.source,
                row.external_id,
                row.kind,
                row.status,
                row.player_id,
                row.amount,
                row.balance_after,
                row.created_at.replace(tzinfo=UTC).timestamp(),
                row.bonus_amount,
                row.reference,
                now[0],
                now[1],
            )
            ledger.txs[(tx.source, tx.key)] = tx
            ledger.by_id[tx.id] = tx
            ledger.history[tx.player].append(tx)
        for account in db.session.scalars(select(Account).where(Account.kind.in_((REAL, BONUS)))):
            ledger.balances[account.player_id] = (
                ledger.balances.get(account.player_id, 0) + account.balance
            )
            if account.kind == BONUS:
                ledger.bonus_balances[account.player_id] = account.balance
        ledger.entries_total = db.session.scalar(select(func.coalesce(func.sum(Entry.amount), 0)))
        sums = db.session.execute(
            select(Account.owner, func.coalesce(func.sum(Entry.amount), 0))
            .join(Entry, Entry.account_id == Account.id)
            .group_by(Account.owner)
        )
        ledger.by_owner = {owner: total for owner, total in sums}
        for bet in db.session.scalars(select(CasinoBet)):
            ledger.casino_bets[str(bet.bet_id)] = bet.player_id
        for bet in db.session.scalars(select(SportsBet)):
            row = SportsRow(bet.player_id, bet.stake, bet.payout, bet.status)
            ledger.sports_bets[bet.transaction_id] = row
        for coupon in db.session.scalars(select(Coupon)):
            ledger.coupons[f"coupon:{coupon.id}"] = (coupon.player_id, coupon.payout)
            if coupon.slip_key is not None:
                ledger.slips[(coupon.player_id, coupon.slip_key)] = f"coupon:{coupon.id}"
        for deposit in db.session.scalars(select(Deposit)):
            ledger.deposits[deposit.reference] = (deposit.id, deposit.player_id, deposit.status)
            ledger.deposit_amounts[deposit.id] = deposit.amount
        for row in db.session.scalars(select(BonusAssignment).order_by(BonusAssignment.id)):
            ledger.assignments.append(
                Assignment(
                    row.id, row.player_id, row.bonus.code, row.amount, row.wagering_required,
                    row.wagered, row.status, row.converted, row.forfeited, row.deposit_id,
                    _epoch(row.created_at), _epoch(row.ended_at) if row.ended_at else None,
                )
            )  # fmt: skip
    return ledger
