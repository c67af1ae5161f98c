"""Bonus definitions and their assignments to players.

Amounts of a definition are decimal numbers applied in the currency the player claims in
(minor units are taken per assignment); an assignment keeps everything in minor units."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Timestamped
from portal.extensions import db

ACTIVE, COMPLETED, EXPIRED, FORFEITED = "active", "completed", "expired", "forfeited"


class Bonus(Timestamped, db.Model):
    """A bonus operators offer: a fixed amount, or a percentage of a deposit up to a
    maximum; its wagering multiplier, the most that converts to real money, its days."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(50), unique=True)  # stored upper-case
    amount: Mapped[str | None] = mapped_column(String(20))  # fixed, e.g. "10.00"
    percent: Mapped[str | None] = mapped_column(String(10))  # of a deposit, e.g. "100"
    max_amount: Mapped[str | None] = mapped_column(String(20))  # cap of a percentage bonus
    wagering: Mapped[str] = mapped_column(String(10))  # multiplier of the bonus, e.g. "30"
    max_conversion: Mapped[str] = mapped_column(String(20))  # most that becomes real money
    days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)


class BonusAssignment(Timestamped, db.Model):
    """A bonus given to a player: its money (in the bonus balance), what must be wagered,
    what has been, and how it ended. `ref` names its wagering-complete event (seed 002)."""

    __tablename__ = "bonus_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    bonus_id: Mapped[int] = mapped_column(ForeignKey("bonus.id"))
    currency: Mapped[str] = mapped_column(String(5))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units granted
    wagering_required: Mapped[int] = mapped_column(BigInteger)
    wagered: Mapped[int] = mapped_column(BigInteger, default=0)
    # active -> completed (wagering met: converted up to the cap) | expired | forfeited
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE, index=True)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    converted: Mapped[int] = mapped_column(BigInteger, default=0)
    forfeited: Mapped[int] = mapped_column(BigInteger, default=0)
    ref: Mapped[str] = mapped_column(String(36), unique=True)
    deposit_id: Mapped[int | None] = mapped_column(ForeignKey("deposit.id"))

    bonus: Mapped[Bonus] = relationship()
