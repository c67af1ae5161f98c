"""Server-side player sessions: 256-bit random tokens, stored only as SHA-256 hashes.

A session ends when it is revoked (logout, password reset), when it has been idle for
SESSION_IDLE_MINUTES, or SESSION_MAX_HOURS after it opened, whichever comes first.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from portal.accounts.errors import InvalidSession
from portal.accounts.models import Player, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute
MAX_TOKEN_LENGTH = 128


def token_hash(token: str) -> str:
    # surrogatepass: a lone surrogate from a JSON escape hashes (to nothing known) instead
    # of raising; the doors refuse such text anyway.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(player: Player, *, channel: str, ip=None, user_agent=None) -> str:
    """Start a session and return its token (the only time the token exists in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    max_hours = current_app.config["SESSION_MAX_HOURS"]
    db.session.add(
        PlayerSession(
            token_hash=token_hash(token),
            player=player,
            channel=channel,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=max_hours),
            reality_check_due_at=(
                now + timedelta(minutes=player.brand.reality_check_minutes)
                if player.brand.reality_check_minutes
                else None
            ),
            ip=ip,
            user_agent=(user_agent or "")[:500] or None,
        )
    )
    db.session.flush()
    return token


def resolve_session(token: str | None, *, touch: bool = True) -> PlayerSession:
    """The live session for `token`, touched (unless `touch` is False: a poll that is no
    sign of the player's activity); InvalidSession when there is none."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidSession()
    session = db.session.scalar(
        select(PlayerSession).where(PlayerSession.token_hash == token_hash(token))
    )
    now = utcnow()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    if (
        session is None
        or session.revoked_at is not None
        or session.expires_at <= now
        or session.last_seen_at + idle <= now
        or session.player.is_blocked
    ):
        raise InvalidSession()
    if touch and now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
    return session


def revoke_session(session: PlayerSession) -> None:
    session.revoked_at = utcnow()
    db.session.flush()


def revoke_all_sessions(player: Player, *, keep: PlayerSession | None = None) -> None:
    """End every live session of the player (but `keep`)."""
    query = update(PlayerSession).where(
        PlayerSession.player_id == player.id, PlayerSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(PlayerSession.id != keep.id)
    db.session.execute(query.values(revoked_at=utcnow()))
