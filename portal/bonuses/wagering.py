"""Wagering: every stake of a player with an active bonus counts toward it; when the
requirement is met the bonus completes (portal.bonuses.operations.complete) in the same
transaction as the stake that met it. Called by the wallet, under the account's lock, only
for a real account flagged `bonus_active`."""

from sqlalchemy import select

from portal.bonuses.models import ACTIVE, EXPIRED, BonusAssignment
from portal.extensions import db
from portal.timeutil import utcnow


def count_stake(player_id: int, currency: str, minor: int) -> None:
    """Add a stake (minor > 0) or take a refunded one back (minor < 0)."""
    from portal.bonuses import operations

    assignment = db.session.scalar(
        select(BonusAssignment).where(
            BonusAssignment.player_id == player_id,
            BonusAssignment.currency == currency,
            BonusAssignment.status == ACTIVE,
        )
    )
    if assignment is None:
        return
    if assignment.expires_at <= utcnow():  # its time is over: it ends, this stake does not count
        operations.forfeit(assignment, EXPIRED)
        return
    assignment.wagered = max(assignment.wagered + minor, 0)  # (a refund: minor < 0)
    if minor > 0 and assignment.wagered >= assignment.wagering_required:
        operations.complete(assignment)
