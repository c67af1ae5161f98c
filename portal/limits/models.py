"""Limits, exclusions and the history of every change to them."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class PlayerLimit(db.Model):
    """One limit of a player: `kind` deposit | loss | stake | bets | session, `period`
    day | week | month (rolling 24 hours, 7 days, 30 days; "bet" for a stake limit per bet,
    "session" for the session limit), `currency` for money limits.

    `value` applies now (minor units, a count of bets, or minutes; None: no limit). A raise
    or a removal waits for its cooling-off: `pending_value` (None: removal) applies from
    `pending_at` on. Reading the limit at a time needs no job: see `rules.effective`."""

    __tablename__ = "player_limit"
    __table_args__ = (UniqueConstraint("player_id", "kind", "period", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(5), default="")  # "" for bets and session
    value: Mapped[int | None] = mapped_column(BigInteger)
    pending_value: Mapped[int | None] = mapped_column(BigInteger)
    pending_at: Mapped[datetime | None]
    modified_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Exclusion(db.Model):
    """A time-out, a self-exclusion or a closed account. `ends_at` None: indefinite (or a
    closure). A self-exclusion that has ended still excludes until the player asks to come
    back and `reopen_at` (the ask + 24 hours) has passed; an operator's lift ends any."""

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # timeout | self-exclusion | closure
    duration: Mapped[str | None] = mapped_column(String(20))  # 24h ... indefinite
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(100))
    reopen_asked_at: Mapped[datetime | None]
    reopen_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lift_reason: Mapped[str | None] = mapped_column(String(500))


class LimitChange(db.Model):
    """Every change to a limit or an exclusion: what, from what to what, from when, by whom
    ("player" or "operator:<name>"), why."""

    __tablename__ = "limit_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    subject: Mapped[str] = mapped_column(String(60))  # "deposit day EUR", "exclusion 3" ...
    action: Mapped[str] = mapped_column(String(30))  # set | lowered | raise-pending | ...
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str | None] = mapped_column(String(100))
    effective_at: Mapped[datetime | None]
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
