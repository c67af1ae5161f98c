"""Betsy's calls to the portal, mounted at /betsy.

The signature (x-sign-jws over the raw body) is verified before the body is parsed; every
answer, errors included, is JSON signed the same way. Errors are HTTP 400 {"code",
"message"} with Betsy's codes (see betsy.MESSAGES).
"""

import simplejson
from flask import Blueprint, current_app, request

from portal.database import transactional
from portal.extensions import csrf
from portal.json_provider import unstorable_text
from portal.sportsbook import operations
from portal.sportsbook.betsy import HEADER, BadSignature, BetsyError, sign, verify

bp = Blueprint("betsy", __name__, url_prefix="/betsy")
csrf.exempt(bp)


def signed(body: dict, status: int = 200):
    raw = current_app.json.dumps(body).encode()
    secret = current_app.config["BETSY_PARTNER_SECRET"]
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[HEADER] = sign(raw, secret)
    return current_app.response_class(raw, status=status, headers=headers)


def refusal(code: int):
    return signed({"code": code, "message": BetsyError(code).args[0]}, 400)


@bp.errorhandler(BetsyError)
def refused(exc: BetsyError):
    return refusal(exc.code)


def render_http_error(status: int, _description: str):
    """HTTP-level errors under /betsy, in Betsy's shape (and signed)."""
    return refusal(100 if status >= 500 else 5)


def verified_body() -> dict:
    raw = request.get_data(cache=True)
    try:
        verify(request.headers.get(HEADER), raw, current_app.config["BETSY_PARTNER_SECRET"])
    except BadSignature:
        raise BetsyError(1) from None
    try:
        body = simplejson.loads(raw, use_decimal=True)
    except (ValueError, RecursionError):
        raise BetsyError(5) from None
    if not isinstance(body, dict) or unstorable_text(body):
        raise BetsyError(5)  # (NUL or a lone surrogate: no database column holds them)
    return body


@bp.post("/user/profile")
@transactional
def profile():
    return signed(operations.profile(verified_body()))


@bp.post("/user/balance")
@transactional
def balance():
    return signed(operations.balance(verified_body()))


@bp.post("/payment/bet")
@transactional
def place_bet():
    return signed(operations.place_bet(verified_body(), ip=request.remote_addr))


SETTLEMENTS = {2: operations.settle, 1: operations.unsettle, 3: operations.rollback}


@bp.put("/payment/bet")
@transactional
def settle_bet():
    body = verified_body()
    kind = body.get("type")
    if type(kind) is not int or kind not in SETTLEMENTS:
        raise BetsyError(5)
    return signed(SETTLEMENTS[kind](body))


@bp.post("/payment/check")
@transactional
def check():
    return signed(operations.check(verified_body()))
