"""Casino records: WebFrame refresh tokens, BETCORE bets and payments, game sessions."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import Timestamped
from portal.extensions import db
from portal.timeutil import utcnow


class CasinoToken(db.Model):
    """A refresh token put into the WebFrame: bound to player and currency, short-lived,
    single-use (/users/auth rotates it). Only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    tag_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class GameSession(Timestamped, db.Model):
    """One player's play in one frame: counts and sums for the CRM game-activity feed."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    tag_id: Mapped[int | None] = mapped_column(BigInteger)
    game: Mapped[str | None] = mapped_column(String(64))
    bet_count: Mapped[int] = mapped_column(default=0)
    win_count: Mapped[int] = mapped_column(default=0)
    bet_amount: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units
    win_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    first_action_at: Mapped[datetime | None]
    last_action_at: Mapped[datetime | None]


class CasinoBet(Timestamped, db.Model):
    """A BETCORE bet (BetId) and whether BETCORE closed it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bet_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    game_session_id: Mapped[str | None] = mapped_column(ForeignKey("game_session.id"))
    closed: Mapped[bool] = mapped_column(default=False)


class CasinoPayment(db.Model):
    """One /payments/make of a bet: (BetId, TransactionType) and the wallet movement."""

    __table_args__ = (UniqueConstraint("bet_id", "transaction_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bet_id: Mapped[int] = mapped_column(BigInteger, index=True)
    transaction_type: Mapped[int]
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units, as sent
    tax_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    wallet_transaction_id: Mapped[int] = mapped_column(ForeignKey("wallet_transaction.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
