"""Personal login links for CRM campaigns (seed 003's auto-logins feed)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.accounts.models import Timestamped
from portal.extensions import db

MAX_ID = 2**31 - 1  # the largest id of an Integer primary key (PostgreSQL's integer): a
# larger one names no row, and PostgreSQL refuses to even compare it with the column


class AutoLogin(Timestamped, db.Model):
    """One link: `/auto-login/<id>-<signature>`. The token is not stored: it is the row's id
    and an HMAC of (id, salt) under the app's secret key, so the feed can show it and a
    copy of the database alone cannot forge or read one. A player's current link is their
    newest that is neither used, revoked nor expired; issuing a new one revokes the old."""

    __tablename__ = "auto_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    campaign: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))  # where it was used
