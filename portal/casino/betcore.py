"""BETCORE's protocol: RS256 JWTs from its JWKS, and the {ErrorCode, Message, Value} envelope.

Every request is verified before anything else is read: RS256 only (never `none`, never
HMAC with the public key), a key from `{BETCORE_API_URL}/mis-api/api/v2/auth/jwks` (fetched
once, cached, fetched again on an unknown `kid` at most every BETCORE_JWKS_COOLDOWN
seconds), `exp`/`nbf` with a few seconds of leeway, and `client_id` equal to
BETCORE_CLIENT_ID. The `data` claim is a JSON string holding the request's fields.
"""

import jwt
import simplejson
from flask import current_app, jsonify, request

from portal.casino import jwks
from portal.json_provider import unstorable_text

LEEWAY_SECONDS = 5
MAX_TOKEN_LENGTH = 16_384

# ErrorCode -> Message. 200, 102145, 103801 and 102823 are BETCORE's; the rest are ours.
CODES = {
    200: "Success",
    100400: "Bad request",
    100401: "Invalid or expired token",
    100500: "Internal error",
    102145: "User not found",
    102146: "User blocked",
    102147: "Invalid refresh token",
    102148: "User excluded",
    102149: "User under age",
    102150: "User not verified",
    102823: "Error adding transaction",
    102824: "Bet not found",
    102825: "Transaction cancelled before it arrived",
    102826: "Bet already paid out",
    103801: "Incorrect amount",
    103802: "Insufficient funds",
    103803: "Currency not allowed",
    103804: "Stake limit exceeded",
    103805: "Loss limit reached",
    103806: "Bet count limit reached",
}
# A player who may not play now (portal.limits.rules) and a limit reached, as ErrorCodes
REFUSAL_CODES = {
    "blocked": 102146,
    "timed_out": 102148,
    "self_excluded": 102148,
    "closed": 102148,
    "under_age": 102149,
    "not_verified": 102150,
}
LIMIT_CODES = {"stake": 103804, "loss": 103805, "bets": 103806}


class BetcoreError(Exception):
    """An answer other than success, in BETCORE's envelope."""

    def __init__(self, code: int, value=None):
        super().__init__(CODES[code])
        self.code, self.value = code, value


def envelope(value=None, code: int = 200):
    """Every answer: HTTP 200 with {ErrorCode, Message, Value}."""
    return jsonify(ErrorCode=code, Message=CODES[code], Value=value)


def _keys() -> jwks.KeySet:
    url = current_app.config["BETCORE_API_URL"].rstrip("/") + "/mis-api/api/v2/auth/jwks"
    return jwks.key_set(url, current_app.config["BETCORE_JWKS_COOLDOWN"])


def bearer_token() -> str:
    """The JWT of `Authorization: Bearer`, or the raw body (a JSON string or plain text)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    body = request.get_data(as_text=True).strip()
    if body.startswith('"') and body.endswith('"'):
        try:
            body = simplejson.loads(body)
        except ValueError:
            return ""
    return body if isinstance(body, str) else ""


def verified_data() -> dict:
    """The request's `data`, once its JWT has passed every check; BetcoreError otherwise."""
    token = bearer_token()
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise BetcoreError(100401)  # (a JWT is ASCII: base64url parts and dots)
    if not current_app.config["BETCORE_API_URL"]:
        raise BetcoreError(100401)  # (no BETCORE_API_URL: no keys to verify with)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise BetcoreError(100401)
        key = _keys().get(header["kid"])
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "client_id", "data"]},
        )
    except (jwt.PyJWTError, jwks.UnknownKey):
        raise BetcoreError(100401) from None
    if claims["client_id"] != current_app.config["BETCORE_CLIENT_ID"]:
        raise BetcoreError(100401)
    try:
        data = simplejson.loads(claims["data"], use_decimal=True)
    except (TypeError, ValueError, RecursionError):
        raise BetcoreError(100400) from None
    if not isinstance(data, dict) or unstorable_text(data):
        raise BetcoreError(100400)
    return data
