"""The seed 002 gateway protocol: JSON in, JSON out, one error shape per status.

400 {"errMsg": "invalid input - invalid brand id"}   unknown brand
400 {"errMsg": "invalid input"}                      malformed JSON / wrong field types
401 {"errMsg": "invalid input - invalid token"}      missing/bad/expired/revoked token, or
                                                     the token of a player excluded now
403 {"errMsg": "player blocked", ...}                a blocked player's login
403 {"errMsg": "player excluded", "message_format", "excludedUntil"}
                                                     a timed-out, self-excluded or closed
                                                     player's login
422 {"result": [{"field", "errorCode"}]}             field rules broken
500 {"result": "internal server error"}              anything unexpected (never a traceback)
"""

from flask import jsonify, request

from portal.accounts import operations
from portal.accounts.errors import (
    ActionRequired,
    BrandNotFound,
    InvalidCredentials,
    InvalidLink,
    InvalidSession,
    PlayerBlocked,
    PlayerExcluded,
    ValidationFailed,
)
from portal.accounts.sessions import resolve_session
from portal.errors import DomainError
from portal.json_provider import unstorable_text
from portal.limits import operations as limits
from portal.limits import rules
from portal.limits.errors import PlayRefused
from portal.timeutil import utcnow

SUPPORTED_VERSIONS = {"1"}


class BadInput(DomainError):
    def __init__(self, detail: str = ""):
        super().__init__(detail)
        self.detail = detail


class UnsupportedVersion(DomainError):
    pass


def err(status: int, message: str):
    return jsonify(errMsg=message), status


def render_http_error(status: int, description: str):
    """HTTP-level errors under /gateway, in the gateway's shape."""
    if status >= 500:
        return jsonify(result="internal server error"), 500
    messages = {
        404: "not found",
        405: "method not allowed",
        413: "invalid input - request too large",
        429: "too many requests",
    }
    return err(status, messages.get(status, "invalid input"))


def render_domain_error(exc: DomainError):
    if isinstance(exc, BrandNotFound):
        return err(400, "invalid input - invalid brand id")
    if isinstance(exc, UnsupportedVersion):
        return err(400, "invalid input - unsupported version")
    if isinstance(exc, BadInput):
        return err(400, f"invalid input - {exc.detail}" if exc.detail else "invalid input")
    if isinstance(exc, InvalidSession):
        return err(401, "invalid input - invalid token")
    if isinstance(exc, InvalidCredentials):
        return jsonify(
            errMsg="invalid input - invalid credentials", message_format="login_failed"
        ), 401
    if isinstance(exc, PlayerExcluded):  # (a PlayerBlocked: first)
        return jsonify(excluded_answer(exc.reason, exc.until)), 403
    if isinstance(exc, PlayerBlocked):
        return jsonify(errMsg="player blocked", message_format="player_blocked"), 403
    if isinstance(exc, PlayRefused):  # a game asked by a player who may not play now
        if exc.reason in EXCLUDED:
            return jsonify(excluded_answer(exc.reason, exc.until)), 403
        return jsonify(NOT_PLAYING.get(exc.reason, NOT_PLAYING["blocked"])), 403
    if isinstance(exc, ValidationFailed):
        return jsonify(result=field_errors(exc)), 422
    if isinstance(exc, ActionRequired):
        return jsonify(result=exc.actions[0]), 401
    if isinstance(exc, InvalidLink):
        return jsonify(message_format="general_failure"), 400
    raise exc


def excluded_answer(reason: str, until) -> dict:
    """The login answer of a player who is timed out, self-excluded or closed (`reason`
    timed_out | self_excluded | closed): the message format says why, `excludedUntil` until
    when (UTC; null when time alone does not end it: an indefinite or ended self-exclusion
    awaiting the player's request to reopen, a closed account)."""
    return {
        **EXCLUDED[reason],
        "excludedUntil": until.strftime("%Y-%m-%d %H:%M:%S") if until else None,
    }


NOT_PLAYING = {
    "blocked": dict(errMsg="player blocked", message_format="player_blocked"),
    "under_age": dict(errMsg="player under age", message_format="player_under_age"),
    "not_verified": dict(errMsg="player not verified", message_format="player_not_verified"),
}
EXCLUDED = {
    "timed_out": dict(errMsg="player excluded", message_format="player_timed_out"),
    "self_excluded": dict(errMsg="player excluded", message_format="player_self_excluded"),
    "closed": dict(errMsg="player excluded", message_format="player_closed"),
}


def field_errors(exc: ValidationFailed) -> list[dict]:
    return [{"field": e.field, "errorCode": e.code} for e in exc.errors]


def check_version(version: str) -> None:
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(version)


def brand_for(version: str, brand_id: str):
    check_version(version)
    return operations.get_brand(brand_id)


def json_body() -> dict:
    """The request's JSON object; BadInput for another content type or malformed JSON."""
    if not request.is_json:
        raise BadInput("content type must be application/json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting is malformed input, not a crash
        body = None
    if not isinstance(body, dict):
        raise BadInput("body must be a JSON object")
    if found := unstorable_text(body):
        raise BadInput(" ".join(found))
    return body


def field(body: dict, name: str, kind=str, *, default=None):
    """A typed optional field; BadInput when present with the wrong JSON type."""
    value = body.get(name, default)
    if value is None:
        return default
    if kind is bool and not isinstance(value, bool):
        raise BadInput(f"{name} must be a boolean")
    if kind is int and (type(value) is not int):
        raise BadInput(f"{name} must be an integer")
    if kind is list and not isinstance(value, list):
        raise BadInput(f"{name} must be a list")
    if kind is dict and not isinstance(value, dict):
        raise BadInput(f"{name} must be an object")
    if kind is str and not isinstance(value, str):
        raise BadInput(f"{name} must be a string")
    return value


def current_session(brand=None):
    """The session of the x-auth-token header (of a player of `brand`, when given). An
    excluded player has no gateway session: the exclusion revoked the sessions and the
    login refuses them, and a token from elsewhere (the web login, which lets them in to
    withdraw) is not valid here either. A session older than the player's session time
    limit has ended (the limit counts per session, as on the web)."""
    session = resolve_session(request.headers.get("x-auth-token"))
    if brand is not None and session.player.brand_id != brand.id:
        raise InvalidSession()
    player, now = session.player, utcnow()
    if rules.player_excluded(player, now):
        raise InvalidSession()
    limit = limits.session_limit(session, now)  # (the player's session time limit)
    if limit is not None and limit.ended:
        raise InvalidSession()
    return session


def client() -> operations.Client:
    return operations.Client.of(request)
