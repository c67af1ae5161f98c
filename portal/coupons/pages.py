"""The bet slip and the player's coupons (HTML, on the player door).

GET /coupons shows the line: every offered outcome is a checkbox named `selection` whose
value is its full bet string, with `stake` and `rate_mode` (accept | reject). POST /coupons
(with CSRF) either shows the potential win (`preview`) or places the coupon; it works
without JavaScript, and a small script shows the potential win as the player picks. Each
rendered slip carries a one-time key (`slip`): sending the same form twice gives the one
coupon it placed (operations.place).
"""

import json
import secrets
from decimal import Decimal, InvalidOperation

from babel.numbers import get_decimal_symbol
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from portal import i18n, money
from portal.coupons import betstrings, line, operations
from portal.coupons.models import Coupon
from portal.database import rollback, transactional
from portal.extensions import db
from portal.player.blueprint import bp, players_own
from portal.player.forms import ButtonForm

STATUS_WORDS = {
    "placing": _l("Being placed"),
    "open": _l("Open"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "returned": _l("Returned"),
    "refused": _l("Refused"),
    "unknown": _l("Awaiting confirmation"),
}
SERVICE_REFUSALS = {
    1: _l("The bookmaker did not accept these selections (one may be blocked or repeated)."),
    2: _l("The odds have changed."),
    3: _l("An outcome is no longer offered."),
    99: _l("The bookmaker could not take coupons just now."),
}
# why the slip could not become a coupon (operations.REASONS), as the page says it
REASON_WORDS = {
    "no_selection": _l("Pick at least one outcome."),
    "bad_selection": _l("A selection is not in the format of the bet slip."),
    "one_per_match": _l("Pick at most one outcome per match."),
    "not_offered": _l("An outcome is no longer offered: reload the bet slip."),
    "odds_moved": _l("The odds of an outcome have changed: check them and place again."),
    "bad_stake": _l("Enter a stake greater than zero."),
    "bad_mode": _l("Choose whether changed odds are accepted."),
    "currency": _l("Your currency cannot be used on the bet slip."),
    "funds": _l("Your balance is too low for this stake."),
    "blocked": _l("Your account may not place bets."),
    "limit": _l("This stake would cross a limit you set."),
    "unavailable": _l("Coupons cannot be placed just now."),
    "odds_too_high": _l("The total odds of these selections are too high for one coupon."),
    "bad_slip": _l("The bet slip has expired: reload it and place again."),
}
# a result the calculation service posted (its Status), and what the portal did with it
RESULT_WORDS = {2: _l("won"), 3: _l("returned"), 4: _l("lost")}
APPLIED_WORDS = {
    "applied": _l("applied"),
    "repeated": _l("repeated"),
    "recorded": _l("recorded"),
    "unknown": _l("unknown"),
    "refused": _l("refused"),
}


@bp.get("/coupons")
@transactional
def coupons():
    return _slip()


@bp.post("/coupons")
@login_required
def place_coupon():
    form = ButtonForm()
    chosen = request.form.getlist("selection")
    stake = i18n.typed_amount(request.form.get("stake"))
    mode = request.form.get("rate_mode", "reject")
    if not form.validate_on_submit():
        rollback()
        flash(_("The form has expired: please try again."), "warning")
        return redirect(url_for("player.coupons"))
    if "preview" in request.form:
        page = _slip(chosen, stake, mode)
        rollback()
        return page
    try:
        player = current_user.player
        slip = operations.Slip(chosen, stake, mode, request.form.get("slip") or None)
        coupon = operations.place(player, slip, player.language or "en")
    except operations.CouponRefused as exc:
        rollback()
        flash(_refusal_words(exc), "warning")
        page = _slip(chosen, stake, mode)
        rollback()
        return page, 422
    coupon_id, status = coupon.id, coupon.status
    db.session.commit()
    if status == "open":
        flash(_("Your coupon is placed."), "success")
    elif status == "unknown":
        flash(
            _(
                "The bookmaker has not confirmed your coupon yet. Your stake is held until it "
                "does; you will see the coupon's state here."
            ),
            "warning",
        )
    return redirect(url_for("player.coupon", coupon_id=coupon_id))


@bp.get("/coupons/mine")
@login_required
@transactional
def my_coupons():
    found = db.session.scalars(
        select(Coupon)
        .where(Coupon.player_id == current_user.player.id)
        .order_by(Coupon.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "coupons/mine.html", coupons=found, words=STATUS_WORDS, amount=_amount, potential=_potential
    )


@bp.get("/coupons/<int:coupon_id>")
@login_required
@transactional
def coupon(coupon_id: int):
    found = players_own(Coupon, coupon_id)
    return render_template(
        "coupons/coupon.html",
        coupon=found,
        words=STATUS_WORDS,
        amount=_amount,
        plain=_plain,
        potential=_potential,
        refusal=_service_refusal(found),
        retry=_retry(found),
        result_words=RESULT_WORDS,
        applied_words=APPLIED_WORDS,
        form=ButtonForm(),
        slip_key=new_slip_key(),
    )


def _slip(chosen=(), stake: str = "", mode: str = "reject"):
    events = line.offered()
    picked = set(chosen)
    odds = _odds_of(chosen)
    currency = current_user.player.active_currency if current_user.is_authenticated else None
    win = None
    if odds is not None and currency:
        try:
            win = operations.potential_win(money.parse_amount(stake, currency), odds, currency)
        except (money.InvalidAmount, InvalidOperation):
            win = None
    return render_template(
        "coupons/slip.html",
        events=events,
        picked=picked,
        stake=stake,
        mode=mode,
        odds=odds,
        win=win,
        currency=currency,
        decimals=money.digits(currency) if currency else 2,
        decimal_symbol=get_decimal_symbol(get_locale() or i18n.DEFAULT),
        form=ButtonForm(),
        slip_key=new_slip_key(),
    )


def new_slip_key() -> str:
    """A rendered slip form's one-time key."""
    return secrets.token_urlsafe(18)


def _odds_of(chosen) -> Decimal | None:
    total = Decimal(1)
    for text in chosen:
        try:
            total *= betstrings.parse(text).odds_value
        except betstrings.BadBetString:
            return None
    return total.quantize(Decimal("0.0001")).normalize() if chosen else None


def _plain(coupon: Coupon, minor: int) -> str:
    """An amount for a form's value: a plain decimal in every language."""
    return money.format_amount(minor, coupon.currency)


def _amount(coupon: Coupon, minor: int) -> str:
    """An amount to read, in the page's language."""
    return i18n.amount(minor, coupon.currency)


def _potential(coupon: Coupon) -> str:
    stake = money.from_minor(coupon.stake, coupon.currency)
    return i18n.amount(operations.potential_win(stake, Decimal(coupon.odds), coupon.currency))


def _refusal_words(exc: operations.CouponRefused) -> str:
    if exc.code == "too_many":
        return _("A coupon holds at most %(count)s selections.", count=operations.MAX_SELECTIONS)
    words = str(REASON_WORDS.get(exc.code) or _("The coupon could not be placed."))
    if exc.code == "odds_moved" and exc.detail:
        words += f" ({exc.detail})"
    if exc.code in ("blocked", "limit") and exc.detail:  # which limit, what is still allowed
        words = exc.detail
    return words


def _service_refusal(coupon: Coupon) -> str | None:
    if coupon.status != "refused":
        return None
    words = SERVICE_REFUSALS.get(coupon.refusal_code)
    if words is None:  # the login was refused, or a code the service does not document
        words = _l("The bookmaker did not accept the coupon.")
    return _("%(reason)s Your stake has been returned.", reason=words)


def _retry(coupon: Coupon) -> list[dict] | None:
    """For a coupon refused because odds changed: each selection with its new odds (the
    bet strings to place again)."""
    if coupon.status != "refused" or coupon.refusal_code != 2 or not coupon.changed:
        return None
    try:
        changed = {str(c.get("gid")): str(c.get("rg")) for c in json.loads(coupon.changed)}
    except (ValueError, AttributeError, TypeError):
        return None
    rows = []
    for selection in coupon.selections:
        odds = changed.get(selection.match_id, selection.odds)
        try:
            odds = betstrings.check_odds(odds)
        except betstrings.BadBetString:
            return None
        bet = f"{selection.event_type}#{selection.match_id}|{selection.bet_code}#{odds}"
        rows.append(
            {"selection": selection, "odds": odds, "bet": bet, "moved": odds != selection.odds}
        )
    return rows
