"""Forged BETCORE JWTs on every /betcore endpoint, in every form the door reads them.

Each forgery carries a payload that would move money or state if it were believed (a
stake, a payout, a cashback, a refresh token to spend, a bet to close). Each must answer
HTTP 200 with ErrorCode 100401 (100400 where the JWT is genuine but its `data` is not a
JSON object, as the README's table says), and leave every table as it was: ledger,
balances, outbox, tokens, sessions, bets.

tests/test_casino_betcore.py already refuses eleven forgeries on /users/data with the
Bearer header; this suite takes them, and more, to every endpoint and transport.
"""

import functools
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from portal.accounts.models import Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.wallet import operations as wallet
from tests.attack.api_support import (
    BAD_REQUEST,
    CLIENT_ID,
    JWKS_PATH,
    REFUSED_TOKEN,
    TRANSPORTS,
    JwksStandIn,
    b64,
    betcore_post,
    changed_tables,
    claims,
    compact,
    database_state,
    hmac_token,
    rs256_token,
)
from tests.conftest import BACKENDS
from tests.harness.scale import scaled

# The JWT is refused before the database is read: one backend is enough for the short run.
pytestmark = pytest.mark.parametrize("database_url", scaled(["sqlite"], BACKENDS), indirect=True)


@functools.cache
def foreign_key() -> rsa.RSAPrivateKey:
    """The attacker's RSA key (made once, when first needed)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def elliptic_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def vendor():
    stand_in = JwksStandIn()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def attacker():
    """The attacker's own JWKS server, serving the attacker's key (for `jku` headers)."""
    stand_in = JwksStandIn()
    stand_in.keys = {"attacker": foreign_key()}
    stand_in.kid = "attacker"
    yield stand_in
    stand_in.stop()


@pytest.fixture
def app(make_app, vendor):
    return make_app(BETCORE_API_URL=vendor.url, BETCORE_JWKS_COOLDOWN=0)


def stake(player_id, bet_id, amount, kind=-1) -> dict:
    return {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet_id,
        "PartnerUserId": str(player_id),
        "TransactionType": kind,
        "TagId": 7,
    }


@pytest.fixture
def payloads(app, make_player, vendor) -> dict[str, dict]:
    """Per endpoint, data that changes something when believed. The player has 100.00 EUR,
    a live refresh token (TagId 7) and bet 5001 staked 10.00."""
    player_id = make_player()
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "100.00", reason="t", operator="t", external_id="open")
        refresh = casino.issue_token(player, "EUR", tag_id=7)
        db.session.commit()
    placed = betcore_post(
        app.test_client(), "/payments/make", vendor.token(stake(player_id, 5001, "10.00"))
    )
    assert placed["ErrorCode"] == 200, placed
    return {
        "/users/auth": {"RefreshToken": refresh, "TagId": 7},
        "/users/data": {"PartnerUserId": str(player_id), "TagId": 7},
        "/payments/make": stake(player_id, 5002, "10.00"),
        "/payments/make-list": {
            "Payments": [stake(player_id, 5003, "5.00"), stake(player_id, 5001, "20.00", 1)]
        },
        "/payments/info": {"BetId": 5001},
        "/payments/close": {"BetId": 5001, "IsClosed": True},
        "/cashback-payments/make": {
            "CashbackId": 7001,
            "PartnerUserId": str(player_id),
            "Amount": "3.00",
        },
    }


# --- the forgeries --------------------------------------------------------------------------


def _pem(key, public_format) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, public_format)


def _hs256(vendor, data, key_of) -> str:
    """HS256 keyed with something public about BETCORE's RSA key (key confusion)."""
    header = {"alg": "HS256", "typ": "JWT", "kid": vendor.kid}
    return hmac_token(header, claims(data), key_of(vendor))


def _none(vendor, data, alg="none", signature="") -> str:
    return compact({"alg": alg, "typ": "JWT", "kid": vendor.kid}, claims(data), signature)


def _swapped(vendor, data) -> str:
    """Token A's header and signature around token B's payload (both genuinely signed)."""
    head, _, signature = vendor.token({"PartnerUserId": "0", "TagId": 7}).split(".")
    payload = vendor.token(data).split(".")[1]
    return f"{head}.{payload}.{signature}"


def _edited(vendor, data) -> str:
    """A genuine token whose payload was edited after signing (a longer life)."""
    head, payload, signature = vendor.token(data).split(".")
    edited = json.loads(jwt.utils.base64url_decode(payload))
    edited["exp"] = int(time.time()) + 3600
    return f"{head}.{b64(json.dumps(edited).encode())}.{signature}"


def _jku(attacker, data, kid) -> str:
    url = attacker.url + JWKS_PATH
    headers = {"kid": kid, "jku": url, "x5u": url}
    return jwt.encode(claims(data), foreign_key(), algorithm="RS256", headers=headers)


def _foreign_jwk() -> dict:
    return json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(foreign_key().public_key()))


FORGERIES = {
    "alg_none_unsigned": lambda v, a, d: _none(v, d),
    "alg_none_with_a_genuine_signature": lambda v, a, d: _none(
        v, d, signature=v.token(d).split(".")[2]
    ),
    "alg_NONE_upper_case": lambda v, a, d: _none(v, d, alg="NONE"),
    "hs256_keyed_with_the_public_pem": lambda v, a, d: _hs256(
        v, d, lambda v: _pem(v.keys[v.kid], serialization.PublicFormat.SubjectPublicKeyInfo)
    ),
    "hs256_keyed_with_the_pkcs1_pem": lambda v, a, d: _hs256(
        v, d, lambda v: _pem(v.keys[v.kid], serialization.PublicFormat.PKCS1)
    ),
    "hs256_keyed_with_the_jwk_n": lambda v, a, d: _hs256(
        v, d, lambda v: v.public_jwk(v.kid)["n"].encode()
    ),
    "hs256_keyed_with_the_n_bytes": lambda v, a, d: _hs256(
        v, d, lambda v: jwt.utils.base64url_decode(v.public_jwk(v.kid)["n"])
    ),
    "hs256_keyed_with_the_jwk_json": lambda v, a, d: _hs256(
        v, d, lambda v: json.dumps(v.public_jwk(v.kid)).encode()
    ),
    "rs512_with_the_genuine_key": lambda v, a, d: v.token(d, algorithm="RS512"),
    "ps256_with_the_genuine_key": lambda v, a, d: v.token(d, algorithm="PS256"),
    "es256_under_the_known_kid": lambda v, a, d: v.token(d, key=elliptic_key(), algorithm="ES256"),
    "expired_beyond_the_leeway": lambda v, a, d: v.token(d, ttl=-8, nbf_shift=-60),
    "not_yet_valid": lambda v, a, d: v.token(d, nbf_shift=60, ttl=120),
    "missing_exp": lambda v, a, d: v.token(d, drop=("exp",)),
    "missing_nbf": lambda v, a, d: v.token(d, drop=("nbf",)),
    "missing_client_id": lambda v, a, d: v.token(d, drop=("client_id",)),
    "missing_data": lambda v, a, d: v.token(d, drop=("data",)),
    "data_null": lambda v, a, d: v.token(d, overrides={"data": None}),
    "wrong_client_id": lambda v, a, d: v.token(d, client_id="PartnerClient-9999"),
    "client_id_in_another_case": lambda v, a, d: v.token(d, client_id=CLIENT_ID.lower()),
    "client_id_as_a_list": lambda v, a, d: v.token(d, overrides={"client_id": [CLIENT_ID]}),
    "unknown_kid": lambda v, a, d: v.token(d, kid=uuid.uuid4().hex, key=v.keys[v.kid]),
    "no_kid": lambda v, a, d: v.token(d, kid=None),
    "kid_not_a_string": lambda v, a, d: rs256_token(
        {"alg": "RS256", "typ": "JWT", "kid": 1}, claims(d), v.keys[v.kid]
    ),
    "kid_a_list_holding_the_known_kid": lambda v, a, d: rs256_token(
        {"alg": "RS256", "typ": "JWT", "kid": [v.kid]}, claims(d), v.keys[v.kid]
    ),
    "foreign_key_under_the_known_kid": lambda v, a, d: v.token(d, key=foreign_key()),
    "foreign_key_with_an_embedded_jwk": lambda v, a, d: v.token(
        d, key=foreign_key(), headers={"jwk": _foreign_jwk()}
    ),
    "jku_to_the_attackers_jwks": lambda v, a, d: _jku(a, d, "attacker"),
    "jku_under_the_known_kid": lambda v, a, d: _jku(a, d, v.kid),
    "payload_swapped_under_a_genuine_signature": lambda v, a, d: _swapped(v, d),
    "payload_edited_after_signing": lambda v, a, d: _edited(v, d),
    "signature_stripped": lambda v, a, d: v.token(d).rsplit(".", 1)[0] + ".",
}

MALFORMED_DATA = {  # genuine JWTs whose `data` is not a JSON object: 100400
    "data_an_object_not_a_string": {"overrides": {"data": {"BetId": 1}}},
    "data_a_number": {"overrides": {"data": 5}},
    "data_a_list_claim": {"overrides": {"data": ["BetId", 1]}},
    "data_a_json_list": {"overrides": {"data": "[1, 2]"}},
    "data_not_json": {"overrides": {"data": "{BetId: 1"}},
    "data_empty": {"overrides": {"data": ""}},
    "data_nested_too_deep": {"overrides": {"data": "[" * 5000 + "]" * 5000}},
}


# --- the tests ------------------------------------------------------------------------------


def test_each_payload_is_believed_with_a_genuine_token(app, vendor, payloads):
    """The control: every payload of the forgeries does something when genuinely signed."""
    client = app.test_client()
    for path, data in payloads.items():
        before = database_state(app)
        answer = betcore_post(client, path, vendor.token(data))
        assert answer["ErrorCode"] == 200, (path, answer)
        moved = changed_tables(before, database_state(app))
        if path in ("/users/data", "/payments/info"):
            assert moved == {}, path  # reads
        else:
            assert moved, f"{path} changed nothing"


ENDPOINTS = [
    "/users/auth",
    "/users/data",
    "/payments/make",
    "/payments/make-list",
    "/payments/info",
    "/payments/close",
    "/cashback-payments/make",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_forged_jwts_are_refused_and_move_nothing(app, vendor, attacker, payloads, path):
    """Every forgery in every transport: 100401; every genuine JWT with malformed `data`:
    100400; and not a row changed."""
    client = app.test_client()
    attacker_attempts = attacker.attempts
    before = database_state(app)
    cases = [
        (name, forge(vendor, attacker, payloads[path]), REFUSED_TOKEN)
        for name, forge in FORGERIES.items()
    ]
    cases += [
        (name, vendor.token(payloads[path], **options), BAD_REQUEST)
        for name, options in MALFORMED_DATA.items()
    ]
    wrong = []
    for name, token, expected in cases:
        for transport in TRANSPORTS:
            answer = betcore_post(client, path, token, transport)
            if answer != expected:
                wrong.append((name, transport, answer))
    assert wrong == []
    assert changed_tables(before, database_state(app)) == {}
    assert attacker.attempts == attacker_attempts  # a jku header is never followed


def test_the_bearer_header_wins_over_a_genuine_body(app, vendor, payloads):
    """A forged Bearer header next to a genuine JWT in the body: the header is the one
    read, so the call is refused (no falling back to whichever token verifies)."""
    client = app.test_client()
    before = database_state(app)
    for path, data in payloads.items():
        response = client.post(
            f"/betcore{path}",
            headers={"Authorization": f"Bearer {_none(vendor, data)}"},
            data=json.dumps(vendor.token(data)),
            content_type="application/json",
        )
        assert (response.status_code, response.json) == (200, REFUSED_TOKEN), path
    assert changed_tables(before, database_state(app)) == {}
