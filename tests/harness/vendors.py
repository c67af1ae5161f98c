"""The vendors' signing sides, for tests that call the portal as the vendors do.

``Betcore`` holds RSA keys, serves their JWKS on 127.0.0.1 and signs RS256 JWTs with a
``data`` claim, as BETCORE does; ``call`` posts through a Flask test client and ``post``
over real HTTP. The same server plays BETCORE's Aggregator API towards the outbox worker:
partner access tokens (``POST /mis-api/api/v2/auth/token``, client credentials) and the
payment and cashback accepts, recorded thread-safely (``accepts()``). ``BetsySigner`` signs
bodies with the detached HS256 JWS of seed 001 and verifies the signed answers.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
import uuid
from decimal import Decimal

import jwt
import requests
import simplejson
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request

from portal.sportsbook import betsy as jws
from tests.harness.live_server import LiveServer

CLIENT_ID = "PartnerClient-1234"
CLIENT_SECRET = "betcore-client-secret"  # noqa: S105 (the stand-in's test credential)
API = "/mis-api/api/v2"
JWKS_PATH = f"{API}/auth/jwks"
TOKEN_PATH = f"{API}/auth/token"  # noqa: S105 (a path)
ACCEPT_PATHS = {"payment": f"{API}/payments/accept", "cashback": f"{API}/cashback-payments/accept"}


class Betcore:
    """A stand-in for BETCORE: keys, a JWKS endpoint, signed calls; partner tokens and the
    accepts of the Aggregator API.

    Every accept is recorded as {kind, body (amounts as Decimal), authorized, status}; an
    accept without a live partner token answers HTTP 401. ``accept_failure_rate`` makes
    that share of the authorized accepts answer HTTP 500, so that the sender must retry."""

    def __init__(self, client_secret: str = CLIENT_SECRET, *, accept_failure_rate: float = 0.0):
        self.keys = {}
        self.rotate()
        self.client_secret = client_secret
        self.accept_failure_rate = accept_failure_rate
        self._lock = threading.Lock()
        self._partner_tokens: set[str] = set()
        self._accepts: list[dict] = []
        app = Flask("betcore-stand-in")
        app.add_url_rule(JWKS_PATH, "jwks", self.jwks)
        app.add_url_rule(TOKEN_PATH, "token", self._token, methods=["POST"])
        for kind, path in ACCEPT_PATHS.items():
            app.add_url_rule(
                path, f"accept_{kind}", lambda kind=kind: self._accept(kind), methods=["POST"]
            )
        self.fetches = 0
        self.server = LiveServer(app)

    @property
    def url(self) -> str:
        return self.server.url

    def _token(self):
        fields = request.form if request.form else (request.get_json(silent=True) or {})
        if (
            fields.get("grant_type") != "client_credentials"
            or fields.get("client_id") != CLIENT_ID
            or not secrets.compare_digest(str(fields.get("client_secret", "")), self.client_secret)
        ):
            return jsonify(error="invalid_client"), 401
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._partner_tokens.add(token)
        return jsonify(access_token=token, token_type="Bearer", expires_in=300)  # noqa: S106

    def _accept(self, kind: str):
        try:
            body = json.loads(request.get_data(as_text=True), parse_float=Decimal)
        except ValueError:
            return jsonify(ErrorCode=100400, Message="Bad request", Value=None), 400
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            authorized = scheme == "Bearer" and token in self._partner_tokens
            failed = authorized and random.random() < self.accept_failure_rate  # noqa: S311
            status = 200 if authorized and not failed else 401 if not authorized else 500
            self._accepts.append(
                {"kind": kind, "body": body, "authorized": authorized, "status": status}
            )
        if status != 200:
            return jsonify(ErrorCode=100500, Message="Refused by the stand-in", Value=None), status
        return jsonify(ErrorCode=200, Message="Success", Value=None)

    def accepts(self, kind: str | None = None) -> list[dict]:
        """Every accept received so far (refused ones too), in order of arrival."""
        with self._lock:
            return [dict(a) for a in self._accepts if kind in (None, a["kind"])]

    def rotate(self) -> str:
        self.kid = uuid.uuid4().hex
        self.keys[self.kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self.kid

    def jwks(self):
        self.fetches += 1
        keys = []
        for kid, key in self.keys.items():
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        return jsonify(keys=keys)

    def token(
        self,
        data,
        *,
        ttl=10,
        nbf_shift=0,
        client_id=CLIENT_ID,
        key=None,
        kid=None,
        algorithm="RS256",
    ):
        now = int(time.time())
        claims = {
            "nbf": now + nbf_shift,
            "exp": now + ttl,
            "iss": "betcore",
            "client_id": client_id,
            "data": data if isinstance(data, str) else json.dumps(data),
        }
        signing_key = key if key is not None else self.keys[kid or self.kid]
        return jwt.encode(
            claims, signing_key, algorithm=algorithm, headers={"kid": kid or self.kid}
        )

    def call(self, client, path, data=None, *, raw_body=False, token=None, **options):
        """Through a Flask test client; the answer's envelope (always HTTP 200)."""
        token = token or self.token(data, **options)
        if raw_body:
            response = client.post(
                f"/betcore{path}", data=json.dumps(token), content_type="application/json"
            )
        else:
            response = client.post(f"/betcore{path}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        return response.json

    def post(self, session, base_url, path, data=None, *, timeout=30, **options) -> dict:
        """Over real HTTP (a requests.Session); the answer's envelope (always HTTP 200)."""
        token = self.token(data, **options)
        response = session.post(
            f"{base_url}/betcore{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return response.json()

    def stop(self) -> None:
        self.server.stop()


class BetsySigner:
    """Betsy's side over real HTTP: signs each body, verifies each answer's signature.

    ``send`` returns (status, parsed JSON); amounts come back as Decimal."""

    def __init__(self, secret: str, base_url: str, session: requests.Session | None = None):
        self.secret, self.base_url = secret, base_url
        self.session = session or requests.Session()

    def send(self, method: str, path: str, data: dict, *, timeout=30) -> tuple[int, dict]:
        body = simplejson.dumps(data, use_decimal=True).encode()
        headers = {"content-type": "application/json", jws.HEADER: jws.sign(body, self.secret)}
        response = self.session.request(
            method, f"{self.base_url}/betsy{path}", data=body, headers=headers, timeout=timeout
        )
        jws.verify(response.headers.get(jws.HEADER), response.content, self.secret)
        return response.status_code, json.loads(response.content, parse_float=Decimal)
