"""The audit log's tables: its entries, and the head of the chain (the newest entry's
sequence number and hash, one row) that each new entry locks and moves."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow


class AuditEntry(db.Model):
    """One action: who (kind, name, role), what (action, target, before/after, reason),
    from where (IP) and when; `hash` covers all of it and the previous entry's hash."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id"),
        Index("ix_audit_entry_action", "action"),
        Index("ix_audit_entry_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(10))  # admin | cli | system
    actor: Mapped[str] = mapped_column(String(254))  # an admin's email, an OS user name
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin_user.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    reason: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """The chain's head: locked by every new entry, so entries follow one another."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
