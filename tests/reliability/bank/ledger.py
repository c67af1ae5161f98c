"""What the database holds after a run, read once for the checker: transactions by key,
each player's balance and history, the entries' sums, the bets' owners."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from sqlalchemy import func, select

from portal.casino.models import CasinoBet
from portal.coupons.models import Coupon
from portal.extensions import db
from portal.payments.models import Deposit
from portal.sportsbook.models import SportsBet
from portal.wallet.models import REAL, Account, Entry, Transaction


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

    @property
    def applied(self) -> bool:
        return self.status == "applied"

    def describe(self) -> str:
        return (
            f"tx {self.id} ({self.source}, {self.key}) {self.kind} {self.status} player"
            f" {self.player} amount {self.amount} balance after {self.balance_after}"
        )


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
    balances: dict[int, int] = field(default_factory=dict)  # player -> real EUR balance
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

    def get(self, source: str, key: str | None) -> Tx | None:
        return self.txs.get((source, key)) if key else None

    def applied(self, source: str, key: str | None) -> Tx | None:
        tx = self.get(source, key)
        return tx if tx is not None and tx.applied else None


def read(app) -> Ledger:
    ledger = Ledger()
    with app.app_context():
        for row in db.session.scalars(select(Transaction).order_by(Transaction.id)):
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
            )
            ledger.txs[(tx.source, tx.key)] = tx
            ledger.by_id[tx.id] = tx
            ledger.history[tx.player].append(tx)
        for account in db.session.scalars(select(Account).where(Account.kind == REAL)):
            ledger.balances[account.player_id] = account.balance
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
    return ledger
