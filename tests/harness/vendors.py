"""The vendors' signing sides, for tests that call the portal as the vendors do.

``Betcore`` holds RSA keys, serves their JWKS on 127.0.0.1 and signs RS256 JWTs with a
``data`` claim, as BETCORE does; ``call`` posts through a Flask test client and ``post``
over real HTTP. ``BetsySigner`` signs bodies with the detached HS256 JWS of seed 001 and
verifies the signed answers.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal

import jwt
import requests
import simplejson
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify

from portal.sportsbook import betsy as jws
from tests.harness.live_server import LiveServer

CLIENT_ID = "PartnerClient-1234"
JWKS_PATH = "/mis-api/api/v2/auth/jwks"


class Betcore:
    """A stand-in for BETCORE's signing side: keys, a JWKS endpoint, signed calls."""

    def __init__(self):
        self.keys = {}
        self.rotate()
        jwks = Flask("jwks")
        jwks.add_url_rule(JWKS_PATH, "jwks", self.jwks)
        self.fetches = 0
        self.server = LiveServer(jwks)

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
