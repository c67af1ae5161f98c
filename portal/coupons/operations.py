"""Placing a coupon: the stake is held with the coupon's record, the service is asked
between two transactions, and its answer decides (seed 004).

    coupon = place(player, Slip(["line#586464528|17|954|2.5#4.27"], "2.00", "reject"), "en")

1. one transaction: the slip is checked against the line, the coupon recorded ("placing")
   and its stake debited (wallet key "<coupon id>:stake", source "coupons"); committed;
2. no transaction: the service is asked (portal.coupons.client), so no lock on the
   player's account is held while it answers;
3. one transaction: placed -> "open" with its barcode; refused -> "refused", the stake
   refunded (key "<coupon id>:refund") and the reason kept (for odds changes, the new
   odds); no answer -> "unknown", the stake still held, for an operator to resolve.

A coupon left "placing" (the process died between 1 and 3) is unknown as well.

A slip may carry a one-time key (the slip form's hidden `slip`): the same key sent again by
the same player (a double click, a resend after a lost answer) is the same coupon, which
`place` returns as it stands; it is never recorded or sent twice.
"""

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import money
from portal.accounts import facts
from portal.coupons import betstrings, client, line
from portal.coupons.models import Coupon, CouponSelection
from portal.database import commit, rollback
from portal.errors import DomainError
from portal.extensions import db
from portal.limits import rules, words
from portal.limits.errors import LimitReached, PlayRefused
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet

log = logging.getLogger(__name__)
SOURCE = "coupons"
MAX_SELECTIONS = 20
RATE_MODES = ("accept", "reject")
STALE_PLACING = timedelta(minutes=5)  # "placing" longer than this: the process died
MAX_TOTAL_ODDS = Decimal(10) ** 9  # a coupon's odds (and its potential win) stay storable
SLIP_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class CouponRefused(DomainError):
    """The slip cannot become a coupon; `code` names why (see REASONS)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


REASONS = {
    "no_selection": "Pick at least one outcome.",
    "too_many": f"A coupon holds at most {MAX_SELECTIONS} selections.",
    "bad_selection": "A selection is not in the format of the bet slip.",
    "one_per_match": "Pick at most one outcome per match.",
    "not_offered": "An outcome is no longer offered: reload the bet slip.",
    "odds_moved": "The odds of an outcome have changed: check them and place again.",
    "bad_stake": "Enter a stake greater than zero.",
    "bad_mode": "Choose whether changed odds are accepted.",
    "currency": "Your currency cannot be used on the bet slip.",
    "funds": "Your balance is too low for this stake.",
    "blocked": "Your account may not place bets.",
    "limit": "This stake would cross a limit you set.",
    "unavailable": "Coupons cannot be placed just now.",
    "odds_too_high": "The total odds of these selections are too high for one coupon.",
    "bad_slip": "The bet slip has expired: reload it and place again.",
}


@dataclass(frozen=True)
class Slip:
    selections: list  # bet strings as the form sent them
    stake: str
    rate_mode: str = "reject"
    key: str | None = None  # the form's one-time key (see above)


def place(player, slip: Slip, lang: str = "en") -> Coupon:
    """Record, send and settle the answer of one coupon (commits twice; see above). A slip
    whose key this player has sent before gives back that coupon, unchanged."""
    if slip.key is not None and not SLIP_KEY.fullmatch(slip.key):
        raise CouponRefused("bad_slip")
    earlier = _slip_coupon(player.id, slip.key)
    if earlier is not None:
        return earlier
    try:
        coupon_id = _record(player, slip, lang)
        commit()
    except IntegrityError:  # the same key at the same moment: the other request's coupon
        rollback()
        earlier = _slip_coupon(player.id, slip.key)
        if earlier is None:
            raise
        log.info("coupon %s: its slip was sent again at the same moment", earlier.id)
        return earlier
    coupon = db.session.get(Coupon, coupon_id)
    data = placement_data(coupon)
    commit()  # (nothing written) the service is asked outside any transaction
    try:
        outcome = client.place(data)
    except Exception as exc:  # whatever went wrong, it may have been sent: unknown
        log.exception("coupon %s: placing it failed", coupon_id)
        rollback()
        outcome = client.Unknown(f"the placement failed: {type(exc).__name__}")
    try:
        coupon = apply_answer(coupon_id, outcome)
        commit()
    except Exception:
        rollback()
        raise
    return coupon


def _slip_coupon(player_id: int, key: str | None) -> Coupon | None:
    if key is None:
        return None
    return db.session.scalar(
        select(Coupon).where(Coupon.player_id == player_id, Coupon.slip_key == key)
    )


def placement_data(coupon: Coupon) -> dict:
    """The seed's "data" object of a coupon's placement."""
    return {
        "list_bets": [s.bet for s in coupon.selections],
        "realAmount": money.format_amount(coupon.stake, coupon.currency),
        "currency": coupon.currency,
        "lang": coupon.lang,
        "remote_host": remote_host(),
        "rate_mode": coupon.rate_mode,
    }


def remote_host() -> str:
    """Where the service posts results (it appends /api/bet/result)."""
    config = current_app.config
    return f"{config['PUBLIC_URL'].rstrip('/')}/betcalc/{config['BETCALC_RESULT_SECRET']}"


def _record(player, slip: Slip, lang: str) -> int:
    refusal = rules.refusal_of(player, utcnow())
    if refusal is not None:
        raise CouponRefused("blocked", words.refusal_words(refusal.reason, refusal.until))
    if slip.rate_mode not in RATE_MODES:
        raise CouponRefused("bad_mode")
    if not current_app.config["BETCALC_RESULT_SECRET"]:  # results could never arrive
        log.error("coupons refused: BETCALC_RESULT_SECRET is not set")
        raise CouponRefused("unavailable")
    chosen = _selections(slip.selections)
    currency = player.active_currency
    holder = wallet.Holder(player.id, facts.brand_currencies(player.brand_id))
    try:
        stake = wallet.minor_units(holder, currency, slip.stake)
    except wallet_errors.CurrencyNotAllowed:
        raise CouponRefused("currency") from None
    except wallet_errors.InvalidAmount:
        raise CouponRefused("bad_stake") from None
    odds = Decimal(1)
    for bet, _event, _outcome in chosen:
        odds *= bet.odds_value
    odds_text = format(odds.quantize(Decimal("0.0001")).normalize(), "f")
    if odds > MAX_TOTAL_ODDS:
        raise CouponRefused("odds_too_high")
    coupon = Coupon(
        player_id=player.id,
        slip_key=slip.key,
        currency=currency,
        stake=stake,
        odds=odds_text,
        rate_mode=slip.rate_mode,
        lang=(lang or "en")[:5],
        status="placing",
    )
    coupon.selections = [
        CouponSelection(
            position=i,
            event_type=bet.event_type,
            match_id=bet.match_id,
            bet_code=bet.bet_code,
            odds=bet.odds,
            event=event.title,
            market=outcome.market,
            outcome=outcome.name,
            start_at=event.start_at,
        )
        for i, (bet, event, outcome) in enumerate(chosen)
    ]
    db.session.add(coupon)
    db.session.flush()
    try:
        wallet.debit(
            holder,
            currency,
            money.format_amount(stake, currency),
            source=SOURCE,
            external_id=f"{coupon.id}:stake",
            reference=f"coupon:{coupon.id}",
            existing=None,
        )
    except wallet_errors.InsufficientFunds:
        raise CouponRefused("funds") from None
    except LimitReached as exc:
        raise CouponRefused("limit", words.limit_words(exc)) from None
    except PlayRefused as exc:
        raise CouponRefused("blocked", words.refusal_words(exc.reason, exc.until)) from None
    return coupon.id


def _selections(texts) -> list:
    if not texts:
        raise CouponRefused("no_selection")
    if len(texts) > MAX_SELECTIONS:
        raise CouponRefused("too_many")
    chosen, matches = [], set()
    for text in texts:
        try:
            bet = betstrings.parse(text)
        except betstrings.BadBetString as exc:
            raise CouponRefused("bad_selection", str(exc)) from None
        if bet.match_id in matches:
            raise CouponRefused("one_per_match")
        matches.add(bet.match_id)
        found = line.outcome_of(bet)
        if found is None:
            raise CouponRefused("not_offered", str(bet))
        event, outcome = found
        if Decimal(outcome.odds) != bet.odds_value:
            raise CouponRefused("odds_moved", f"{outcome.name}: {outcome.odds}")
        chosen.append((bet, event, outcome))
    return chosen


def apply_answer(coupon_id: int, outcome) -> Coupon:
    """Write what the service answered for a coupon "placing" (its row locked first)."""
    from portal.coupons import results

    coupon = _locked(coupon_id)
    if coupon.status != "placing":  # an operator resolved it first (it was stale)
        log.error(
            "coupon %s: the service's answer %r came after an operator resolved it as %s",
            coupon.id,
            outcome,
            coupon.status,
        )
        return coupon
    if isinstance(outcome, client.Placed):
        results.lock_barcode(outcome.bar_code)
    if isinstance(outcome, client.Placed) and _barcode_taken(outcome.bar_code):
        outcome = client.Unknown(f"the service's betCode {outcome.bar_code} is another coupon's")
    if isinstance(outcome, client.Placed):
        coupon.status, coupon.barcode = "open", outcome.bar_code
        if coupon.rate_mode == "accept":  # the odds the service took, when it says them
            coupon.odds = _service_odds(outcome.answer.get("Coef")) or coupon.odds
        db.session.flush()
        results.replay_unmatched(coupon)  # results that came before this answer
    elif isinstance(outcome, client.Refused):
        _refund(coupon)
        coupon.status = "refused"
        coupon.refusal_code = outcome.code if isinstance(outcome.code, int) else None
        coupon.refusal_message = (outcome.message or str(outcome.code))[:300]
        coupon.changed = json.dumps(outcome.changed) if outcome.changed else None
        if outcome.code == 2 and outcome.changed:
            line.take_service_odds(coupon.selections, outcome.changed)
    else:
        coupon.status = "unknown"
        coupon.refusal_message = outcome.reason[:300]
    db.session.flush()
    return coupon


def _resolvable(coupon: Coupon) -> None:
    """Only an unknown coupon, or one left placing for longer than STALE_PLACING, may be
    resolved by an operator (a fresh one still waits for the service's answer)."""
    stale = coupon.status == "placing" and coupon.created_at < utcnow() - STALE_PLACING
    if coupon.status != "unknown" and not stale:
        raise CouponRefused("not_unknown", coupon.status)


def _service_odds(coef) -> str | None:
    """The service's `Coef` as exact odds text, or None when it is not odds."""
    if isinstance(coef, bool) or not isinstance(coef, int | float | str):
        return None
    try:
        return betstrings.check_odds(format(Decimal(str(coef)), "f"))
    except (InvalidOperation, betstrings.BadBetString):
        log.warning("the service's Coef %r is not odds; the slip's are kept", coef)
        return None


def potential_win(stake: Decimal, odds: Decimal, currency: str) -> Decimal:
    """What a coupon pays if it wins as placed: stake x odds, to the currency's digits."""
    return (stake * odds).quantize(Decimal(1).scaleb(-money.digits(currency)))


def _barcode_taken(barcode: str) -> bool:
    return db.session.scalar(select(Coupon.id).where(Coupon.barcode == barcode)) is not None


def resolve_refused(coupon_id: int, note: str) -> Coupon:
    """An operator's word: the service never took this unknown coupon (refund)."""
    coupon = _locked(coupon_id)
    _resolvable(coupon)
    _refund(coupon)
    coupon.status, coupon.refusal_message = "refused", f"resolved by an operator: {note}"[:300]
    db.session.flush()
    return coupon


def resolve_placed(coupon_id: int, barcode: str) -> Coupon:
    """An operator's word: the service took this unknown coupon under `barcode` (results
    recorded for it before are applied now, in the order they came)."""
    from portal.coupons import results

    coupon = _locked(coupon_id)
    _resolvable(coupon)
    barcode = (barcode or "").strip()
    if not barcode or len(barcode) > 100:
        raise CouponRefused("bad_barcode", "a barcode of 1 to 100 characters")
    results.lock_barcode(barcode)
    if _barcode_taken(barcode):
        raise CouponRefused("bad_barcode", f"{barcode} belongs to another coupon")
    coupon.status, coupon.barcode = "open", barcode
    db.session.flush()
    results.replay_unmatched(coupon)
    return coupon


def unknown_condition():
    """The WHERE clause of unknown coupons: unknown, or placing for too long (the CLI's
    list, the back office's queue and its dashboard count)."""
    stale = utcnow() - STALE_PLACING
    return (Coupon.status == "unknown") | (
        (Coupon.status == "placing") & (Coupon.created_at < stale)
    )


def unknown_coupons() -> list[Coupon]:
    """Coupons whose placement nobody knows the end of: unknown, or placing for too long."""
    return list(db.session.scalars(select(Coupon).where(unknown_condition()).order_by(Coupon.id)))


def holder_of(coupon: Coupon) -> wallet.Holder:
    return wallet.holder_of(coupon.player_id)


def _refund(coupon: Coupon) -> None:
    wallet.refund_stake(
        holder_of(coupon),
        coupon.currency,
        source=SOURCE,
        external_id=f"{coupon.id}:refund",
        original_external_id=f"{coupon.id}:stake",
        reference=f"coupon:{coupon.id}",
    )


def _locked(coupon_id: int) -> Coupon:
    coupon = db.session.scalar(
        select(Coupon)
        .where(Coupon.id == coupon_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if coupon is None:
        raise CouponRefused("no_coupon", str(coupon_id))
    return coupon
