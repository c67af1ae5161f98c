"""Shared by the attacks on the vendor and gateway doors (tests/attack/test_api_*.py).

- ``database_state`` / ``changed_tables``: every row of every table, to prove that a refused
  call changed nothing (ledger, balances, outbox, tokens, sessions, bets, mails...);
  ``rows_of``: every row that is one player's.
- JWT pieces assembled by hand (``b64``, ``compact``, ``claims``), for the forgeries PyJWT
  refuses to make.
- ``JwksStandIn``: BETCORE's JWKS endpoint on 127.0.0.1 that signs tokens with its keys and
  can fail as an outage does (stopped, HTTP 500, garbage, hanging); it counts every request.
- ``betcore_post``: a BETCORE call through a Flask test client in one of the three forms
  the door reads (Bearer header, raw JSON-string body, plain-text body).
- ``run_together``: one callable per thread, released together by a barrier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify
from sqlalchemy import select

from portal.extensions import db
from tests.harness.live_server import LiveServer

CLIENT_ID = "PartnerClient-1234"
JWKS_PATH = "/mis-api/api/v2/auth/jwks"
TRANSPORTS = ("bearer", "json_string", "plain_body")
REFUSED_TOKEN = {"ErrorCode": 100401, "Message": "Invalid or expired token", "Value": None}
BAD_REQUEST = {"ErrorCode": 100400, "Message": "Bad request", "Value": None}


# --- the database as data -------------------------------------------------------------------


def database_state(app) -> dict[str, list[tuple]]:
    """Every row of every table of the model, in primary-key order; not the vendor traffic
    log (it records every call, refused ones too, from a background thread)."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            if table.name == "vendor_call":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = db.session.execute(select(table).order_by(*order)).all()
            state[table.name] = [tuple(row) for row in rows]
        db.session.rollback()
        return state


def backend(app) -> str:
    """ "sqlite" or "postgresql": for the figures of a report."""
    return (
        "postgresql"
        if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgres")
        else "sqlite"
    )


def changed_tables(before: dict, after: dict) -> dict[str, tuple[int, int]]:
    """The tables whose rows differ: name -> (rows before, rows after)."""
    return {
        name: (len(before[name]), len(after[name]))
        for name in before
        if before[name] != after[name]
    }


def rows_of(app, player_id: int) -> dict[str, list[tuple]]:
    """Everything that is one player's: their row and every row naming them (player_id)."""
    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            column = table.c.get("player_id") if table.name != "player" else table.c.id
            if column is None:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            query = select(table).where(column == player_id).order_by(*order)
            found[table.name] = [tuple(row) for row in db.session.execute(query)]
        db.session.rollback()
        return found


# --- JWTs by hand ---------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def part(value: dict) -> str:
    return b64(json.dumps(value).encode())


def compact(header: dict, payload: dict, signature: str = "") -> str:
    return f"{part(header)}.{part(payload)}.{signature}"


def hmac_token(header: dict, payload: dict, key: bytes) -> str:
    """An HS256 JWS keyed with arbitrary bytes (PyJWT refuses PEM-looking HMAC keys)."""
    signing_input = f"{part(header)}.{part(payload)}"
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def claims(data, *, ttl=10, nbf_shift=0, client_id=CLIENT_ID, drop=(), overrides=None) -> dict:
    """BETCORE's claims: `data` as a JSON string (a str is taken as it is); `drop` leaves
    claims out, `overrides` sets claims to any JSON value."""
    now = int(time.time())
    found = {
        "nbf": now + nbf_shift,
        "exp": now + ttl,
        "iss": "betcore",
        "client_id": client_id,
        "data": data if isinstance(data, str) else json.dumps(data),
        **(overrides or {}),
    }
    return {name: value for name, value in found.items() if name not in drop}


def rs256_token(header: dict, payload: dict, key) -> str:
    """An RS256 JWS with any header at all (PyJWT validates the headers it encodes)."""
    signing_input = f"{part(header)}.{part(payload)}"
    signature = jwt.get_algorithm_by_name("RS256").sign(signing_input.encode(), key)
    return f"{signing_input}.{b64(signature)}"


# --- BETCORE's JWKS, healthy or not -----------------------------------------------------------

HANG_SECONDS = 30  # longer than the portal's JWKS timeout (5 s)
DEFAULT = object()


class JwksStandIn:
    """BETCORE's JWKS endpoint and signing side.

    ``mode``: "ok" (the keys), "error" (HTTP 500), "garbage" (HTTP 200, not JSON),
    "not_a_set" (a JSON list), "empty_set" ({"keys": []}), "hang" (no answer until
    ``release()`` or HANG_SECONDS); ``stop()`` takes the server down. ``attempts`` counts
    every request that reached the endpoint, ``fetches`` those answered with the keys."""

    def __init__(self):
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.kid = self.add_key()
        self.mode = "ok"
        self.attempts = self.fetches = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        app = Flask("jwks-stand-in")
        app.add_url_rule(JWKS_PATH, "jwks", self._jwks)
        self.server = LiveServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def add_key(self, key=None) -> str:
        kid = uuid.uuid4().hex
        self.keys[kid] = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return kid

    def public_jwk(self, kid: str) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**public, "kid": kid, "use": "sig", "alg": "RS256"}

    def _jwks(self):
        with self._lock:
            self.attempts += 1
            mode = self.mode
        if mode == "hang":
            self._release.wait(HANG_SECONDS)
            return "too late", 500
        if mode == "error":
            return jsonify(error="internal"), 500
        if mode == "garbage":
            return "<html><body>Bad gateway</body></html>", 200, {"Content-Type": "text/html"}
        if mode == "not_a_set":
            return jsonify([1, 2, 3])
        if mode == "empty_set":
            return jsonify(keys=[])
        with self._lock:
            self.fetches += 1
        return jsonify(keys=[self.public_jwk(kid) for kid in self.keys])

    def token(self, data, *, kid=DEFAULT, key=None, algorithm="RS256", headers=None, **options):
        """A JWT of `data` signed as BETCORE signs (options: see ``claims``); kid=None
        leaves the kid out."""
        kid = self.kid if kid is DEFAULT else kid
        head = {**({"kid": kid} if kid is not None else {}), **(headers or {})}
        signing_key = key if key is not None else self.keys[self.kid if kid is None else kid]
        return jwt.encode(claims(data, **options), signing_key, algorithm=algorithm, headers=head)

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        self.server.stop()


def betcore_post(client, path: str, token: str, transport: str = "bearer") -> dict:
    """POST /betcore{path} with the JWT in the given form; the envelope (always HTTP 200)."""
    url = f"/betcore{path}"
    if transport == "bearer":
        response = client.post(url, headers={"Authorization": f"Bearer {token}"})
    elif transport == "json_string":
        response = client.post(url, data=json.dumps(token), content_type="application/json")
    else:
        response = client.post(url, data=token, content_type="text/plain")
    assert (response.status_code, response.mimetype) == (200, "application/json"), (
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    return response.json


# --- concurrency ----------------------------------------------------------------------------


def run_together(tasks: list[Callable[[], object]], *, prepare=None) -> list:
    """Run each task in its own thread, all released at the same moment by a barrier.

    `prepare(i)`, when given, runs in thread i before the barrier (load a form page...)
    and its result is passed to task i."""
    barrier = threading.Barrier(len(tasks))

    def run(index):
        prepared = prepare(index) if prepare else None
        barrier.wait(timeout=60)
        return tasks[index](prepared) if prepare else tasks[index]()

    with ThreadPoolExecutor(len(tasks)) as pool:
        return list(pool.map(run, range(len(tasks))))
