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


def issue(
    player: Player, purpose: str, email: str, *, lifetime: timedelta, retire: bool = True
) -> str:
    """A new link token; with `retire`, the player's older live tokens of the purpose end."""
    now = utcnow()
    if retire:
        retire_all(player, purpose)
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


def retire_all(player: Player, purpose: str) -> None:
    """End every live token of this purpose of the player."""
    db.session.execute(
        update(EmailToken)
        .where(
            EmailToken.player_id == player.id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > utcnow(),
        )
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def peek(token: str | None, purpose: str, *, lock: bool = False) -> EmailToken | None:
    """The live (unused, unexpired) token of this purpose, or None."""
    if not token or len(token) > MAX_LENGTH or "\x00" in token:
        return None
    query = select(EmailToken).where(
        EmailToken.token_hash == token_hash(token), EmailToken.purpose == purpose
    )
    if lock:  # re-read the row under the lock: an earlier peek may hold a stale copy
        query = query.with_for_update().execution_options(populate_existing=True)
    found = db.session.scalar(query)
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    return found


def consume(token: str | None, purpose: str) -> EmailToken | None:
    """Mark the live token of this purpose used and return it; None when it is not live."""
    found = peek(token, purpose, lock=True)
    if found is not None:
        found.used_at = utcnow()
        db.session.flush()
    return found
