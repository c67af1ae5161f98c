"""Single-use mail link tokens: 256-bit random, stored as SHA-256, expiring.

Issuing a token of a purpose retires the player's earlier unused tokens of that purpose,
so only the newest link works.
"""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from portal.accounts.models import EmailToken, Player
from portal.accounts.sessions import token_hash
from portal.extensions import db
from portal.timeutil import utcnow

MAX_LENGTH = 128


def issue(player: Player, purpose: str, email: str, *, lifetime: timedelta) -> str:
    now = utcnow()
    db.session.execute(
        update(EmailToken)
        .where(
            EmailToken.player_id == player.id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        EmailToken(
            token_hash=token_hash(token),
            player=player,
            purpose=purpose,
            email=email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return token


def consume(token: str | None, purpose: str) -> EmailToken | None:
    """Mark the live token of this purpose used and return it; None when it is not live."""
    if not token or len(token) > MAX_LENGTH or "\x00" in token:
        return None
    found = db.session.scalar(
        select(EmailToken)
        .where(EmailToken.token_hash == token_hash(token), EmailToken.purpose == purpose)
        .with_for_update()
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    found.used_at = utcnow()
    db.session.flush()
    return found
