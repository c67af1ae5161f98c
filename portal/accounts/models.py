"""Brands, players, admins, server-side sessions, login events and the mail outbox."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import dbclock  # noqa: F401 (registers func.portal_now)
from portal.extensions import db
from portal.timeutil import utcnow


class Timestamped:
    """created_at, and a modified_at that every insert and update sets from the database's
    clock (portal.dbclock), inside the writing transaction: the CRM feeds select by it."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(
        default=func.portal_now(), onupdate=func.portal_now(), index=True
    )


class Brand(Timestamped, db.Model):
    """A casino site: its currencies, languages and account rules."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    currencies: Mapped[str] = mapped_column(String(500))  # "EUR,USD,BTC"; first is the default
    languages: Mapped[str] = mapped_column(String(200))  # "en,de"; first is the default
    password_max_length: Mapped[int] = mapped_column(default=15)
    require_verified_email: Mapped[bool] = mapped_column(default=False)
    reality_check_minutes: Mapped[int | None]  # None: no reality check
    # The brand reaches Betsy through an aggregator: the profile then names our own
    # player in customFields.operatorUser (seed 001).
    via_aggregator: Mapped[bool] = mapped_column(default=False)
    # The footer of every page: the licence line and where players write to.
    legal_text: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(254))

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
    # active | blocked | timed_out | self_excluded | closed (portal.limits.rules)
    status: Mapped[str] = mapped_column(String(20), default="active")
    # an exclusion's status applies until then (None: until it is lifted or reopened)
    excluded_until: Mapped[datetime | None]
    # has a stake, loss or bet-count limit or an exclusion: its stakes are checked
    # (portal.limits.checks); copied to every real account it opens
    limited: Mapped[bool] = mapped_column(default=False, server_default=false())
    email_verified_at: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(String(5))  # chosen at registration
    active_currency: Mapped[str] = mapped_column(String(5))
    language: Mapped[str] = mapped_column(String(5))
    # IANA time zone the pages show times in (portal/i18n.py); exports stay UTC
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    is_test: Mapped[bool] = mapped_column(default=False)
    btag: Mapped[str | None] = mapped_column(String(100))
    bonus_code: Mapped[str | None] = mapped_column(String(100))
    registration_ip: Mapped[str | None] = mapped_column(String(45))
    registration_user_agent: Mapped[str | None] = mapped_column(String(500))
    registration_completed_at: Mapped[datetime | None]  # set by registration step two
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # personal details (seed 002)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    birthdate: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))  # F | M
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(200))
    zip_code: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(30))
    opt_out_chat: Mapped[bool] = mapped_column(default=False)
    opt_out_sms: Mapped[bool] = mapped_column(default=False)
    opt_out_email: Mapped[bool] = mapped_column(default=False)
    opt_out_phone: Mapped[bool] = mapped_column(default=False)
    is_2fa_required: Mapped[bool] = mapped_column(default=False)
    mobile_verification_status: Mapped[int] = mapped_column(default=0)
    mobile_verification_status_date: Mapped[datetime | None]
    mobile_verification_changed_by: Mapped[str | None] = mapped_column(String(50))
    pending_mobile_number: Mapped[str | None] = mapped_column(String(30))
    vip_level: Mapped[int] = mapped_column(default=0)

    brand: Mapped[Brand] = relationship()

    @property
    def is_blocked(self) -> bool:
        return self.status == "blocked"

    @property
    def display_name(self) -> str:
        return self.login_name or self.email


class PlayerChange(db.Model):
    """History of changes to a player's details: who changed what, when and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    field: Mapped[str] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(String(500))
    new_value: Mapped[str | None] = mapped_column(String(500))
    comment: Mapped[str | None] = mapped_column(String(500))
    operator: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlayerCustomField(Timestamped, db.Model):
    """An operator-defined string or integer field of a player (seed 002 custom fields)."""

    __table_args__ = (UniqueConstraint("player_id", "kind", "field_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    kind: Mapped[str] = mapped_column(String(3))  # str | int
    field_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    str_value: Mapped[str | None] = mapped_column(String(1000))
    int_value: Mapped[int | None] = mapped_column(BigInteger)


class EmailToken(db.Model):
    """A single-use link token sent by mail; only its SHA-256 is stored."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # activate|email_change|email_cancel|reset
    email: Mapped[str] = mapped_column(String(254))  # the address the link proves
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    player: Mapped[Player] = relationship()


class Document(db.Model):
    """A published version of a brand's terms (tnc) or privacy policy, in one language."""

    __table_args__ = (UniqueConstraint("brand_id", "type", "version", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"), index=True)
    type: Mapped[str] = mapped_column(String(10))  # tnc | privacy
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signature(db.Model):
    """A player's acceptance of one version of a document type."""

    __table_args__ = (UniqueConstraint("player_id", "type", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    player_id: Mapped[int] = mapped_column(ForeignKey("player.id"), index=True)
    type: Mapped[str] = mapped_column(String(10))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))


class AdminUser(Timestamped, db.Model):
    """A back-office user (not a player): a role, and a TOTP second factor once enrolled
    (portal.admin.users)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[str] = mapped_column(String(10), default="admin")  # admin|finance|support
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32
    totp_enrolled_at: Mapped[datetime | None]  # None: the secret awaits its first code
    totp_last_step: Mapped[int | None]  # the last time step accepted (no code twice)
    must_change_password: Mapped[bool] = mapped_column(default=False)


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
    reality_check_due_at: Mapped[datetime | None]  # next reality check (brand interval)
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
    # the database's clock (portal.dbclock): the CRM logins feed selects by it
    created_at: Mapped[datetime] = mapped_column(default=func.portal_now())


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
