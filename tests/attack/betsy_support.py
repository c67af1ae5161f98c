"""Betsy's side for the attack tests: bodies signed (or not) as Betsy signs them, sent
through a Flask test client; every answer's signature is verified, errors included.

``betsy_scene`` builds two funded players of a EUR/USD brand with sportsbook tokens, and
the bodies of every Betsy call for player A.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import simplejson

from portal.accounts.models import Player
from portal.extensions import db
from portal.sportsbook import betsy as jws
from portal.sportsbook import operations as sportsbook
from portal.wallet import operations as wallet
from portal.wallet import queries

SECRET = "attack-suite-betsy-partner-secret-0123456789abcdef-0123456789abcdef"
OTHER_SECRET = "somebody-else-s-partner-secret-9876543210abcdef-9876543210"
SIGN = object()  # "sign the body with SECRET"
BAD_SIGNATURE = {"code": 1, "message": "Bad signature"}


def encode(data: dict) -> bytes:
    return simplejson.dumps(data, use_decimal=True).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    json: dict
    raw: bytes


def send(client, method: str, path: str, body: bytes, signature=SIGN) -> Answer:
    """One Betsy call; the answer's own signature must verify with the partner secret."""
    headers = {"content-type": "application/json"}
    if signature is SIGN:
        signature = jws.sign(body, SECRET)
    if signature is not None:
        headers[jws.HEADER] = signature
    response = client.open(f"/betsy{path}", method=method, data=body, headers=headers)
    raw = response.get_data()
    jws.verify(response.headers.get(jws.HEADER), raw, SECRET)
    assert response.mimetype == "application/json"
    return Answer(response.status_code, json.loads(raw, parse_float=Decimal), raw)


@dataclass(frozen=True)
class Who:
    id: int
    token: str


def new_tx() -> str:
    return str(uuid.uuid4())


def place_body(who: Who, tx: str, amount="10.00", currency="EUR") -> dict:
    return {
        "token": who.token,
        "transactionId": tx,
        "currency": currency,
        "amount": Decimal(amount),
        "userId": str(who.id),
        "coefficient": Decimal("2.00"),
        "requestId": f"place-{tx}",
        "ticketType": "single",
        "metadata": [{"eventId": "4242", "event": "A - B", "outcomeId": "11", "outcome": "A"}],
    }


def settle_body(who: Who, tx: str, amount="25.00", result="won", currency="EUR") -> dict:
    return {"type": 2, "transactionId": tx, "userId": str(who.id), "currency": currency,
            "amount": Decimal(amount), "resultType": result, "requestId": new_tx()}  # fmt: skip


def unsettle_body(who: Who, tx: str, currency="EUR") -> dict:
    return {"type": 1, "transactionId": tx, "userId": str(who.id), "currency": currency,
            "requestId": new_tx()}  # fmt: skip


def rollback_body(who: Who, tx: str, currency="EUR") -> dict:
    return {"type": 3, "transactionId": tx, "userId": str(who.id), "currency": currency,
            "errorCode": 10, "requestId": new_tx()}  # fmt: skip


def make_betsy_player(app, make_player, brand, email: str, euros="100.00") -> Who:
    player_id = make_player(email=email, brand=brand)
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", euros, reason="t", operator="t", external_id=f"open-{email}")
        token = sportsbook.issue_token(player, "EUR")
        db.session.commit()
    return Who(player_id, token)


def balance(app, who: Who, currency="EUR") -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, who.id), currency).real
