"""Blocking a player: support stops an account from logging in and playing (status
"blocked"), and unblocks it again. A block ends every session of the player and the CRM's
personal login links at once (the doors already refuse a blocked player: a login, a live
session, a stake). Each change is kept in the player's change history with its reason.

Used by the back office and by `flask players block|unblock`; the caller commits."""

from sqlalchemy import select

from portal.accounts.credentials import record_change
from portal.accounts.models import Player, PlayerChange
from portal.accounts.sessions import revoke_all_sessions
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow

MAX_REASON = 500


class BlockRefused(DomainError):
    """`code`: reason (missing or too long) | blocked (already) | not_blocked."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


WORDS = {
    "reason": f"Give a reason of 1 to {MAX_REASON} characters.",
    "blocked": "The player is blocked already.",
    "not_blocked": "The player is not blocked.",
}


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise BlockRefused("reason")
    return reason


def block(player: Player, *, reason: str, operator: str) -> None:
    """Block the player: sessions and CRM login links end now. An exclusion that applied
    is kept: unblocking returns to the status the block replaced."""
    from portal.crm.autologin import revoke as revoke_login_links
    from portal.wallet.operations import lock_players

    reason = _reason(reason)
    lock_players([player.id])
    if player.is_blocked:
        raise BlockRefused("blocked")
    old = player.status
    player.status = "blocked"
    record_change(player, "status", old, "blocked", comment=reason, operator=operator)
    revoke_all_sessions(player)
    revoke_login_links(player, now=utcnow())


def unblock(player: Player, *, reason: str, operator: str) -> None:
    """Let a blocked player log in and play again (an exclusion still applies by its row)."""
    from portal.limits import operations as limits
    from portal.wallet.operations import lock_players

    reason = _reason(reason)
    lock_players([player.id])
    if not player.is_blocked:
        raise BlockRefused("not_blocked")
    player.status = _status_before_block(player)
    limits.settle_ended(player)  # (an exclusion that ended meanwhile: active)
    record_change(player, "status", "blocked", player.status, comment=reason, operator=operator)


def _status_before_block(player: Player) -> str:
    """The status the last block replaced: an exclusion's (its `excluded_until` was left
    as it was), else active."""
    from portal.limits import rules

    old = db.session.scalar(
        select(PlayerChange.old_value)
        .where(
            PlayerChange.player_id == player.id,
            PlayerChange.field == "status",
            PlayerChange.new_value == "blocked",
        )
        .order_by(PlayerChange.id.desc())
        .limit(1)
    )
    return old if old in rules.EXCLUDED_STATUSES else "active"
