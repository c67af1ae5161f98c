"""Helpers shared by the seed 002 gateway tests (personal, admission, online, content):
registering and logging in through the gateway, reading the mail outbox, following the
links in mails as a player would, and moving session timestamps back in time."""

import hashlib
import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal.accounts import documents, operations
from portal.accounts.models import OutboundMail, Player, PlayerChange, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import submit_form

INVALID_TOKEN = {"errMsg": "invalid input - invalid token"}
INVALID_BRAND = {"errMsg": "invalid input - invalid brand id"}
DROP = object()  # leave the field out of the request body

REGISTRATION = {
    "loginName": "john_doe",
    "email": "john@example.com",
    "password": "abc12345",
    "over18": True,
    "signTNC": True,
    "language": "en",
    "currency": "EUR",
}
STEP_TWO = {"firstName": "John", "lastName": "Doe", "birthDate": "1990-04-01", "country": "GB"}

DETAILS = "/gateway/player-personal-details/player/details/1/{}"
CUSTOM_FIELDS = "/gateway/player-personal-details/1/custom-fields/{}"
EMAIL_UPDATE = "/gateway/player-personal-details/player/details/emailUpdate/1/{}"
FORGOT = "/gateway/admission/1/forgot/password/{}"
VERIFY = "/gateway/admission/1/verify/password/{}"
CHANGE = "/gateway/admission/1/player/{}/change/password"
RESEND = "/gateway/admission/1/resend/activation/email/{}"
STATUS = "/gateway/online-player/1/player/{}/online/status"
INGAME = "/gateway/online-player/1/player/{}/online/ingame/status/{}"
INFO = "/gateway/online-player/1/{}/player/info"
ACKNOWLEDGE = "/gateway/online-player/1/player/{}/reality-check/acknowledge"
SIGN = "/gateway/player/multi/1/sign/tnc"


def auth(token) -> dict:
    return {} if token is None else {"x-auth-token": token}


def register(client, brand_id, *, complete=True, **fields):
    """Registration step one and (when `complete` and it succeeded) step two."""
    body = {k: v for k, v in {**REGISTRATION, **fields}.items() if v is not DROP}
    response = client.post(f"/gateway/reg-step-one/1/{brand_id}", json=body)
    if complete and response.status_code == 201:
        done = client.post(
            f"/gateway/reg-step-two/1/{brand_id}",
            json=STEP_TWO,
            headers=auth(response.json["auth_token"]),
        )
        assert done.status_code == 200, done.json
    return response


def login(client, brand_id, password="abc12345", **identifier):
    body = {"password": password, **(identifier or {"email": "john@example.com"})}
    return client.post(f"/gateway/login/1/{brand_id}/player", json=body)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def player(app, player_id) -> Player:
    """A detached snapshot of the player row (read its columns only)."""
    with app.app_context():
        found = db.session.get(Player, player_id)
        db.session.expunge(found)
        return found


def history(app, player_id, *, comment=None) -> list[tuple]:
    """The player's change history: (field, old, new, comment, operator), oldest first."""
    with app.app_context():
        query = select(PlayerChange).where(PlayerChange.player_id == player_id)
        rows = db.session.scalars(query.order_by(PlayerChange.id)).all()
        return [
            (r.field, r.old_value, r.new_value, r.comment, r.operator)
            for r in rows
            if comment is None or r.comment == comment
        ]


def mails(app, recipient=None) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of every mail in the outbox, oldest first."""
    with app.app_context():
        query = select(OutboundMail).order_by(OutboundMail.id)
        if recipient is not None:
            query = query.where(OutboundMail.recipient == recipient)
        return [(m.recipient, m.subject, m.body) for m in db.session.scalars(query)]


def link_in(body: str, path: str) -> str:
    """The one link to `path` in a mail body, e.g. http://portal.test/verify-email?token=…"""
    found = re.findall(
        rf"http://portal\.test{re.escape(path)}\?(?:token|hash)=[A-Za-z0-9_\-]+", body
    )
    assert len(found) == 1, f"expected one {path} link in:\n{body}"
    return found[0]


def token_of(url: str) -> str:
    return urlsplit(url).query.split("=", 1)[1]


def last_link(app, path: str, recipient=None) -> str:
    """The link to `path` in the newest mail (to `recipient`) that holds one."""
    for _, _, body in reversed(mails(app, recipient)):
        if f"http://portal.test{path}?" in body:
            return link_in(body, path)
    raise AssertionError(f"no mail holds a {path} link")


def follow_link(app, url: str) -> bool:
    """Open a mail link like a player and press its button; True when the link worked."""
    parts = urlsplit(url)
    response = submit_form(app.test_client(), f"{parts.path}?{parts.query}", {})
    assert response.status_code in (200, 400, 422), response.status_code
    return response.status_code == 200


def shift_session(app, token, **moves):
    """Move a session's timestamps back, e.g. created_at=timedelta(minutes=75)."""
    with app.app_context():
        digest = hashlib.sha256(token.encode()).hexdigest()
        session = db.session.scalars(
            select(PlayerSession).where(PlayerSession.token_hash == digest)
        ).one()
        for column, delta in moves.items():
            setattr(session, column, utcnow() - delta)
        db.session.commit()


def publish(app, brand_id, doc_type="tnc", language="en", *, version=None, content="Text."):
    with app.app_context():
        document = documents.publish(
            operations.get_brand(brand_id),
            doc_type,
            language=language,
            title=f"{doc_type} {language}",
            content=content,
            version=version,
        )
        db.session.commit()
        return document.version
