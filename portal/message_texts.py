"""Operators' own texts for message codes (the admin content page): an override of a
code's text in one language, kept in the database and read by portal.messages.text.

messages.text runs on every page that shows a message, so the overrides are cached per
app and process: loaded in one query, kept for TTL seconds (other worker processes see a
change within that time), and dropped at once in the process that made the change, when
its transaction ends (commit or rollback), so the next read sees what was kept.
"""

import time

from flask import current_app, has_app_context
from sqlalchemy import String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.accounts.models import Timestamped
from portal.errors import DomainError
from portal.extensions import db

TTL = 30.0  # seconds a process keeps the overrides it read
TEXT_MAX = 2000
_KEY = "portal.message_texts"
_CHANGED = "portal.message_texts.changed"


class MessageText(Timestamped, db.Model):
    """An operator's text for one message code in one language."""

    __tablename__ = "message_text"
    __table_args__ = (UniqueConstraint("code", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)


class TextRefused(DomainError):
    """An unknown code or language, or an empty or too long text; the message says which."""


def overrides() -> dict[tuple[str, str], str]:
    """{(language, code): text} of every override (cached; empty outside an app)."""
    if not has_app_context():
        return {}
    cached = current_app.extensions.get(_KEY)
    if cached is not None and time.monotonic() - cached[0] < TTL:
        return cached[1]
    rows = db.session.execute(select(MessageText.language, MessageText.code, MessageText.text))
    found = {(language, code): text for language, code, text in rows}
    current_app.extensions[_KEY] = (time.monotonic(), found)
    return found


def get(code: str, language: str) -> str | None:
    return db.session.scalar(
        select(MessageText.text).where(MessageText.code == code, MessageText.language == language)
    )


def set_text(code: str, language: str, text: str) -> MessageText:
    """Use `text` for `code` in `language` instead of the built-in one."""
    from portal import messages  # messages reads this module; import late

    code, text = (code or "").strip().lower(), (text or "").strip()
    if code not in messages.TEXTS[messages.DEFAULT_LANGUAGE]:
        raise TextRefused(f"unknown message code {code!r}")
    if language not in messages.TEXTS:
        raise TextRefused(f"unknown language {language!r} (known: {', '.join(messages.TEXTS)})")
    if not text or len(text) > TEXT_MAX:
        raise TextRefused(f"the text must have 1 to {TEXT_MAX} characters")
    row = db.session.scalar(
        select(MessageText).where(MessageText.code == code, MessageText.language == language)
    )
    if row is None:
        row = MessageText(code=code, language=language, text=text)
        db.session.add(row)
    row.text = text
    db.session.flush()
    _changed()
    return row


def remove(code: str, language: str) -> bool:
    """Go back to the built-in text; False when there was no override."""
    row = db.session.scalar(
        select(MessageText).where(MessageText.code == code, MessageText.language == language)
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    _changed()
    return True


def _changed() -> None:
    current_app.extensions.pop(_KEY, None)
    db.session.info[_CHANGED] = current_app._get_current_object()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session) -> None:
    app = session.info.pop(_CHANGED, None)
    if app is not None:
        app.extensions.pop(_KEY, None)
