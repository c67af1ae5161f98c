"""Cashier records: which providers a brand offers (with its limits per currency), deposits,
withdrawals, and every callback a provider sent."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import Timestamped
from portal.extensions import db
from portal.timeutil import utcnow

# A deposit's and a withdrawal's states, as seed 003 names them (New, Process, Success, Fail)
NEW, PROCESS, SUCCESS, FAIL = "new", "process", "success", "fail"
# a withdrawal waiting for an operator; cancelled by the player; declined by an operator
PENDING, CANCELLED, DECLINED = "pending", "cancelled", "declined"


class PaymentMethod(db.Model):
    """A provider a brand offers in one currency, with the amounts it takes (minor units)."""

    __tablename__ = "payment_method"
    __table_args__ = (UniqueConstraint("brand_id", "provider", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(5))
    min_deposit: Mapped[int] = mapped_column(BigInteger)
    max_deposit: Mapped[int] = mapped_column(BigInteger)
    min_withdrawal: Mapped[int] = mapped_column(BigInteger)
    max_withdrawal: Mapped[int] = mapped_column(BigInteger)


class Deposit(Timestamped, db.Model):
    """A player's deposit: `reference` is ours (shown on the provider's page and in the
    return URL), `provider_tx_id` the provider's, bound by its first callback."""

    __table_args__ = (UniqueConstraint("provider", "provider_tx_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    status: Mapped[str] = mapped_column(String(10), default=NEW, index=True)
    provider_tx_id: Mapped[str | None] = mapped_column(String(100))
    requisite: Mapped[str | None] = mapped_column(String(60))  # masked: 424242******4242
    payment_system: Mapped[str | None] = mapped_column(String(30))  # VISA, ...
    bonus_code: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(300))  # why it failed
    completed_at: Mapped[datetime | None]


class Withdrawal(Timestamped, db.Model):
    """A player's request to be paid: its amount is held from the moment it is asked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    currency: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units
    # pending -> cancelled | declined | process -> success | fail (the money returns)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    requisite: Mapped[str] = mapped_column(String(60))  # masked
    payment_system: Mapped[str | None] = mapped_column(String(30))
    provider_tx_id: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))  # a decline's, a failure's
    operator: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None]


class PaymentCallback(db.Model):
    """A provider's callback as it came (verified or not) and what the portal did with it."""

    __tablename__ = "payment_callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(30))
    provider_tx_id: Mapped[str | None] = mapped_column(String(100), index=True)
    reference: Mapped[str | None] = mapped_column(String(40), index=True)
    status: Mapped[str | None] = mapped_column(String(10))
    raw: Mapped[str] = mapped_column(Text)
    # applied | repeated | refused (a mismatch, or out of order) | malformed | unsigned
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
