"""Read-only views of the ledger: balances, history, activity since a moment."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal import money
from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import operations as wallet
from portal.wallet.models import BONUS, REAL, Account, Transaction
from portal.wallet.operations import APPLIED, REFUND, STAKE

HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class Balance:
    currency: str
    real: Decimal
    bonus: Decimal

    @property
    def total(self) -> Decimal:
        return self.real + self.bonus


def balances(player: Player) -> list[Balance]:
    """Real and bonus balance in every currency of the player's brand (zero when unused)."""
    rows = db.session.execute(
        select(Account.currency, Account.kind, Account.balance).where(
            Account.player_id == player.id
        )
    ).all()
    found = {(currency, kind): minor for currency, kind, minor in rows}
    return [
        Balance(
            currency,
            money.from_minor(found.get((currency, REAL), 0), currency),
            money.from_minor(found.get((currency, BONUS), 0), currency),
        )
        for currency in player.brand.currency_list
    ]


def balance(player: Player, currency: str) -> Balance:
    return next(b for b in balances(player) if b.currency == currency)


def playable_balance(player_id: int, currency: str) -> Decimal:
    """Real money, and bonus money of a player with a bonus, in one currency: what vendors
    with one balance are shown (portal.wallet.operations.playable)."""
    minor = wallet.playable_balance_minor(player_id, currency)
    return money.from_minor(minor, currency)


def real_balance(player_id: int, currency: str) -> Decimal:
    """The player's real balance in one currency (zero when the account is unused)."""
    minor = db.session.scalar(
        select(Account.balance).where(
            Account.owner == f"player:{player_id}",
            Account.currency == currency,
            Account.kind == REAL,
        )
    )
    return money.from_minor(minor or 0, currency)


@dataclass(frozen=True)
class Page:
    items: list[Transaction]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def history(
    player: Player,
    *,
    currency=None,
    kind=None,
    since=None,
    until=None,
    page=1,
    per_page=HISTORY_PAGE_SIZE,
) -> Page:
    """The player's applied transactions, newest first, filtered and paged."""
    query = select(Transaction).where(
        Transaction.player_id == player.id, Transaction.status == APPLIED
    )
    if currency:
        query = query.where(Transaction.currency == currency)
    if kind:
        query = query.where(Transaction.kind == kind)
    if since:
        query = query.where(Transaction.created_at >= since)
    if until:
        query = query.where(Transaction.created_at < until)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(Transaction.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def transaction(source: str, external_id: str) -> Transaction | None:
    """The transaction of an idempotency key (applied or voided), if any."""
    return db.session.scalar(
        select(Transaction).where(
            Transaction.source == source, Transaction.external_id == external_id
        )
    )


@dataclass(frozen=True)
class Totals:
    bets: Decimal
    wins: Decimal
    rounds: int
    last_bet: datetime | None


def totals(player: Player, currency: str, since: datetime | None = None) -> Totals:
    """Stakes and payouts since a moment, net of refunds and reversals."""
    query = select(
        Transaction.kind,
        func.sum(Transaction.amount),
        func.count(),
        func.max(Transaction.created_at),
    ).where(
        Transaction.player_id == player.id,
        Transaction.currency == currency,
        Transaction.status == APPLIED,
        Transaction.kind != "adjustment",
    )
    if since is not None:
        query = query.where(Transaction.created_at >= since)
    bets = wins = rounds = 0
    last_bet = None
    for kind, amount, count, last in db.session.execute(query.group_by(Transaction.kind)):
        if kind in (STAKE, REFUND):
            bets -= amount
            rounds += count if kind == STAKE else 0
            last_bet = last if kind == STAKE else last_bet
        else:  # wins, jackpots, and reversals of them (negative)
            wins += amount
    return Totals(
        money.from_minor(bets, currency), money.from_minor(wins, currency), rounds, last_bet
    )
