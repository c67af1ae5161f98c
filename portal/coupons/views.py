"""The bet-result blueprint: results of the calculation service, mounted at
/betcalc/<BETCALC_RESULT_SECRET>/api/bet/result (the service appends /api/bet/result to
the `remote_host` each placement names).

A wrong secret (or none configured) answers 404, a sender outside BETCALC_ALLOWED_IPS
(when set) 403, a body that is not a results message 400 {"result": "error", "message"};
a well-formed body 200 {"result": "ok", "applied": N, "unknown": M, ...} after each item
was applied (or recorded) on its own (portal.coupons.results).
"""

import hmac
import ipaddress
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from portal.coupons import results
from portal.extensions import csrf
from portal.json_provider import unstorable_text

bp = Blueprint("betcalc", __name__, url_prefix="/betcalc")
MAX_BODY = 1024 * 1024  # bytes: 1,000 results with room to spare (larger: 413)
csrf.exempt(bp)
log = logging.getLogger(__name__)


def _error(status: int, message: str):
    return jsonify(result="error", message=message), status


def render_http_error(status: int, description: str):
    """HTTP-level errors under /betcalc in the webhook's JSON shape."""
    messages = {
        404: "not found",
        403: "sender not allowed",
        405: "POST only",
        413: "the body is over 1 MiB",
    }
    return _error(status, messages.get(status, description or "error"))


@bp.post("/<secret>/api/bet/result")
def bet_result(secret: str):
    expected = current_app.config["BETCALC_RESULT_SECRET"]
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)
    allowed = current_app.config["BETCALC_ALLOWED_IPS"]
    if allowed and not _allowed(request.remote_addr, allowed):
        log.warning("bet results from %s refused: not in BETCALC_ALLOWED_IPS", request.remote_addr)
        abort(403)
    request.max_content_length = MAX_BODY  # batches of results run longer than forms
    try:
        body = request.get_json(force=True, silent=True)  # whatever Content-Type it says
        if body is None:
            return _refused("the body is not JSON")
        if unstorable_text(body):
            return _refused("the body holds NUL characters or lone surrogates")
        summary = results.apply_all(body)
    except results.MalformedResults as exc:
        return _refused(str(exc))
    except RecursionError:
        return _refused("the body is nested too deeply")
    if summary.problems:
        log.warning("bet results: %s", "; ".join(summary.problems[:20]))
    return jsonify(summary.answer())


def _refused(message: str):
    log.warning("bet results refused: %s", message)
    return _error(400, message)


def _allowed(address: str | None, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)
