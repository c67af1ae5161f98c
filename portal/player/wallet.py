"""Player wallet pages: balances, the history in words (portal/player/history_words.py),
the active currency."""

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts import operations
from portal.accounts.errors import ValidationFailed
from portal.database import transactional
from portal.player import history_words
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
    "stake": _l("Bet"),
    "win": _l("Win"),
    "refund": _l("Bet returned"),
    "reversal": _l("Win taken back"),
    "jackpot": _l("Jackpot"),
    "cashback": _l("Cashback"),
    "adjustment": _l("Adjustment"),
    "deposit": _l("Deposit"),
    "withdrawal": _l("Withdrawal"),
    "withdrawal_return": _l("Withdrawal returned"),
    "bonus": _l("Bonus"),
    "bonus_conversion": _l("Bonus converted to real money"),
    "bonus_forfeit": _l("Bonus forfeited"),
}


def label(transaction) -> str:
    """How a player reads a transaction's kind ("Bet lost" for a zero payout)."""
    if transaction.kind == "win" and transaction.amount == 0:
        return _("Bet lost")
    return str(LABELS.get(transaction.kind, transaction.kind))


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
            currency = current_user.player.active_currency
            flash(_("You now play in %(currency)s.", currency=currency), "success")
    return redirect(url_for("player.wallet"))


def _date(name: str) -> datetime | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        abort(400, _("%(name)s must be a date (YYYY-MM-DD).", name=name))


@bp.get("/wallet/history")
@login_required
@transactional
def history():
    player = current_user.player
    currency = request.args.get("currency") or None
    kind = request.args.get("kind") or None
    if currency not in (None, *player.brand.currency_list) or kind not in (None, *KINDS):
        abort(400, _("Unknown currency or kind."))
    page = request.args.get("page", "1")
    if not (page.isascii() and page.isdigit()) or not 0 < int(page) < 100_000:
        abort(400, _("page must be a positive number."))
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
        rows=history_words.describe(result.items),
        kinds=KINDS,
        filters={
            "currency": currency or "",
            "kind": kind or "",
            "from": request.args.get("from", ""),
            "to": request.args.get("to", ""),
        },
    )
