"""Admin sessions: server-side, their own cookie (path /admin), 256-bit tokens kept as
hashes. A session is half-open after the password and full after the second factor (a
new token then); it ends on logout, after ADMIN_IDLE_MINUTES without a request, after
ADMIN_SESSION_HOURS, and when the admin is disabled or loses the second factor."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal.accounts.sessions import MAX_TOKEN_LENGTH, token_hash
from portal.admin.models import AdminSession
from portal.extensions import db
from portal.timeutil import utcnow

COOKIE = "portal_admin"
TOUCH_EVERY = timedelta(seconds=30)


def open_session(admin, *, full: bool, ip=None, user_agent=None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AdminSession(
            token_hash=token_hash(token),
            admin_id=admin.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=current_app.config["ADMIN_SESSION_HOURS"]),
            second_factor_at=now if full else None,
            ip=ip,
            user_agent=(user_agent or "")[:500] or None,
        )
    )
    db.session.flush()
    return token


def resolve(token: str | None) -> AdminSession | None:
    """The live session of this token (touched), else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    session = db.session.scalar(
        select(AdminSession).where(AdminSession.token_hash == token_hash(token))
    )
    now = utcnow()
    idle = timedelta(minutes=current_app.config["ADMIN_IDLE_MINUTES"])
    if (
        session is None
        or session.revoked_at is not None
        or session.expires_at <= now
        or session.last_seen_at + idle <= now
        or not session.admin.is_active
    ):
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
    return session


def revoke(session: AdminSession) -> None:
    session.revoked_at = utcnow()
    db.session.flush()
