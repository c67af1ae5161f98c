"""The cashier on the player door.

GET /cashier: the deposit form (`amount`, `currency`, `provider`, optional `bonus_code`),
the withdrawal form (`amount`, `currency`, `provider`, `requisite`), and the player's
deposits and withdrawals with their states (a pending withdrawal can be cancelled).
POST /cashier (CSRF) records a deposit and sends the player to the provider's page, which
returns them to GET /cashier/deposits/<reference>. POST /cashier/withdraw and POST
/cashier/withdrawals/<id>/cancel (CSRF).
"""

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import i18n
from portal.database import commit, rollback, transactional
from portal.extensions import db
from portal.i18n import N_
from portal.limits import checks
from portal.limits import words as limit_words
from portal.payments import deposits, withdrawals
from portal.payments.models import Deposit, Withdrawal
from portal.payments.words import STATE_WORDS
from portal.player.blueprint import bp
from portal.player.forms import ButtonForm


@bp.get("/cashier")
@login_required
@transactional
def cashier():
    return _page()


@bp.post("/cashier")
@login_required
def deposit():
    if expired := _expired_form():
        return expired
    player = current_user.player
    values = request.form
    try:
        started = deposits.start(
            player,
            i18n.typed_amount(values.get("amount")),
            values.get("currency", ""),
            values.get("provider", ""),
            values.get("bonus_code"),
        )
        back = url_for("player.deposit_state", reference=started.reference, _external=True)
        target = deposits.payment_url(started, back)
        commit()
    except deposits.CashierRefused as exc:
        rollback()
        flash(_words(exc), "warning")
        page = _page(values)
        rollback()
        return page, 422
    return redirect(target)


@bp.get("/cashier/deposits/<reference>")
@login_required
@transactional
def deposit_state(reference: str):
    found = db.session.scalar(select(Deposit).where(Deposit.reference == reference))
    if found is None or found.player_id != current_user.player.id:
        abort(404)
    return render_template("cashier/deposit.html", deposit=found, words=STATE_WORDS)


@bp.post("/cashier/withdraw")
@login_required
def withdraw():
    if expired := _expired_form():
        return expired
    values = request.form
    try:
        asked = withdrawals.ask(
            current_user.player,
            i18n.typed_amount(values.get("amount")),
            values.get("currency", ""),
            values.get("provider", ""),
            values.get("requisite", ""),
        )
        asked_id = asked.id
        commit()
    except deposits.CashierRefused as exc:
        rollback()
        flash(_words(exc), "warning")
        page = _page(values)
        rollback()
        return page, 422
    flash(_("Your withdrawal is requested: the amount is held until it is paid."), "success")
    return redirect(url_for("player.cashier", _anchor=f"withdrawal-{asked_id}"))


@bp.post("/cashier/withdrawals/<int:withdrawal_id>/cancel")
@login_required
def cancel_withdrawal(withdrawal_id: int):
    if expired := _expired_form():
        return expired
    try:
        withdrawals.cancel(current_user.player.id, withdrawal_id)
        commit()
    except deposits.CashierRefused as exc:
        rollback()
        flash(_words(exc), "warning")
        return redirect(url_for("player.cashier"))
    flash(_("Your withdrawal is cancelled: the amount is back in your balance."), "success")
    return redirect(url_for("player.cashier"))


def _expired_form():
    """The answer to a cashier form whose CSRF token has expired (None: it is valid)."""
    if ButtonForm().validate_on_submit():
        return None
    rollback()
    flash(_("The form has expired: please try again."), "warning")
    return redirect(url_for("player.cashier"))


def _page(values=None):
    player = current_user.player
    methods = deposits.methods(player.brand_id)
    providers = sorted({m.provider for m in methods})
    mine = db.session.scalars(
        select(Deposit).where(Deposit.player_id == player.id).order_by(Deposit.id.desc()).limit(50)
    ).all()
    asked = db.session.scalars(
        select(Withdrawal)
        .where(Withdrawal.player_id == player.id)
        .order_by(Withdrawal.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "cashier/cashier.html",
        methods=methods,
        providers=providers,
        requisites={p: withdrawals.requisites(player.id, p) for p in providers},
        deposits=mine,
        withdrawals=asked,
        values=values or {},
        words=STATE_WORDS,
        currency=player.active_currency,
        form=ButtonForm(),
        deposit_rooms=_deposit_rooms(player, methods),
        room_words=limit_words.deposit_room,
    )


def _deposit_rooms(player, methods) -> dict:
    """What the player's deposit limits still allow now, per offered currency that has one."""
    rooms = {}
    for currency in sorted({m.currency for m in methods}):
        if (room := checks.deposit_room(player.id, currency)) is not None:
            rooms[currency] = room
    return rooms


OTHER_REFUSAL = N_("The cashier could not do this.")


def _words(exc: deposits.CashierRefused) -> str:
    """The refusal in the page's language: the core's texts are marked for the catalogs
    (its details are said by portal.limits.words in the page's language already)."""
    if exc.code == "bonus_code" and exc.detail:  # why this code is not for the player now
        return _(exc.detail)
    if exc.code in ("blocked", "limit") and exc.detail:  # why, and what is still allowed
        return exc.detail
    words = _(deposits.WORDS.get(exc.code, OTHER_REFUSAL))
    if exc.code in ("below_min", "above_max"):
        words += f" ({_shown_amount(exc.detail)})."
    return words


def _shown_amount(detail: str) -> str:
    """ "1234.50 EUR" (the core's detail) in the page's locale: "1.234,50 EUR"."""
    figure, _space, currency = detail.partition(" ")
    try:
        return f"{i18n.amount(Decimal(figure))} {currency}".strip()
    except InvalidOperation:
        return detail
