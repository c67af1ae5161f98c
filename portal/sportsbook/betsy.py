"""Betsy's signatures: a detached JWS (HS256, the partner secret) over the raw body.

The `x-sign-jws` header holds "<header>..<signature>": a JWT whose payload part is empty.
To verify, the raw request body is put back between the dots (base64url) and checked as
an ordinary HS256 JWS. Responses are signed the same way. Only HS256 is accepted.
"""

import base64

import jwt

HEADER = "x-sign-jws"
MAX_SIGNATURE_LENGTH = 4096


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class BadSignature(Exception):
    """Missing, malformed or wrong signature."""


def sign(body: bytes, secret: str) -> str:
    """The detached JWS of `body`: an ordinary HS256 JWS with its payload part removed."""
    header, _payload, signature = jwt.api_jws.encode(body, secret, algorithm="HS256").split(".")
    return f"{header}..{signature}"


def verify(signature: str | None, body: bytes, secret: str) -> None:
    """Raise BadSignature unless `signature` is the detached HS256 JWS of `body`."""
    if not secret:
        raise BadSignature("no partner secret is configured")
    if not signature or len(signature) > MAX_SIGNATURE_LENGTH or signature.count(".") != 2:
        raise BadSignature("missing or malformed signature")
    head, payload, mac = signature.split(".")
    if payload:
        raise BadSignature("the signature must be detached (empty payload part)")
    token = f"{head}.{_b64(body)}.{mac}"  # the raw body back between the dots
    try:
        if jwt.get_unverified_header(token).get("alg") != "HS256":
            raise BadSignature("only HS256 is accepted")
        jwt.api_jws.decode_complete(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise BadSignature(str(exc)) from None


MESSAGES = {
    1: "Bad signature",
    3: "Invalid token",
    4: "Token expired",
    5: "Validation error",
    7: "Not enough money",
    8: "Transaction already processed",
    9: "Player blocked",
    11: "Stake limit exceeded",
    12: "Loss limit reached",
    13: "Bet count limit reached",
    14: "Player self-excluded",
    15: "Player not verified",
    16: "Player under age",
    20: "Recalculation blocked",
    21: "Recalculation would make the balance negative",
    100: "System error",
}


class BetsyError(Exception):
    """An answer other than success: HTTP 400 {"code", "message"}."""

    def __init__(self, code: int):
        super().__init__(MESSAGES[code])
        self.code = code
