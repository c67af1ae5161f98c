"""Mail to players. Every mail is written to the OutboundMail table in the unit of work.

With MAIL_SERVER set, mails are delivered by SMTP once the unit of work has committed
(a failure leaves them pending for `flask --app app mail deliver`); without it they are
kept in the outbox, where developers (`flask --app app mail list`) and admins read them.
"""

import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select

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
        after_commit(lambda: deliver([message_id]))
    return message


def render(template: str, **context) -> str:
    return render_template(f"email/{template}.txt", **context)


def send_template(player: Player, template: str, subject: str, **context) -> OutboundMail:
    """A templated mail to the player's current address."""
    return send(player.email, subject, render(template, player=player, **context))


def deliver(ids: list[int] | None = None) -> tuple[int, int]:
    """Send pending mails (these ids, or all); commits each outcome. Returns (sent, failed)."""
    query = select(OutboundMail).where(OutboundMail.status.in_(("pending", "failed")))
    if ids is not None:
        query = query.where(OutboundMail.id.in_(ids))
    sent = failed = 0
    for message in db.session.scalars(query).all():
        message.attempts += 1
        try:
            _smtp_send(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.status, message.last_error = "failed", str(exc)[:500]
            failed += 1
        else:
            message.status, message.sent_at, message.last_error = "sent", utcnow(), None
            sent += 1
        db.session.commit()
    return sent, failed


def _smtp_send(message: OutboundMail) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
