"""BETCORE's calls to the portal (Casino API for Aggregator), mounted at /betcore.

Each view verifies the JWT first (betcore.verified_data), calls one casino operation and
answers in the envelope with HTTP 200, errors included (codes in betcore.CODES).
"""

from flask import Blueprint

from portal.casino import operations
from portal.casino.betcore import BetcoreError, envelope, verified_data
from portal.database import transactional
from portal.extensions import csrf, db

bp = Blueprint("betcore", __name__, url_prefix="/betcore")
csrf.exempt(bp)


@bp.errorhandler(BetcoreError)
def refused(exc: BetcoreError):
    return envelope(exc.value, exc.code)


def render_http_error(status: int, _description: str):
    """HTTP-level errors under /betcore, still in the envelope and with HTTP 200."""
    return envelope(None, 100500 if status >= 500 else 100400)


@bp.post("/users/auth")
@transactional
def users_auth():
    data = verified_data()
    auth = operations.authenticate(data.get("RefreshToken"), data.get("TagId"))
    player = auth.player
    return envelope(
        {
            "PartnerUserId": str(player.id),
            "UserName": player.login_name or f"player{player.id}",
            "Currency": auth.currency,
            "Balance": operations.balance(player, auth.currency),
            "Language": player.language,
            "RefreshToken": auth.token,
            "SessionId": auth.session.id,
        }
    )


@bp.post("/users/data")
@transactional
def users_data():
    data = verified_data()
    player = operations.find_player(data.get("PartnerUserId"))
    return envelope({"Balance": operations.balance(player)})


def _payment_value(payment: operations.Payment) -> dict:
    return {
        "PartnerTransactionId": payment.transaction_id,
        "Balance": format(payment.balance, "f"),
        "Currency": payment.currency,
    }


@bp.post("/payments/make")
@transactional
def payments_make():
    return envelope(_payment_value(operations.make_payment(verified_data())))


@bp.post("/payments/make-list")
@transactional
def payments_make_list():
    data = verified_data()
    items = data.get("Payments", data.get("Items"))
    if not isinstance(items, list) or not items or len(items) > 100:
        raise BetcoreError(100400)
    operations.lock_batch(items)
    answers = []
    for item in items:
        answer = {
            "BetId": item.get("BetId") if isinstance(item, dict) else None,
            "TransactionType": item.get("TransactionType") if isinstance(item, dict) else None,
        }
        try:
            if not isinstance(item, dict):
                raise BetcoreError(100400)
            with db.session.begin_nested():  # each item stands or falls alone
                payment = operations.make_payment(item)
        except BetcoreError as exc:
            answers.append(
                {**answer, "ErrorCode": exc.code, "Message": str(exc), "Value": exc.value}
            )
        else:
            answers.append(
                {**answer, "ErrorCode": 200, "Message": "Success", "Value": _payment_value(payment)}
            )
    return envelope(answers)


@bp.post("/cashback-payments/make")
@transactional
def cashback_make():
    return envelope(_payment_value(operations.make_cashback(verified_data())))


@bp.post("/payments/info")
@transactional
def payments_info():
    return envelope(operations.payment_info(verified_data()))


@bp.post("/payments/close")
@transactional
def payments_close():
    bet = operations.close_bet(verified_data())
    return envelope({"BetId": bet.bet_id, "IsClosed": bet.closed})
