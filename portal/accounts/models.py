"""Brands, players, admins, server-side sessions, login events and the mail outbox."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import utcnow


class Timestamped:
    """created_at, and a modified_at that every ORM update moves forward (CRM feeds read it)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


class Brand(Timestamped, db.Model):
    """A casino site: its currencies, languages and account rules."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    currencies: Mapped[str] = mapped_column(String(500))  # "EUR,USD,BTC"; first is the default
    languages: Mapped[str] = mapped_column(String(200))  # "en,de"; first is the default
    password_max_length: Mapped[int] = mapped_column(default=15)
    require_verified_email: Mapped[bool] = mapped_column(default=False)

    @property
    def currency_list(self) -> list[str]:
        return self.currencies.split(",")

    @property
    def language_list(self) -> list[str]:
        return self.languages.split(",")

    @property
    def default_currency(self) -> str:
        return self.currency_list[0]

    @property
    def default_language(self) -> str:
        return self.language_list[0]


class Player(Timestamped, db.Model):
    """A player of one brand. Emails and login names are unique per brand, case-insensitively."""

    __table_args__ = (
        UniqueConstraint("brand_id", "email_key"),
        UniqueConstraint("brand_id", "login_name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))  # lower-cased, for uniqueness
    login_name: Mapped[str | None] = mapped_column(String(50))
    login_name_key: Mapped[str | None] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    password_change_required: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | blocked
    email_verified_at: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(String(5))  # chosen at registration
    active_currency: Mapped[str] = mapped_column(String(5))
    language: Mapped[str] = mapped_column(String(5))
    is_test: Mapped[bool] = mapped_column(default=False)
    btag: Mapped[str | None] = mapped_column(String(100))
    bonus_code: Mapped[str | None] = mapped_column(String(100))
    registration_ip: Mapped[str | None] = mapped_column(String(45))
    registration_user_agent: Mapped[str | None] = mapped_column(String(500))

    brand: Mapped[Brand] = relationship()

    @property
    def is_blocked(self) -> bool:
        return self.status == "blocked"

    @property
    def display_name(self) -> str:
        return self.login_name or self.email


class AdminUser(Timestamped, db.Model):
    """A back-office user."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)


class PlayerSession(db.Model):
    """A server-side login session; the client holds only the token, we keep its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # web | api
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # absolute limit
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))

    player: Mapped[Player] = relationship()


class LoginEvent(db.Model):
    """Every login attempt, successful or not (the CRM logins feed reads these)."""

    __table_args__ = (Index("ix_login_event_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"))
    player_id: Mapped[int | None] = mapped_column(ForeignKey("player.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    success: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(50))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    host: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundMail(db.Model):
    """Every mail the portal sends; delivered by SMTP when MAIL_SERVER is set, else kept here."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|kept|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
