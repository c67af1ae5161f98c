"""Betsy's x-sign-jws under attack: bodies altered after signing and forged signatures.

Every refusal is HTTP 400 {"code": 1, "message": "Bad signature"} carrying our own valid
signature, and leaves every table as it was.

tests/test_betsy_api.py already refuses, on place-bet only, a missing, empty, garbage,
attached, other-secret, alg-none, HS512 and tampered signature, and a signature of the
body plus a space; tests/test_betsy_signature.py checks `verify` alone. Here the forgeries
go to every Betsy call (place, settle, unsettle, rollback, profile, balance, check), with
a few more (RS256, HS384, the signature of another request, over-long and truncated
signatures, four parts), and a signed place-bet is altered in the ways a proxy or an
attacker might.
"""

import functools
import json
from decimal import Decimal

import jwt
import pytest
import simplejson
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.sportsbook import betsy as jws
from tests.attack.api_support import b64, changed_tables, database_state
from tests.attack.betsy_support import (
    BAD_SIGNATURE,
    OTHER_SECRET,
    SECRET,
    balance,
    encode,
    make_betsy_player,
    new_tx,
    place_body,
    rollback_body,
    send,
    settle_body,
    unsettle_body,
)
from tests.conftest import BACKENDS
from tests.harness.scale import scaled

# The signature is checked before the body is read: one backend in the short run.
pytestmark = pytest.mark.parametrize("database_url", scaled(["sqlite"], BACKENDS), indirect=True)


@pytest.fixture
def app(make_app):
    return make_app(BETSY_PARTNER_SECRET=SECRET)


@pytest.fixture
def scene(app, make_player, make_brand):
    """Players A and B (100.00 EUR each). A's bet t1: 10.00 placed, won 25.00; bet t2:
    10.00 placed. A has 105.00."""
    brand = make_brand("Betsy Casino", currencies=("EUR", "USD"))
    a = make_betsy_player(app, make_player, brand, "ann@example.com")
    b = make_betsy_player(app, make_player, brand, "bob@example.com")
    client = app.test_client()
    t1, t2 = new_tx(), new_tx()
    for path, method, body in [
        ("/payment/bet", "POST", place_body(a, t1)),
        ("/payment/bet", "PUT", settle_body(a, t1, "25.00")),
        ("/payment/bet", "POST", place_body(a, t2)),
    ]:
        assert send(client, method, path, encode(body)).status == 200
    assert balance(app, a) == Decimal("105.00")
    return {"a": a, "b": b, "t1": t1, "t2": t2}


def calls(scene) -> dict[str, tuple[str, str, bytes]]:
    """Every Betsy call of player A, each of which would change or show something."""
    a, t1, t2 = scene["a"], scene["t1"], scene["t2"]
    return {
        "place": ("POST", "/payment/bet", encode(place_body(a, new_tx()))),
        "settle": ("PUT", "/payment/bet", encode(settle_body(a, t2, "50.00"))),
        "unsettle": ("PUT", "/payment/bet", encode(unsettle_body(a, t1))),
        "rollback": ("PUT", "/payment/bet", encode(rollback_body(a, t2))),
        "profile": ("POST", "/user/profile", encode({"token": a.token, "requestId": "r"})),
        "balance": ("POST", "/user/balance", encode(
            {"userId": str(a.id), "currency": "EUR", "token": a.token, "requestId": "r"})),
        "check": ("POST", "/payment/check", encode({"userId": str(a.id), "transactionId": t1})),
    }  # fmt: skip


# --- forged signatures ----------------------------------------------------------------------


def _detached(full: str) -> str:
    head, _payload, mac = full.split(".")
    return f"{head}..{mac}"


def _head(header: dict) -> str:
    return b64(json.dumps(header).encode())


@functools.cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _over_long(body: bytes) -> str:
    """A genuine HS256 signature whose header is padded past 4096 characters."""
    header = {"alg": "HS256", "typ": "JWT", "pad": "x" * 5000}
    return _detached(jwt.api_jws.encode(body, SECRET, algorithm="HS256", headers=header))


OTHER_REQUEST = encode({"token": "0123456789abcdef0123456789abcdef", "requestId": "other"})

FORGERIES = {
    "missing": lambda body: None,
    "empty": lambda body: "",
    "another_secret": lambda body: jws.sign(body, OTHER_SECRET),
    "alg_none_unsigned": lambda body: f"{_head({'alg': 'none', 'typ': 'JWT'})}..",
    "alg_none_with_the_genuine_mac": lambda body: (
        f"{_head({'alg': 'none', 'typ': 'JWT'})}..{jws.sign(body, SECRET).split('.')[2]}"
    ),
    "hs384": lambda body: _detached(jwt.api_jws.encode(body, SECRET, algorithm="HS384")),
    "hs512": lambda body: _detached(jwt.api_jws.encode(body, SECRET, algorithm="HS512")),
    "rs256": lambda body: _detached(jwt.api_jws.encode(body, _rsa_key(), algorithm="RS256")),
    "not_detached_same_body": lambda body: jwt.api_jws.encode(body, SECRET, algorithm="HS256"),
    "not_detached_other_body": lambda body: jwt.api_jws.encode(
        OTHER_REQUEST, SECRET, algorithm="HS256"
    ),
    "signature_of_another_request": lambda body: jws.sign(OTHER_REQUEST, SECRET),
    "signature_of_the_body_plus_a_space": lambda body: jws.sign(body + b" ", SECRET),
    "mac_truncated": lambda body: jws.sign(body, SECRET)[:-2],
    "four_parts": lambda body: jws.sign(body, SECRET) + ".x",
    "over_long_genuine": _over_long,
    "over_long_garbage": lambda body: "A" * 20_000,
}


def test_each_call_is_believed_with_a_genuine_signature(app, scene):
    """The control: each call's body is accepted when signed, and the money ones move."""
    client = app.test_client()
    for name, (method, path, body) in calls(scene).items():
        before = database_state(app)
        answer = send(client, method, path, body)
        assert answer.status == 200, (name, answer.json)
        moved = changed_tables(before, database_state(app))
        assert bool(moved) == (name in ("place", "settle", "unsettle", "rollback")), name


def test_forged_signatures_are_refused_on_every_call(app, scene):
    client = app.test_client()
    before = database_state(app)
    wrong = []
    for forgery, forge in FORGERIES.items():
        for name, (method, path, body) in calls(scene).items():
            answer = send(client, method, path, body, forge(body))
            if (answer.status, answer.json) != (400, BAD_SIGNATURE):
                wrong.append((forgery, name, answer.status, answer.json))
    assert wrong == []
    assert changed_tables(before, database_state(app)) == {}


# --- a signed place-bet altered after signing -----------------------------------------------


def _reordered(body: bytes) -> bytes:
    data = simplejson.loads(body, use_decimal=True)
    return simplejson.dumps(dict(reversed(list(data.items()))), use_decimal=True).encode()


def alterations(scene) -> dict:
    other = str(scene["b"].id).encode()
    mine = str(scene["a"].id).encode()
    return {
        "amount": lambda body: body.replace(b'"amount": 10.00', b'"amount": 1000.00'),
        "user_id": lambda body: body.replace(b'"userId": "' + mine, b'"userId": "' + other),
        "currency": lambda body: body.replace(b'"currency": "EUR"', b'"currency": "USD"'),
        "transaction_id": lambda body: body.replace(b'"transactionId": "', b'"transactionId": "x'),
        "one_added_space": lambda body: body.replace(b'": ', b'":  ', 1),
        "keys_reordered": _reordered,
        "trailing_newline": lambda body: body + b"\n",
        "leading_space": lambda body: b" " + body,
        "unicode_escape": lambda body: body.replace(b'"EUR"', b'"\\u0045UR"'),
        "duplicate_amount_appended": lambda body: body[:-1] + b', "amount": 1000.00}',
        "crlf_line_endings": lambda body: body.replace(b", ", b",\r\n"),
    }


def test_signed_place_bets_altered_after_signing_are_refused(app, scene):
    client = app.test_client()
    before = database_state(app)
    wrong = []
    for alteration, alter in alterations(scene).items():
        body = encode(place_body(scene["a"], new_tx()))
        altered = alter(body)
        assert altered != body, alteration
        answer = send(client, "POST", "/payment/bet", altered, jws.sign(body, SECRET))
        if (answer.status, answer.json) != (400, BAD_SIGNATURE):
            wrong.append((alteration, answer.status, answer.json))
    assert wrong == []
    assert changed_tables(before, database_state(app)) == {}
    genuine = encode(place_body(scene["a"], new_tx()))  # the control: unaltered, accepted
    assert send(client, "POST", "/payment/bet", genuine, jws.sign(genuine, SECRET)).status == 200
    assert balance(app, scene["a"]) == Decimal("95.00")
