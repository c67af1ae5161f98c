"""The transaction history in words: what each ledger row was, found in batches.

A wallet transaction names what it belongs to by its source and reference (the vendors'
modules write them): BETCORE "<BetId>" (a casino round) or "cashback <id>"; Betsy the bet's
transactionId; the bet slip "coupon:<id>"; the cashier "deposit:<reference>" and
"withdrawal:<id>"; bonuses "bonus:<assignment id>" (or "transaction:<id>" for a late
share forfeited); the back office's adjustments carry a reason. `describe(rows)` looks the
things of one history page up with a fixed number of statements (one or two per kind of
thing, whatever the number of rows) and says for each row what happened, its result where
it is a bet, a short reference and the page that shows it.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import money
from portal.bonuses.models import BonusAssignment
from portal.bonuses.pages import STATE_WORDS as BONUS_STATES
from portal.casino.models import CasinoBet, CasinoPayment, GameSession
from portal.coupons.models import Coupon
from portal.coupons.pages import STATUS_WORDS as COUPON_STATES
from portal.extensions import db
from portal.i18n import amount
from portal.payments.models import Deposit, Withdrawal
from portal.payments.words import STATE_WORDS
from portal.sportsbook.models import SportsBet, SportsEvent, SportsSelection
from portal.wallet.models import Transaction

SHOWN_SELECTIONS = 3  # a row names this many selections of a bet, then "and N more"

# BETCORE's TransactionType (portal.casino.operations)
STAKE, PAYOUT, REFUND, PAYOUT_RETURN, JACKPOT = -1, 1, 2, -2, 4

SPORTS_RESULTS = {
    "placed": _l("Open"),
    "unsettled": _l("Open again (result withdrawn)"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "refund": _l("Returned"),
    "cashout": _l("Cashed out"),
    "rolled_back": _l("Cancelled, stake returned"),
}
COUPON_RESULTS = {**COUPON_STATES, "refused": _l("Refused, stake returned")}
CASINO_RESULTS = {
    "open": _l("Open"),
    "won": _l("Won"),
    "lost": _l("Lost"),
    "returned": _l("Stake returned"),
}
WON = ("won", "cashout")  # results that name what was paid


@dataclass(frozen=True)
class Row:
    """One history row as the player reads it."""

    transaction: Transaction
    words: str  # what happened
    result: str | None = None  # a bet's result ("Lost", "Won 20.00 EUR", "Open")
    status: str | None = None  # the result's code (data-result on the row)
    reference: str | None = None  # short and readable ("Round 12", "Coupon 7")
    url: str | None = None  # the page showing it
    is_state: bool = False  # `result` is a payment's or bonus's state, not a bet's result


def describe(transactions: list[Transaction]) -> list[Row]:
    by_kind = defaultdict(list)
    for t in transactions:
        by_kind[_kind_of(t)].append(t)
    found = {}
    for kind, rows in by_kind.items():
        describer = DESCRIBERS.get(kind)
        if describer is not None:
            found.update(describer(rows))
    return [found.get(t.id) or _plain(t) for t in transactions]


def _kind_of(t: Transaction) -> str | None:
    ref = t.reference or ""
    if t.source == "betcore":
        return "cashback" if t.kind == "cashback" else "casino"
    if t.source == "betsy":
        return "sports"
    if ref.startswith("coupon:"):
        return "coupon"
    if ref.startswith("deposit:"):
        return "deposit"
    if ref.startswith("withdrawal:"):
        return "withdrawal"
    if ref.startswith("bonus:"):
        return "bonus"
    return None


def _plain(t: Transaction) -> Row:
    if t.kind == "adjustment":
        return Row(t, _("Adjustment: %(reason)s", reason=t.reason or "-"))
    if t.kind == "cashback":
        return Row(t, _("Cashback from the casino"))
    if t.source == "bonuses":  # a bet's bonus share forfeited after its bonus ended
        return Row(t, _("Bonus share of a late win or return forfeited"))
    return Row(t, str(t.reference or t.reason or ""))


def money_text(minor: int, currency: str) -> str:
    return f"{amount(money.from_minor(minor, currency))} {currency}"


def _ids(rows, prefix: str) -> dict:
    """{the id in the reference: [its rows]} for references "<prefix><id>" (ids: digits)."""
    found = defaultdict(list)
    for t in rows:
        value = (t.reference or "")[len(prefix) :]
        if value.isascii() and value.isdigit() and len(value) < 19:
            found[int(value)].append(t)
    return found


# --- casino -----------------------------------------------------------------------------


def game_name(session: GameSession | None) -> str:
    """The game as far as the portal knows it: BETCORE's casino API names none."""
    if session is not None and session.game:
        return session.game
    if session is not None and session.tag_id is not None:
        return _("Casino game (frame %(tag)s)", tag=session.tag_id)
    return _("Casino game")


def casino_result(payments: list[CasinoPayment], currency: str) -> tuple[str, str]:
    """A round's result from its payments: (code, words)."""
    kinds = {p.transaction_type: p.amount for p in payments}
    won = kinds.get(PAYOUT, 0) + kinds.get(JACKPOT, 0) - kinds.get(PAYOUT_RETURN, 0)
    if REFUND in kinds:
        return "returned", str(CASINO_RESULTS["returned"])
    if PAYOUT not in kinds and JACKPOT not in kinds:
        return "open", str(CASINO_RESULTS["open"])
    if won > 0:
        return "won", _("Won %(amount)s", amount=money_text(won, currency))
    return "lost", str(CASINO_RESULTS["lost"])


def round_reference(bet: CasinoBet) -> str:
    return _("Round %(number)s", number=bet.id)


def _casino(rows) -> dict:
    wanted = _ids(rows, "")
    if not wanted:
        return {}
    found = db.session.execute(
        select(CasinoBet, GameSession)
        .outerjoin(GameSession, GameSession.id == CasinoBet.game_session_id)
        .where(CasinoBet.bet_id.in_(list(wanted)))
    ).all()
    payments = defaultdict(list)
    for p in db.session.scalars(
        select(CasinoPayment).where(CasinoPayment.bet_id.in_([b.bet_id for b, _s in found]))
    ):
        payments[p.bet_id].append(p)
    described = {}
    for bet, session in found:
        status, result = casino_result(payments[bet.bet_id], bet.currency)
        reference = round_reference(bet)
        words = _("%(game)s, %(round)s", game=game_name(session), round=reference)
        url = url_for("player.casino_round", round_id=bet.id)
        for t in wanted[bet.bet_id]:
            described[t.id] = Row(t, words, result, status, reference, url)
    return described


# --- sports bets and coupons ----------------------------------------------------------------


def odds_text(odds) -> str:
    """Odds as the page's locale writes them, with at least two places ("2.10", "1.875")."""
    if odds is None:
        return "-"
    value = Decimal(str(odds)).normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return amount(value)


def selection_words(event: str | None, market: str | None, outcome: str | None, odds) -> str:
    """ "Arsenal - Chelsea, Match result: Arsenal at 2.10"."""
    return _(
        "%(event)s, %(market)s: %(selection)s at %(odds)s",
        event=event or "-",
        market=market or "-",
        selection=outcome or "-",
        odds=odds_text(odds),
    )


def selections_words(parts: list[str]) -> str:
    if not parts:
        return _("no selections recorded")
    shown = "; ".join(parts[:SHOWN_SELECTIONS])
    more = len(parts) - SHOWN_SELECTIONS
    if more > 0:
        return _("%(shown)s and %(count)s more", shown=shown, count=more)
    return shown


def bet_result(status: str, payout: int, currency: str, words: dict) -> str:
    said = str(words.get(status, status))
    if status in WON and payout:
        return _("%(result)s %(amount)s", result=said, amount=money_text(payout, currency))
    return said


def sports_reference(bet: SportsBet) -> str:
    return _("Sports bet %(number)s", number=bet.id)


def sports_selections(bet_ids: list[int]) -> dict[int, list[tuple]]:
    """{bet id: [(selection, event title)]} in one statement."""
    found = defaultdict(list)
    if not bet_ids:
        return found
    rows = db.session.execute(
        select(SportsSelection, SportsEvent.title)
        .outerjoin(SportsEvent, SportsEvent.id == SportsSelection.event_id)
        .where(SportsSelection.bet_id.in_(bet_ids))
        .order_by(SportsSelection.id)
    ).all()
    for selection, title in rows:
        found[selection.bet_id].append((selection, title))
    return found


def _sports(rows) -> dict:
    wanted = defaultdict(list)
    for t in rows:
        wanted[t.reference].append(t)
    bets = db.session.scalars(
        select(SportsBet).where(SportsBet.transaction_id.in_([r for r in wanted if r]))
    ).all()
    selections = sports_selections([b.id for b in bets])
    described = {}
    for bet in bets:
        parts = [
            selection_words(title, s.market, s.outcome, s.coefficient)
            for s, title in selections[bet.id]
        ]
        words = _("Sports bet: %(selections)s", selections=selections_words(parts))
        result = bet_result(bet.status, bet.payout, bet.currency, SPORTS_RESULTS)
        reference = sports_reference(bet)
        url = url_for("player.sports_bet", bet_id=bet.id)
        for t in wanted[bet.transaction_id]:
            described[t.id] = Row(t, words, result, bet.status, reference, url)
    return described


def _coupons(rows) -> dict:
    wanted = _ids(rows, "coupon:")
    coupons = db.session.scalars(
        select(Coupon).where(Coupon.id.in_(list(wanted))).options(selectinload(Coupon.selections))
    ).all()
    described = {}
    for coupon in coupons:
        parts = [selection_words(s.event, s.market, s.outcome, s.odds) for s in coupon.selections]
        words = _("Coupon: %(selections)s", selections=selections_words(parts))
        result = bet_result(coupon.status, coupon.payout, coupon.currency, COUPON_RESULTS)
        reference = _("Coupon %(number)s", number=coupon.id)
        url = url_for("player.coupon", coupon_id=coupon.id)
        for t in wanted[coupon.id]:
            described[t.id] = Row(t, words, result, coupon.status, reference, url)
    return described


# --- the cashier and bonuses ------------------------------------------------------------------


def _deposits(rows) -> dict:
    wanted = defaultdict(list)
    for t in rows:
        wanted[(t.reference or "").removeprefix("deposit:")].append(t)
    described = {}
    for deposit in db.session.scalars(select(Deposit).where(Deposit.reference.in_(list(wanted)))):
        by = " ".join(p for p in (deposit.payment_system, deposit.requisite) if p)
        words = _("Deposit by %(method)s", method=by) if by else _("Deposit")
        state = str(STATE_WORDS.get(deposit.status, deposit.status))
        url = url_for("player.deposit_state", reference=deposit.reference)
        for t in wanted[deposit.reference]:
            described[t.id] = Row(t, words, state, deposit.status, deposit.reference, url, True)
    return described


def _withdrawals(rows) -> dict:
    wanted = _ids(rows, "withdrawal:")
    described = {}
    for found in db.session.scalars(select(Withdrawal).where(Withdrawal.id.in_(list(wanted)))):
        to = " ".join(p for p in (found.payment_system, found.requisite) if p)
        state = str(STATE_WORDS.get(found.status, found.status))
        reference = _("Withdrawal %(number)s", number=found.id)
        url = url_for("player.cashier")
        for t in wanted[found.id]:
            if t.kind == "withdrawal_return":
                words = _("Withdrawal to %(account)s returned", account=to or "-")
            else:
                words = _("Withdrawal to %(account)s", account=to or "-")
            described[t.id] = Row(t, words, state, found.status, reference, url, True)
    return described


def _bonuses(rows) -> dict:
    wanted = _ids(rows, "bonus:")
    described = {}
    assignments = db.session.scalars(
        select(BonusAssignment)
        .where(BonusAssignment.id.in_(list(wanted)))
        .options(selectinload(BonusAssignment.bonus))
    )
    url = url_for("player.bonuses")
    for found in assignments:
        name = found.bonus.name
        state = str(BONUS_STATES.get(found.status, found.status))
        for t in wanted[found.id]:
            if t.kind == "bonus_conversion":
                words = _("Bonus %(name)s converted to real money", name=name)
            elif t.kind == "bonus_forfeit":
                words = _("Bonus %(name)s: the bonus money left goes back", name=name)
            else:
                words = _("Bonus %(name)s granted", name=name)
            described[t.id] = Row(t, words, state, found.status, None, url, True)
    return described


def _cashback(rows) -> dict:
    described = {}
    for t in rows:
        number = (t.reference or "").removeprefix("cashback ").strip()
        reference = _("Cashback %(number)s", number=number) if number else None
        described[t.id] = Row(t, _("Cashback from the casino"), reference=reference)
    return described


DESCRIBERS = {
    "casino": _casino,
    "cashback": _cashback,
    "sports": _sports,
    "coupon": _coupons,
    "deposit": _deposits,
    "withdrawal": _withdrawals,
    "bonus": _bonuses,
}
