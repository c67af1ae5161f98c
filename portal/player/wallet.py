"""Player wallet pages: balances, history, the active currency."""

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.accounts import operations
from portal.accounts.errors import ValidationFailed
from portal.database import transactional
from portal.player.blueprint import bp, text
from portal.player.forms import ButtonForm
from portal.wallet import queries

KINDS = (
    "stake",
    "win",
    "refund",
    "reversal",
    "jackpot",
    "cashback",
    "adjustment",
    "deposit",
    "withdrawal",
    "withdrawal_return",
    "bonus",
    "bonus_conversion",
    "bonus_forfeit",
)
LABELS = {
    "stake": "Bet",
    "win": "Win",
    "refund": "Bet returned",
    "reversal": "Win taken back",
    "jackpot": "Jackpot",
    "cashback": "Cashback",
    "adjustment": "Adjustment",
    "deposit": "Deposit",
    "withdrawal": "Withdrawal",
    "withdrawal_return": "Withdrawal returned",
    "bonus": "Bonus",
    "bonus_conversion": "Bonus converted to real money",
    "bonus_forfeit": "Bonus forfeited",
}


def label(transaction) -> str:
    """How a player reads a transaction ("Bet lost" for a zero payout)."""
    if transaction.kind == "win" and transaction.amount == 0:
        return "Bet lost"
    return LABELS.get(transaction.kind, transaction.kind)


@bp.get("/wallet")
@login_required
@transactional
def wallet():
    player = current_user.player
    return render_template(
        "player/wallet.html", player=player, balances=queries.balances(player), form=ButtonForm()
    )


@bp.post("/wallet/currency")
@login_required
@transactional
def switch_currency():
    if ButtonForm().validate_on_submit():
        try:
            operations.set_active_currency(current_user.player, request.form.get("currency"))
        except ValidationFailed as exc:
            flash(text(exc.errors[0].code), "warning")
        else:
            flash(f"You now play in {current_user.player.active_currency}.", "success")
    return redirect(url_for("player.wallet"))


def _date(name: str) -> datetime | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        abort(400, f"{name} must be a date (YYYY-MM-DD).")


@bp.get("/wallet/history")
@login_required
@transactional
def history():
    player = current_user.player
    currency = request.args.get("currency") or None
    kind = request.args.get("kind") or None
    if currency not in (None, *player.brand.currency_list) or kind not in (None, *KINDS):
        abort(400, "Unknown currency or kind.")
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or not 0 < int(page) < 100_000:
        abort(400, "page must be a positive number.")
    since, until = _date("from"), _date("to")
    result = queries.history(
        player,
        currency=currency,
        kind=kind,
        since=since,
        until=until + timedelta(days=1) if until else None,
        page=int(page),
    )
    return render_template(
        "player/history.html",
        label=label,
        labels=LABELS,
        player=player,
        result=result,
        kinds=KINDS,
        filters={
            "currency": currency or "",
            "kind": kind or "",
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        },
    )
