"""The payment providers' door: `POST /payments/<provider>/callback` (e.g. /payments/sandbox/
callback). The signature is verified over the raw body before anything in it is read;
then the body is read by the provider, and the callback applied to its deposit.

Answers (JSON): 200 {"result": "ok"} applied or a repeat; 401 a missing or bad signature;
400 a body the provider does not send (or a reference of no deposit); 409 a repeat that
does not match the first (another amount, player or transaction) or a callback out of
order (failed after success); 404 an unknown provider; 413 a body over 64 KiB.
Every signed callback is kept (payment_callback) with what was done with it.
"""

import logging

from flask import Blueprint, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.database import commit, rollback
from portal.extensions import csrf, db
from portal.payments import deposits, providers
from portal.payments.models import PaymentCallback

bp = Blueprint("payments", __name__, url_prefix="/payments")
MAX_BODY = 64 * 1024
csrf.exempt(bp)
log = logging.getLogger(__name__)
ANSWERS = {"applied": 200, "repeated": 200, "refused": 409}


def _error(status: int, message: str):
    return jsonify(result="error", message=message), status


def render_http_error(status: int, description: str):
    """HTTP-level errors under /payments in the callbacks' JSON shape."""
    messages = {404: "not found", 405: "POST only", 413: "the body is over 64 KiB"}
    return _error(status, messages.get(status, description or "error"))


@bp.post("/<name>/callback")
def callback(name: str):
    try:
        provider = providers.get(name)
    except providers.UnknownProvider:
        return _error(404, "no such payment provider")
    request.max_content_length = MAX_BODY
    raw = request.get_data(cache=True)  # (kept for the vendor traffic log)
    try:
        provider.verify(raw, request.headers)
    except providers.BadSignature as exc:
        log.warning("payment callback (%s) refused: %s", name, exc)
        return _error(401, "bad signature")
    try:
        found = provider.read_callback(raw)
    except providers.MalformedCallback as exc:
        _keep(name, raw, None, "malformed", str(exc))
        log.warning("payment callback (%s) malformed: %s", name, exc)
        return _error(400, str(exc))
    for attempt in range(2):
        try:
            applied = deposits.apply_callback(name, found)
            _record(name, raw, found, applied.outcome, applied.note)
            commit()
            break
        except IntegrityError:  # two deposits claimed one provider transaction at once
            rollback()
            if attempt:
                raise
        except providers.MalformedCallback as exc:
            rollback()
            _keep(name, raw, found, "malformed", str(exc))
            return _error(400, str(exc))
        except Exception:
            rollback()
            raise
    if applied.outcome == "refused":
        return _error(409, applied.note or "refused")
    return jsonify(result="ok")


def _record(name, raw: bytes, found, outcome: str, note: str | None) -> None:
    db.session.add(
        PaymentCallback(
            provider=name,
            provider_tx_id=found.provider_tx_id if found else None,
            reference=found.reference if found else None,
            status=found.status if found else None,
            raw=_storable(providers.masked_card_numbers(raw.decode("utf-8", "replace")))[:20_000],
            outcome=outcome,
            note=_storable(note or "")[:300] or None,
        )
    )


def _storable(text: str) -> str:
    """Text a database column can hold: PostgreSQL's refuse NUL (a body may be anything)."""
    return text.replace("\x00", "\ufffd")


def _keep(name, raw, found, outcome, note) -> None:
    try:
        _record(name, raw, found, outcome, note)
        commit()
    except Exception:
        rollback()
        raise
