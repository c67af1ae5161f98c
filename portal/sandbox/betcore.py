"""A local stand-in for BETCORE, the casino aggregator (seeds/000), for the demo and the tests.

    sandbox_app = create_betcore_sandbox("http://127.0.0.1:5000")
    sandbox = sandbox_app.extensions["betcore_sandbox"]      # a BetcoreSandbox

It plays BETCORE's three parts towards the portal:
- the Aggregator API: a JWKS, partner access tokens, and the payment / cashback "accepts",
  recorded in memory (`sandbox.accepts()`, `GET /sandbox/accepts`);
- the caller of the portal's Casino API: `sandbox.call("/users/auth", {...})` signs an RS256
  JWT (`sandbox.sign`) and POSTs it to `{portal_url}/betcore/users/auth`;
- the WebFrame: `GET /webframe?token=...&tagId=1&game=lucky-dice` is one game, "Lucky Dice",
  whose rounds are real stake (-1) and payout (1) movements on the portal's wallet.

Run alone: `flask --app "portal.sandbox.betcore:create_betcore_sandbox('http://127.0.0.1:5000')"
run --port 5050`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import OrderedDict
from decimal import Decimal
from urllib.parse import urlsplit

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from jwt.algorithms import RSAAlgorithm

ISSUER = "betcore-sandbox"
API = "/mis-api/api/v2"
STAKES = (1, 2, 5)
GAMES = {"lucky-dice": "Lucky Dice"}
MAX_FRAMES = 1000  # frame sessions kept in memory; the oldest go first
TOKEN_SECONDS = 3600
# What the player reads when the portal refuses (the codes of portal/casino/betcore.py).
REFUSALS = {
    103802: "Not enough money",
    102146: "Your account is blocked",
    102148: "You are taking a break from play (responsible gambling)",
    102149: "You must be 18 or older to play",
    102150: "Please verify your account before you play",
    103804: "This stake is above your stake limit",
    103805: "This stake would cross your loss limit",
    103806: "You have reached your limit on the number of bets",
    102145: "Player not found",
    102147: "Your session has expired, reload the page",
    100401: "Your session has expired, reload the page",
}


class PortalUnavailable(Exception):
    """The portal could not be reached, or did not answer with an {ErrorCode, ...} envelope."""


class Refused(Exception):
    """The portal answered an envelope other than success; `message` is for the player."""

    def __init__(self, envelope: dict):
        code = envelope.get("ErrorCode")
        self.envelope = envelope
        self.message = REFUSALS.get(code) or f"The casino refused: {envelope.get('Message')}"
        super().__init__(f"{code} {envelope.get('Message')}")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _money(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def _load_key(private_key) -> rsa.RSAPrivateKey:
    if private_key is None:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if isinstance(private_key, str | bytes):  # PEM
        pem = private_key.encode() if isinstance(private_key, str) else private_key
        private_key = serialization.load_pem_private_key(pem, password=None)
    return private_key


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    """A self-signed certificate for the key, so the JWKS and the JWT header can carry `x5t`."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


class BetcoreSandbox:
    """The sandbox's state and behaviour; the Flask routes are thin wrappers around it."""

    def __init__(self, portal_url: str, client_id: str, private_key=None, *, timeout=10.0):
        self.portal_url = portal_url.rstrip("/")
        self.client_id = client_id
        self.timeout = timeout
        self.private_key = _load_key(private_key)
        public_der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = _b64url(hashlib.sha256(public_der).digest())[:16]  # stable for a given key
        cert_der = _certificate(self.private_key).public_bytes(serialization.Encoding.DER)
        self.x5t = _b64url(hashlib.sha1(cert_der).digest())  # noqa: S324 (x5t is SHA-1 by RFC)
        self._x5c = base64.b64encode(cert_der).decode()
        self._lock = threading.Lock()
        self._accepts: list[dict] = []
        self._failures_left = 0
        self._tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self._frames: OrderedDict[str, dict] = OrderedDict()
        self._forced_rolls: list[int] = []
        self._bet_ids = itertools.count(time.time_ns() // 1000)  # grows across restarts too

    # --- signing and calling the portal -------------------------------------------------

    def jwks(self) -> dict:
        key = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        key.pop("key_ops", None)  # `use` says it
        key.update(use="sig", alg="RS256", kid=self.kid, x5t=self.x5t, x5c=[self._x5c])
        return {"keys": [key]}

    def sign(self, data: dict, *, ttl: int = 10) -> str:
        """An RS256 JWT as BETCORE sends it: the request's fields as a JSON *string* in `data`."""
        now = int(time.time())
        claims = {"nbf": now, "exp": now + ttl, "iss": ISSUER, "client_id": self.client_id}
        claims["data"] = json.dumps(data)
        headers = {"kid": self.kid, "x5t": self.x5t}
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def call(self, path: str, data: dict) -> dict:
        """POST `data` to `{portal_url}/betcore{path}`; the parsed envelope (amounts: Decimal).

        The JWT goes both as `Authorization: Bearer` and as the body (a JSON string), the two
        ways BETCORE's pages show it. Raises PortalUnavailable when there is no envelope.
        """
        token = self.sign(data)
        try:
            response = requests.post(
                f"{self.portal_url}/betcore{path}",
                data=json.dumps(token),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=self.timeout,
            )
            envelope = json.loads(response.text, parse_float=Decimal)
        except (requests.RequestException, ValueError) as exc:
            raise PortalUnavailable(f"{path}: {exc}") from exc
        if not isinstance(envelope, dict) or "ErrorCode" not in envelope:
            raise PortalUnavailable(f"{path}: HTTP {response.status_code}, no envelope")
        return envelope

    def _value(self, path: str, data: dict) -> dict:
        envelope = self.call(path, data)
        if envelope["ErrorCode"] != 200:
            raise Refused(envelope)
        return envelope.get("Value") or {}

    # --- the Aggregator API: tokens and accepts -------------------------------------------

    def issue_token(self, client_id: str, secret: str) -> str | None:
        if client_id != self.client_id or not secret:
            return None
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.time() + TOKEN_SECONDS
        return token

    def token_is_valid(self, authorization: str) -> bool:
        token = authorization.removeprefix("Bearer ").strip()
        with self._lock:
            return self._tokens.get(token, 0) > time.time()

    def fail_next_accepts(self, n: int = 1) -> None:
        """Test hook: the next `n` accepts (payments or cashback) answer HTTP 500."""
        with self._lock:
            self._failures_left = n

    def record_accept(self, kind: str, body, authorized: bool) -> int:
        """Record one accept (`kind` "payment" or "cashback"); the HTTP status to answer."""
        with self._lock:
            status = 500 if self._failures_left > 0 else 200
            self._failures_left = max(0, self._failures_left - 1)
            record = {"kind": kind, "status": status, "authorized": authorized, "body": body}
            self._accepts.append(record)
        return status

    def accepts(self, kind: str | None = None) -> list[dict]:
        """Every accept received (failed ones too), in order: {kind, status, authorized, body}.

        `authorized`: it carried a live access token from /auth/token; `body` has Decimals.
        """
        with self._lock:
            return [dict(r) for r in self._accepts if kind in (None, r["kind"])]

    # --- the WebFrame's game ----------------------------------------------------------------

    def force_rolls(self, *values: int) -> None:
        """Test hook: the next rounds roll these values (1-6) instead of random ones."""
        with self._lock:
            self._forced_rolls.extend(values)

    def _roll(self) -> int:
        with self._lock:
            if self._forced_rolls:
                return self._forced_rolls.pop(0)
        return secrets.randbelow(6) + 1

    def open_frame(self, refresh_token: str, tag_id: int) -> tuple[str, dict]:
        """/users/auth with the WebFrame's token; a new frame session id and its state."""
        value = self._value("/users/auth", {"RefreshToken": refresh_token, "TagId": tag_id})
        frame = {
            "user": str(value["PartnerUserId"]),
            "currency": value.get("Currency", ""),
            "balance": _money(value.get("Balance", 0)),
            "refresh_token": value.get("RefreshToken"),  # the rotated one, kept like BETCORE
            "tag_id": tag_id,
        }
        frame_id = secrets.token_urlsafe(16)
        with self._lock:
            self._frames[frame_id] = frame
            while len(self._frames) > MAX_FRAMES:
                self._frames.popitem(last=False)
        return frame_id, frame

    def frame(self, frame_id: str) -> dict | None:
        with self._lock:
            return self._frames.get(frame_id)

    def balance(self, frame: dict) -> str:
        data = {"PartnerUserId": frame["user"], "TagId": frame["tag_id"]}
        return _money(self._value("/users/data", data)["Balance"])

    def _make(self, frame: dict, bet_id: int, kind: int, amount: str) -> dict:
        data = {"Amount": amount, "TaxAmount": "0", "BetId": bet_id, "PromoCode": None}
        data.update(PartnerUserId=frame["user"], TransactionType=kind, TagId=frame["tag_id"])
        return self._value("/payments/make", data)

    def play(self, frame: dict, stake: int) -> dict:
        """One round: stake (-1), roll (4-6 pays 2x), payout (1, "0" when lost).

        The payout is retried on network errors, as BETCORE resends until it is confirmed; a
        refused stake ends the round with nothing to pay, an unanswered one is returned (2).
        """
        with self._lock:
            bet_id = next(self._bet_ids)
        try:
            self._make(frame, bet_id, -1, _money(stake))
        except PortalUnavailable:  # the stake may have landed: return it (2), as BETCORE does
            with contextlib.suppress(PortalUnavailable, Refused):
                self._make(frame, bet_id, 2, _money(stake))
            raise
        dice = self._roll()
        win = _money(stake * 2 if dice >= 4 else 0)
        for attempt in range(3):
            try:
                value = self._make(frame, bet_id, 1, "0" if dice < 4 else win)
                break
            except PortalUnavailable:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        balance = _money(value["Balance"])
        return dict(bet_id=bet_id, dice=dice, stake=_money(stake), win=win, balance=balance)


def create_betcore_sandbox(
    portal_url: str, client_id: str = "PartnerClient-1234", private_key=None
) -> Flask:
    """The stand-in as a Flask app; its BetcoreSandbox is `app.extensions["betcore_sandbox"]`."""
    app = Flask(__name__, template_folder="templates", static_folder=None)
    app.json = DefaultJSONProvider(app)  # not the portal's provider, whatever was set globally
    sandbox = BetcoreSandbox(portal_url, client_id, private_key)
    app.extensions["betcore_sandbox"] = sandbox
    parts = urlsplit(sandbox.portal_url)
    parent_origin = f"{parts.scheme}://{parts.netloc}"

    @app.get(f"{API}/auth/jwks")
    def jwks():
        return jsonify(sandbox.jwks())

    @app.post(f"{API}/auth/token")
    def token():
        fields = request.get_json(silent=True) or request.form
        client, secret = fields.get("client_id", ""), fields.get("client_secret", "")
        issued = sandbox.issue_token(str(client), str(secret or ""))
        if issued is None:
            return jsonify(error="invalid_client"), 401
        return jsonify(access_token=issued, token_type="Bearer", expires_in=TOKEN_SECONDS)  # noqa: S106

    def accept(kind: str):
        try:
            body = json.loads(request.get_data(as_text=True), parse_float=Decimal)
        except ValueError:
            return jsonify(ErrorCode=100400, Message="Bad request", Value=None), 400
        authorized = sandbox.token_is_valid(request.headers.get("Authorization", ""))
        if sandbox.record_accept(kind, body, authorized) != 200:
            return jsonify(ErrorCode=500, Message="Sandbox failure (test hook)", Value=None), 500
        return jsonify(ErrorCode=200, Message="Success", Value=None)

    @app.post(f"{API}/payments/accept")
    def payments_accept():
        return accept("payment")

    @app.post(f"{API}/cashback-payments/accept")
    def cashback_accept():
        return accept("cashback")

    @app.get("/sandbox/accepts")
    def accepts_view():
        return jsonify(sandbox.accepts())

    @app.get("/webframe")
    def webframe():
        token = request.args.get("token", "").strip()
        tag_id = request.args.get("tagId", 1, type=int)
        page = dict(mode="demo", frame=None, balance="100.00", currency="FUN", message="")
        page["tag_id"] = tag_id
        if token:
            try:
                frame_id, frame = sandbox.open_frame(token, tag_id)
                balance, currency = frame["balance"], frame["currency"]
                page.update(mode="real", frame=frame_id, balance=balance, currency=currency)
            except Refused as refused:
                page.update(mode="error", message=refused.message)
            except PortalUnavailable:
                page.update(mode="error", message="The casino is not reachable right now")
        html = render_template(
            "betcore/webframe.html",
            page=page,
            game=GAMES.get(request.args.get("game", ""), "Lucky Dice"),
            lang=request.args.get("lang", "en")[:5],
            stakes=STAKES,
            parent_origin=parent_origin,
        )
        response = make_response(html)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the token
        return response

    def frame_or_error(frame_id):
        frame = sandbox.frame(str(frame_id or ""))
        if frame is None:
            return None, (jsonify(ok=False, message="Session expired, reload the page"), 404)
        return frame, None

    @app.post("/webframe/play")
    def play():
        fields = request.get_json(silent=True) or {}
        frame, error = frame_or_error(fields.get("frame"))
        if error:
            return error
        stake = fields.get("stake")
        if stake not in STAKES:
            return jsonify(ok=False, message="Choose a stake of 1, 2 or 5"), 400
        try:
            return jsonify(ok=True, currency=frame["currency"], **sandbox.play(frame, stake))
        except Refused as refused:  # an insufficient-funds answer carries the balance
            answer = dict(ok=False, message=refused.message, code=refused.envelope["ErrorCode"])
            value = refused.envelope.get("Value")
            if isinstance(value, dict) and value.get("Balance") is not None:
                answer["balance"] = _money(value["Balance"])
            return jsonify(answer)
        except PortalUnavailable:
            return jsonify(ok=False, message="The casino is not reachable right now"), 502

    @app.get("/webframe/balance")
    def balance():
        frame, error = frame_or_error(request.args.get("frame"))
        if error:
            return error
        try:
            return jsonify(ok=True, balance=sandbox.balance(frame), currency=frame["currency"])
        except (Refused, PortalUnavailable):
            return jsonify(ok=False, message="The balance is not available right now"), 502

    return app
