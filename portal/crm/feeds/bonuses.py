"""bonuses (the definitions) and bonus-assignments (a bonus given to a player; moved by
every change: wagering progress, completion, expiry, forfeit)."""

from sqlalchemy import select

from portal.bonuses.models import ACTIVE, COMPLETED, Bonus, BonusAssignment
from portal.crm.feeds.base import Feed, Part, in_window


def _bonuses(window):
    return (
        select(Bonus.id, Bonus.name, Bonus.created_at, Bonus.modified_at)
        .where(in_window(Bonus.modified_at, window))
        .order_by(Bonus.modified_at, Bonus.id)
    )


BONUSES = Feed(
    "bonuses",
    (("id", "text"), ("name", "text"), ("created_at", "time"), ("modified_at", "time")),
    (Part(_bonuses, row=lambda r: (str(r.id), r.name, r.created_at, r.modified_at)),),
)


def _assignments(window):
    a = BonusAssignment
    return (
        select(a.id, a.player_id, a.bonus_id, a.expires_at, a.created_at, a.modified_at, a.status)
        .where(in_window(a.modified_at, window))
        .order_by(a.modified_at, a.id)
    )


def _assignment_row(r) -> tuple:
    return (
        str(r.id),
        str(r.player_id),
        str(r.bonus_id),
        r.expires_at,
        r.created_at,
        r.modified_at,
        r.status == ACTIVE,  # active: its wagering runs
        r.status == COMPLETED,  # used: wagered to the end (and converted)
    )


BONUS_ASSIGNMENTS = Feed(
    "bonus-assignments",
    (
        ("id", "text"),
        ("player_id", "text"),
        ("bonus_id", "text"),
        ("end_date", "time"),
        ("created_at", "time"),
        ("modified_at", "time"),
        ("active", "flag"),
        ("used", "flag"),
    ),
    (Part(_assignments, row=_assignment_row),),
)
