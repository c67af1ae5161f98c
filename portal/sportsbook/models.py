"""Sportsbook records: Betsy tokens, bets with their selections, events and tournaments
(kept in the shape the CRM sports feeds of seed 003 need)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Timestamped
from portal.extensions import db
from portal.timeutil import utcnow


class BetsyToken(db.Model):
    """The iframe's token for one (player, currency); only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SportsBet(Timestamped, db.Model):
    """A Betsy bet (its transactionId) and what has been paid on it so far."""

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    stake: Mapped[int] = mapped_column(BigInteger)  # minor units
    payout: Mapped[int] = mapped_column(BigInteger, default=0)  # applied so far, minor units
    settlements: Mapped[int] = mapped_column(default=0)  # movements made by settle/unsettle
    coefficient: Mapped[str | None] = mapped_column(String(20))
    ticket_type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="placed")
    ip: Mapped[str | None] = mapped_column(String(45))

    selections: Mapped[list["SportsSelection"]] = relationship(back_populates="bet")


class SportsTournament(Timestamped, db.Model):
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sport_id: Mapped[str | None] = mapped_column(String(100))
    sport_name: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str | None] = mapped_column(String(20))


class SportsEvent(Timestamped, db.Model):
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    tournament_id: Mapped[str | None] = mapped_column(ForeignKey("sports_tournament.id"))
    title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="unknown")


class SportsSelection(Timestamped, db.Model):
    """One line of a bet (Betsy's metadata item): an outcome of a market of an event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bet_id: Mapped[int] = mapped_column(ForeignKey("sports_bet.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("sports_event.id"))
    market_id: Mapped[str | None] = mapped_column(String(100))
    market: Mapped[str | None] = mapped_column(String(300))
    outcome_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(300))
    coefficient: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    stage: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")

    bet: Mapped[SportsBet] = relationship(back_populates="selections")
