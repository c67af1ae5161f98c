"""Back-office tables: admin sessions, recovery codes, notes on players."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import AdminUser
from portal.extensions import db
from portal.timeutil import utcnow


class AdminSession(db.Model):
    """A server-side admin session (its own cookie, apart from the players'). It is
    half-open (`second_factor_at` None) until the TOTP code or a recovery code is given."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    second_factor_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))

    admin: Mapped[AdminUser] = relationship()


class AdminRecoveryCode(db.Model):
    """A one-time code that stands in for the TOTP code (stored as its hash)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class PlayerNote(db.Model):
    """A note an admin wrote about a player (support's memory)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id"))
    author: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
