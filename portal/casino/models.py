"""Casino records: WebFrame refresh tokens, BETCORE bets and payments, game sessions."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

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
    """One player's play in one frame. Its counts and sums (for the CRM game-activity
    feed) are derived from the payments of its bets when read, not kept up to date on
    every payment: see the column properties below CasinoPayment."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    tag_id: Mapped[int | None] = mapped_column(BigInteger)
    game: Mapped[str | None] = mapped_column(String(64))


class CasinoBet(Timestamped, db.Model):
    """A BETCORE bet (BetId) and whether BETCORE closed it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bet_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    currency: Mapped[str] = mapped_column(String(5))
    game_session_id: Mapped[str | None] = mapped_column(ForeignKey("game_session.id"), index=True)
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
    # the database's clock (portal.dbclock): the CRM game-activity feed selects by it
    created_at: Mapped[datetime] = mapped_column(default=func.portal_now(), index=True)


def _session_payments(*conditions, value=None, aggregate=func.count):
    """A correlated subquery over the payments of a game session's bets."""
    column = aggregate(value) if value is not None else aggregate()
    return (
        select(column)
        .select_from(CasinoPayment)
        .join(CasinoBet, CasinoBet.bet_id == CasinoPayment.bet_id)
        .where(CasinoBet.game_session_id == GameSession.id, *conditions)
        .correlate_except(CasinoPayment, CasinoBet)
        .scalar_subquery()
    )


# what counts as a bet and as a win of a game session (here and in the CRM feed)
STAKE_PAYMENT = CasinoPayment.transaction_type == -1
WIN_PAYMENT = CasinoPayment.transaction_type.in_((1, 4)) & (CasinoPayment.amount > 0)
_STAKE, _WIN = STAKE_PAYMENT, WIN_PAYMENT
_AMOUNT = CasinoPayment.amount
GameSession.bet_count = column_property(_session_payments(_STAKE), deferred=True)
GameSession.win_count = column_property(_session_payments(_WIN), deferred=True)
GameSession.bet_amount = column_property(
    func.coalesce(_session_payments(_STAKE, value=_AMOUNT, aggregate=func.sum), 0), deferred=True
)
GameSession.win_amount = column_property(
    func.coalesce(_session_payments(_WIN, value=_AMOUNT, aggregate=func.sum), 0), deferred=True
)
GameSession.first_action_at = column_property(
    _session_payments(value=CasinoPayment.created_at, aggregate=func.min), deferred=True
)
GameSession.last_action_at = column_property(
    _session_payments(value=CasinoPayment.created_at, aggregate=func.max), deferred=True
)
