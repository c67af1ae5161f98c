"""Ledger tables: accounts, immutable transactions and their entries.

Amounts are integers in the currency's minor units (portal.money). Every transaction's
entries sum to zero; a player account's cached `balance` changes only together with its
entries, in the same database transaction.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, false, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Timestamped
from portal.extensions import db

REAL, BONUS = "real", "bonus"
# movements the CRM transactions feed shows (portal.crm.feeds.money)
CRM_KINDS = ("bonus", "bonus_conversion", "bonus_forfeit", "adjustment", "cashback")
CRM_KINDS_SQL = "kind IN (" + ", ".join(f"'{kind}'" for kind in CRM_KINDS) + ")"


class Account(Timestamped, db.Model):
    """A balance in one currency: a player's (real or bonus money) or the house's.

    `owner` is "player:<id>" or "house:<name>" (e.g. "house:betcore"). House accounts are
    the other side of every movement; they are never locked per movement (that would
    serialize every bet on the site), so their `balance` stays 0 and their balance is the
    sum of their entries.
    """

    __tablename__ = "wallet_account"
    __table_args__ = (UniqueConstraint("owner", "currency", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    player_id: Mapped[int | None] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(10))  # real | bonus | house
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # (a real account) the player has an active bonus in this currency: its stakes count
    # toward the wagering and may take bonus money (portal.bonuses)
    bonus_active: Mapped[bool] = mapped_column(default=False, server_default=false())
    # (a real account) the player has limits or an exclusion: its stakes are checked first
    # (portal.limits.checks)
    limited: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_house(self) -> bool:
        return self.player_id is None


class Transaction(db.Model):
    """One money movement, identified by its idempotency key (source, external_id).

    `fingerprint` is what the first request asked for (kind, player, currency, amount,
    original); a repeat with another fingerprint is a mismatch. `status` is "applied", or
    "voided" for the key of an original that was cancelled before it arrived.
    """

    __tablename__ = "wallet_transaction"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_wallet_transaction_player_created", "player_id", "created_at"),
        # the CRM transactions feed's movements (deposits and withdrawals come from their
        # own tables): a partial index, so stakes and wins pay nothing for it
        Index(
            "ix_wallet_transaction_crm",
            "created_at",
            postgresql_where=text(CRM_KINDS_SQL),
            sqlite_where=text(CRM_KINDS_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # betcore | betsy | betcalc | admin ...
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(20))  # stake | win | refund | reversal | ...
    status: Mapped[str] = mapped_column(String(10), default="applied")
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"))
    currency: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units: + to the player, - from
    fingerprint: Mapped[str] = mapped_column(String(64))
    original_id: Mapped[int | None] = mapped_column(ForeignKey("wallet_transaction.id"), index=True)
    # set on a refund or reversal: unique, so an original is cancelled at most once
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("wallet_transaction.id"), unique=True
    )
    reference: Mapped[str | None] = mapped_column(String(128))  # bet id, coupon ...
    reason: Mapped[str | None] = mapped_column(String(500))
    operator: Mapped[str | None] = mapped_column(String(100))
    # the part of `amount` on the player's bonus balance (portal.wallet.bonus_legs), if any
    bonus_amount: Mapped[int | None] = mapped_column(BigInteger)
    balance_after: Mapped[int | None] = mapped_column(BigInteger)  # the player's real balance
    # a player with an active bonus: real and bonus money right after the movement and what
    # it caused (a conversion), as its answer said; a repeat answers it again (null: the
    # player had no bonus then, balance_after is the answer)
    playable_after: Mapped[int | None] = mapped_column(BigInteger)
    # the database's clock (portal.dbclock): rolling limit windows and the CRM
    # transactions feed select by it
    created_at: Mapped[datetime] = mapped_column(default=func.portal_now())

    entries: Mapped[list["Entry"]] = relationship(
        back_populates="transaction", foreign_keys="Entry.transaction_id"
    )


class Entry(db.Model):
    """One leg of a transaction: a signed amount on one account."""

    __tablename__ = "wallet_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("wallet_transaction.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("wallet_account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[Transaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship()
