"""Coupon records: the line offered on the bet slip, the coupons with their selections,
every result the calculation service posted, and the service's login (its cookies)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Timestamped
from portal.extensions import db
from portal.timeutil import utcnow


class BetcalcSession(db.Model):
    """The service's session cookies (one row), shared by every worker process and kept
    across restarts: a login happens only when there is none or the service forgot it."""

    __tablename__ = "betcalc_session"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    user_id: Mapped[str | None] = mapped_column(String(50))
    cookies: Mapped[str] = mapped_column(Text)  # JSON object: cookie name -> value
    logged_in_at: Mapped[datetime] = mapped_column(default=utcnow)


class LineEvent(Timestamped, db.Model):
    """A match offered on the bet slip (loaded from an operator's line file)."""

    __tablename__ = "line_event"
    __table_args__ = (UniqueConstraint("event_type", "match_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(4))  # line | live
    match_id: Mapped[str] = mapped_column(String(20))  # digits
    sport: Mapped[str] = mapped_column(String(100))
    tournament: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    start_at: Mapped[datetime]  # UTC

    outcomes: Mapped[list["LineOutcome"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="LineOutcome.position"
    )


class LineOutcome(db.Model):
    """An outcome of a market of a match: what a selection on the slip names."""

    __tablename__ = "line_outcome"
    __table_args__ = (UniqueConstraint("event_id", "bet_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("line_event.id", ondelete="CASCADE"))
    position: Mapped[int]  # the file's order
    market: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    bet_code: Mapped[str] = mapped_column(String(100))  # e.g. 17|954|2.5
    odds: Mapped[str] = mapped_column(String(16))  # a decimal > 1, exact

    event: Mapped[LineEvent] = relationship(back_populates="outcomes")


class Coupon(Timestamped, db.Model):
    """A player's coupon: its stake (held from the moment it is recorded), the service's
    barcode once placed, and what has been paid on it so far. `slip_key` is the slip
    form's one-time key: the same form sent twice (a double click, a resend after a lost
    answer) is one coupon."""

    __table_args__ = (UniqueConstraint("player_id", "slip_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    slip_key: Mapped[str | None] = mapped_column(String(64))
    barcode: Mapped[str | None] = mapped_column(String(100), unique=True)
    currency: Mapped[str] = mapped_column(String(5))
    stake: Mapped[int] = mapped_column(BigInteger)  # minor units
    odds: Mapped[str] = mapped_column(String(32))  # the product of the selections' odds
    rate_mode: Mapped[str] = mapped_column(String(6))  # accept | reject
    lang: Mapped[str] = mapped_column(String(5))
    # placing -> open | refused | unknown; open -> won | lost | returned (and back: results
    # can be corrected); unknown -> refused | open (an operator's resolution)
    status: Mapped[str] = mapped_column(String(10), default="placing", index=True)
    payout: Mapped[int] = mapped_column(BigInteger, default=0)  # paid so far, minor units
    settlements: Mapped[int] = mapped_column(default=0)  # payout movements made
    refusal_code: Mapped[int | None]
    refusal_message: Mapped[str | None] = mapped_column(String(300))
    changed: Mapped[str | None] = mapped_column(Text)  # JSON: the service's changed odds

    selections: Mapped[list["CouponSelection"]] = relationship(
        back_populates="coupon", order_by="CouponSelection.position"
    )
    results: Mapped[list["CouponResult"]] = relationship(
        back_populates="coupon", order_by="CouponResult.id"
    )


class CouponSelection(db.Model):
    """One selection of a coupon, as the player saw it when placing."""

    __tablename__ = "coupon_selection"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupon.id"), index=True)
    position: Mapped[int]
    event_type: Mapped[str] = mapped_column(String(4))
    match_id: Mapped[str] = mapped_column(String(20))
    bet_code: Mapped[str] = mapped_column(String(100))
    odds: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(300))
    market: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime | None]

    coupon: Mapped[Coupon] = relationship(back_populates="selections")

    @property
    def bet(self) -> str:
        """The service's bet string: event_type#match_ID|bet_code#odds."""
        return f"{self.event_type}#{self.match_id}|{self.bet_code}#{self.odds}"


class CouponResult(db.Model):
    """A result item as the service posted it, and what the portal did with it."""

    __tablename__ = "coupon_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupon.id"), index=True)
    barcode: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[int | None]
    ext_status: Mapped[int | None]
    amount_out: Mapped[str | None] = mapped_column(String(40))  # as sent
    date_receive: Mapped[str | None] = mapped_column(String(40))  # as sent (unix seconds)
    raw: Mapped[str] = mapped_column(Text)  # the item's JSON
    # applied | repeat | recorded (a status that moves no money) | unknown (barcode) |
    # malformed | refused (the balance cannot give back a corrected payout)
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    coupon: Mapped[Coupon | None] = relationship(back_populates="results")
