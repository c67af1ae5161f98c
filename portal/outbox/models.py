"""The outbox table: one row per outbound HTTP call, kept after delivery as a record."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.timeutil import utcnow

PENDING, SENT, DEAD = "pending", "sent", "dead"


class OutboxMessage(db.Model):
    """A JSON POST to `url`, delivered by the outbox worker.

    `status` is "pending" (waiting for `next_attempt_at`, or being sent right now), "sent"
    (the receiver accepted it) or "dead" (refused `OUTBOX_MAX_ATTEMPTS` times, or refused
    for good; an operator can revive it with `flask --app app outbox retry ID`).
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))  # "betcore.accept": picks the sender's hooks
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, sent byte for byte
    headers: Mapped[str | None] = mapped_column(Text)  # JSON object of extra headers
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_status: Mapped[int | None]  # the last answer's HTTP status; None: no answer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
