"""Casino records: WebFrame refresh tokens, BETCORE bets and payments, game sessions."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, case, func, select
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


# A game session's totals, aggregated over the payments of its bets (its property columns
# below and the CRM game-activity feed read the same expressions). BETCORE's
# TransactionType: -1 a stake, 1 a payout (0: the bet lost), 2 the stake returned, -2 a
# payout taken back, 4 a jackpot. Amounts are net of what was returned.
_STAKE = CasinoPayment.transaction_type == -1
_WIN = CasinoPayment.transaction_type.in_((1, 4)) & (CasinoPayment.amount > 0)
_AMOUNT = CasinoPayment.amount
SESSION_TOTALS = {
    "bet_count": func.count(case((_STAKE, 1))),
    "win_count": func.count(case((_WIN, 1))),
    "bet_amount": func.coalesce(
        func.sum(case((_STAKE, _AMOUNT), (CasinoPayment.transaction_type == 2, -_AMOUNT))), 0
    ),
    "win_amount": func.coalesce(
        func.sum(case((_WIN, _AMOUNT), (CasinoPayment.transaction_type == -2, -_AMOUNT))), 0
    ),
    "first_action_at": func.min(CasinoPayment.created_at),
    "last_action_at": func.max(CasinoPayment.created_at),
}


def _session_total(name: str):
    """A correlated subquery: one of SESSION_TOTALS over this game session's payments."""
    return (
        select(SESSION_TOTALS[name])
        .select_from(CasinoPayment)
        .join(CasinoBet, CasinoBet.bet_id == CasinoPayment.bet_id)
        .where(CasinoBet.game_session_id == GameSession.id)
        .correlate_except(CasinoPayment, CasinoBet)
        .scalar_subquery()
    )


for _name in SESSION_TOTALS:
    setattr(GameSession, _name, column_property(_session_total(_name), deferred=True))
