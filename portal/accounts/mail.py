"""Mail to players. Every mail is written to the OutboundMail table in the unit of work.

With MAIL_SERVER set, mails are delivered by SMTP once the unit of work has committed,
in a background thread: a request never waits for the mail server, so a slow server
cannot stall it, and answer times do not tell whether a mail was sent (forgot-password
would otherwise reveal which addresses have accounts). A failure leaves the mail
"failed" for `flask --app app mail deliver`. Without MAIL_SERVER mails are kept in the
outbox, where developers (`flask --app app mail list`) and admins read them.

Templated mails (templates/email/*.txt, texts in the message catalogs) are written, with
their subjects, in the recipient player's language: also when a vendor call, the CLI or
the back office sends them (no page language applies then).
"""

import smtplib
import threading
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select, update

from portal import i18n
from portal.accounts.models import OutboundMail, Player
from portal.database import after_commit
from portal.extensions import db
from portal.timeutil import utcnow


def send(recipient: str, subject: str, body: str) -> OutboundMail:
    delivering = bool(current_app.config["MAIL_SERVER"])
    message = OutboundMail(
        recipient=recipient, subject=subject, body=body, status="pending" if delivering else "kept"
    )
    db.session.add(message)
    db.session.flush()
    if delivering:
        message_id = message.id
        app = current_app._get_current_object()
        after_commit(lambda: _deliver_in_background(app, [message_id]))
    return message


def _deliver_in_background(app, ids: list[int]) -> threading.Thread:
    def run():
        with app.app_context():
            deliver(ids)

    thread = threading.Thread(target=run, name="mail-delivery", daemon=True)
    thread.start()
    return thread


def send_template(
    player: Player, template: str, subject, *, to: str | None = None, **context
) -> OutboundMail:
    """A templated mail to the player's current address (or `to`), in the player's
    language; `subject` is a lazy text (`lazy_gettext`), translated here."""
    with i18n.in_language_of(player):
        body = render_template(f"email/{template}.txt", player=player, **context)
        return send(to or player.email, str(subject), body)


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send pending and failed mails (these ids, or all). No database transaction stays
    open while the mail server is talked to. Returns (sent, failed)."""
    query = select(OutboundMail).where(OutboundMail.status.in_(("pending", "failed")))
    if ids is not None:
        query = query.where(OutboundMail.id.in_(ids))
    outgoing = [(m.id, m.recipient, m.subject, m.body) for m in db.session.scalars(query).all()]
    db.session.commit()  # end the read transaction before any network wait
    sent = failed = 0
    for message_id, recipient, subject, body in outgoing:
        try:
            _smtp_send(recipient, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            _record(message_id, status="failed", last_error=str(exc)[:500])
            failed += 1
        else:
            _record(message_id, status="sent", sent_at=utcnow(), last_error=None)
            sent += 1
    return sent, failed


def _record(message_id: int, **values) -> None:
    db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == message_id)
        .values(attempts=OutboundMail.attempts + 1, **values)
    )
    db.session.commit()


def _smtp_send(recipient: str, subject: str, body: str) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = recipient
    email["Subject"] = subject
    email.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
