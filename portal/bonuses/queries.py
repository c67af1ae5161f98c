"""Bonus figures of a player, as seed 002's online status reports them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal import money
from portal.bonuses.models import ACTIVE, COMPLETED, BonusAssignment
from portal.extensions import db


@dataclass(frozen=True)
class BonusFigures:
    wagering_left: Decimal  # what the active bonus still needs wagered
    completed_since: bool  # a wagering-complete event since the given moment
    max_win: Decimal  # the largest conversion of a completed bonus
    last_completed_ref: str | None  # the latest wagering-complete event


def figures(player_id: int, currency: str, since: datetime) -> BonusFigures:
    active = db.session.scalar(
        select(BonusAssignment).where(
            BonusAssignment.player_id == player_id,
            BonusAssignment.currency == currency,
            BonusAssignment.status == ACTIVE,
        )
    )
    left = max(active.wagering_required - active.wagered, 0) if active else 0
    completed = select(BonusAssignment).where(
        BonusAssignment.player_id == player_id,
        BonusAssignment.currency == currency,
        BonusAssignment.status == COMPLETED,
    )
    latest = db.session.scalar(completed.order_by(BonusAssignment.ended_at.desc()).limit(1))
    biggest = db.session.scalar(
        select(func.coalesce(func.max(BonusAssignment.converted), 0)).where(
            BonusAssignment.player_id == player_id,
            BonusAssignment.currency == currency,
            BonusAssignment.status == COMPLETED,
        )
    )
    return BonusFigures(
        money.from_minor(left, currency),
        latest is not None and latest.ended_at >= since,
        money.from_minor(int(biggest or 0), currency),
        latest.ref if latest else None,
    )


def wagering_complete_event(player_id: int, ref: str) -> dict | None:
    """The details of one wagering-complete event of the player (None: not theirs)."""
    found = db.session.scalar(
        select(BonusAssignment).where(
            BonusAssignment.ref == ref,
            BonusAssignment.player_id == player_id,
            BonusAssignment.status == COMPLETED,
        )
    )
    if found is None:
        return None
    currency = found.currency
    return {
        "unique_ref_id": found.ref,
        "bonus": found.bonus.name,
        "bonusCode": found.bonus.code,
        "currency": currency,
        "bonusAmount": money.from_minor(found.amount, currency),
        "wagered": money.from_minor(found.wagered, currency),
        "wageringRequired": money.from_minor(found.wagering_required, currency),
        "converted": money.from_minor(found.converted, currency),
        "forfeited": money.from_minor(found.forfeited, currency),
        "time": found.ended_at.strftime("%Y-%m-%d %H:%M:%S"),
    }
