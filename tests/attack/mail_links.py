"""Mail links for the attack tests: a registered player of the site's brand (through the
gateway), the links mailed to them, and pressing a link's button as a player does (the
page first, for its CSRF token, then the form post)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from portal import messages
from portal.accounts.models import EmailToken, OutboundMail, PlayerChange, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import csrf_token, page_text
from tests.gateway_flows import EMAIL_UPDATE, FORGOT, auth, last_link, register

PASSWORD_CHANGED = "Your password was changed"
GENERAL_FAILURE = {"message_format": "general_failure"}


def john(client, brand_id) -> tuple[int, str]:
    """John registered through the gateway (both steps): (player id, session token). His
    welcome mail holds an activation link (the address is not verified yet)."""
    body = register(client, brand_id).json
    return body["player_id"], body["auth_token"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def reset_link(app, client, brand_id) -> str:
    assert (
        client.post(FORGOT.format(brand_id), json={"mail": "john@example.com"}).status_code == 201
    )
    return path_of(last_link(app, "/reset-password"))


def email_change_links(app, client, brand_id, token, new="new@example.com") -> tuple[str, str]:
    """(confirm link mailed to the new address, cancel link mailed to the old one)."""
    response = client.put(EMAIL_UPDATE.format(brand_id), json={"email": new}, headers=auth(token))
    assert response.status_code == 204
    return (
        path_of(last_link(app, "/confirm-email", new)),
        path_of(last_link(app, "/cancel-email-change", "john@example.com")),
    )


def activation_link(app) -> str:
    return path_of(last_link(app, "/verify-email"))


def expire(app, purpose: str) -> None:
    """Every link of the purpose expired a second ago."""
    with app.app_context():
        db.session.execute(
            update(EmailToken)
            .where(EmailToken.purpose == purpose)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def form_token(client, link: str) -> str | None:
    """Open the link's page; its CSRF token (None when the page already refuses)."""
    response = client.get(link)
    return csrf_token(response.get_data(as_text=True)) if response.status_code == 200 else None


def press(client, link: str, data: dict | None = None, csrf: str | None = None):
    """Post the link's form with a valid CSRF token: the page's (loaded now if not given),
    or, when the page already refuses the link, one from the login page of the same
    session, as an attacker posting straight to the link would."""
    csrf = csrf or form_token(client, link) or form_token(client, "/login")
    return client.post(link, data={"csrf_token": csrf, **(data or {})})


def refused(response) -> bool:
    """The pages' documented refusal of a dead link: 400 and the general_failure text."""
    return response.status_code == 400 and messages.text("general_failure") in page_text(response)


def counts(app) -> dict[str, int]:
    """What a successful link leaves behind, counted."""
    with app.app_context():

        def count(query):
            return db.session.scalar(select(func.count()).select_from(query.subquery()))

        return {
            "sessions": count(select(PlayerSession.id)),
            "live_sessions": count(
                select(PlayerSession.id).where(PlayerSession.revoked_at.is_(None))
            ),
            "password_changes": count(
                select(PlayerChange.id).where(PlayerChange.field == "password")
            ),
            "email_changes": count(select(PlayerChange.id).where(PlayerChange.field == "email")),
            "pending_changes": count(
                select(PlayerChange.id).where(PlayerChange.field == "pending_email")
            ),
            "password_mails": count(
                select(OutboundMail.id).where(OutboundMail.subject == PASSWORD_CHANGED)
            ),
            "used_links": count(select(EmailToken.id).where(EmailToken.used_at.is_not(None))),
        }
