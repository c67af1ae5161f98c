"""Bonuses ("non-sticky", real money first), on the one ledger (source "bonuses"):

- granting credits the player's bonus balance (key "bonus:<id>") and sets the wagering
  requirement: the bonus times the multiplier. One bonus is active per player and currency.
- stakes take real money first and bonus money only when real money is exhausted; every
  stake while a bonus is active counts toward its wagering (portal.bonuses.wagering);
- when the requirement is met the bonus balance converts to real money up to the bonus's
  maximum (key "bonus:<id>:convert"; the rest is forfeited) and a wagering-complete event
  is recorded (its `ref`, seed 002's wageringCompleteInfoPath);
- an assignment that expires, or whose player asks for a withdrawal before completing it,
  forfeits the bonus balance (key "bonus:<id>:close").
Operations never commit; the caller does.
"""

import uuid
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal, InvalidOperation

from sqlalchemy import select

from portal import money
from portal.accounts import facts
from portal.bonuses.models import ACTIVE, COMPLETED, EXPIRED, FORFEITED, Bonus, BonusAssignment
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import N_
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from portal.wallet.models import BONUS, REAL, Account

SOURCE = "bonuses"
GRANT, CONVERT, CLOSE = "bonus", "bonus_conversion", "bonus_forfeit"  # transaction kinds


class BonusRefused(DomainError):
    """`code`: unknown | active | used | needs_deposit | too_small | currency | definition."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


WORDS = {
    "unknown": N_("This bonus code is not valid."),
    "active": N_("You already have an active bonus in this currency."),
    "needs_deposit": N_("This bonus is given with a deposit: enter its code in the cashier."),
    "too_small": N_("This deposit is too small for the bonus."),
    "used": N_("You have had this bonus already."),
    "currency": N_("The player's brand does not offer this currency."),
    "percentage": N_("This bonus is a percentage of a deposit: players claim it with one."),
}


def create(
    name, code, *, amount=None, percent=None, max_amount=None, wagering, max_conversion, days
):
    """A new bonus definition (the caller commits); BonusRefused("definition") says what
    is wrong."""
    code = (code or "").strip().upper()
    if not code or len(code) > 50:
        raise BonusRefused("definition", "a name and a code of at most 50 characters")
    fields = _definition(name, amount, percent, max_amount, wagering, max_conversion, days)
    if db.session.scalar(select(Bonus.id).where(Bonus.code == code)) is not None:
        raise BonusRefused("definition", f"the code {code} is taken")
    bonus = Bonus(code=code, **fields)
    db.session.add(bonus)
    db.session.flush()
    return bonus


def update(
    bonus: Bonus, *, name, amount=None, percent=None, max_amount=None, wagering,
    max_conversion, days,
) -> Bonus:  # fmt: skip
    """Change a definition (its code stays): the same rules as `create`. Assignments
    already given keep their amounts (they hold them in minor units)."""
    fields = _definition(name, amount, percent, max_amount, wagering, max_conversion, days)
    for key, value in fields.items():
        setattr(bonus, key, value)
    db.session.flush()
    return bonus


def set_active(bonus: Bonus, active: bool) -> Bonus:
    """Offer the bonus again, or stop offering it (assignments already given run on)."""
    bonus.active = active
    db.session.flush()
    return bonus


def describe(bonus: Bonus) -> dict:
    """A definition's fields (for the audit log and the pages)."""
    keys = ("name", "code", "amount", "percent", "max_amount", "wagering", "max_conversion")
    return {**{k: getattr(bonus, k) for k in keys}, "days": bonus.days, "active": bonus.active}


def _definition(name, amount, percent, max_amount, wagering, max_conversion, days) -> dict:
    if not name or not name.strip() or len(name) > 100:
        raise BonusRefused("definition", "a name and a code of at most 50 characters")
    if (amount is None) == (percent is None):
        raise BonusRefused("definition", "either an amount or a percentage")
    if percent is not None and max_amount is None:
        raise BonusRefused("definition", "a percentage needs a maximum amount")
    for label, value in (("amount", amount), ("percent", percent), ("max amount", max_amount)):
        if value is not None and _positive(value, label) is None:
            raise BonusRefused("definition", f"{label}: a positive number")
    _positive(wagering, "wagering", allow_zero=True)
    _positive(max_conversion, "max conversion", allow_zero=True)
    if not isinstance(days, int) or not 0 < days <= 3650:
        raise BonusRefused("definition", "days: 1 to 3650")
    return {
        "name": name.strip(),
        "amount": _text(amount),
        "percent": _text(percent),
        "max_amount": _text(max_amount),
        "wagering": _text(wagering),
        "max_conversion": _text(max_conversion),
        "days": days,
    }


def definition(code: str | None) -> Bonus:
    """The definition with this code, offered or not."""
    found = db.session.scalar(select(Bonus).where(Bonus.code == (code or "").strip().upper()))
    if found is None:
        raise BonusRefused("unknown", code or "")
    return found


def by_code(code: str | None) -> Bonus:
    found = db.session.scalar(
        select(Bonus).where(Bonus.code == (code or "").strip().upper(), Bonus.active.is_(True))
    )
    if found is None:
        raise BonusRefused("unknown", code or "")
    return found


def active(player_id: int, currency: str) -> BonusAssignment | None:
    return db.session.scalar(
        select(BonusAssignment).where(
            BonusAssignment.player_id == player_id,
            BonusAssignment.currency == currency,
            BonusAssignment.status == ACTIVE,
        )
    )


def had(player_id: int, bonus_id: int) -> bool:
    found = select(BonusAssignment.id).where(
        BonusAssignment.player_id == player_id, BonusAssignment.bonus_id == bonus_id
    )
    return db.session.scalar(found.limit(1)) is not None


def check_for_deposit(player, code: str, currency: str) -> Bonus:
    """The bonus a deposit's code names, if the player may get it with that deposit."""
    bonus = by_code(code)
    if active(player.id, currency) is not None:
        raise BonusRefused("active")
    if had(player.id, bonus.id):
        raise BonusRefused("used")
    return bonus


def claim(player, code: str, currency: str) -> BonusAssignment:
    """A player claims a code (the bonus page, registration's bonusCode): a fixed bonus is
    granted now; a percentage one is given with a deposit (BonusRefused needs_deposit)."""
    bonus = by_code(code)
    if bonus.amount is None:
        raise BonusRefused("needs_deposit", bonus.code)
    return grant(player, bonus, currency)


def assign(player, code: str, currency: str | None = None) -> BonusAssignment:
    """An operator gives a fixed bonus (by code) to the player, in `currency` (default:
    the player's active one); a percentage bonus comes only with a deposit."""
    bonus = by_code(code)
    if bonus.amount is None:
        raise BonusRefused("percentage", bonus.code)
    return grant(player, bonus, (currency or player.active_currency).upper())


def grant(player, bonus: Bonus, currency: str, *, deposit=None) -> BonusAssignment:
    """Give `bonus` to the player in `currency` (for a percentage bonus: of `deposit`)."""
    holder = _holder(player)
    if currency not in holder.currencies:
        raise BonusRefused("currency", currency)
    wallet.lock_account(holder, currency, REAL)  # (the order every movement takes)
    if active(holder.id, currency) is not None:
        raise BonusRefused("active")
    if had(holder.id, bonus.id):  # each bonus once per player
        raise BonusRefused("used")
    unit = Decimal(1).scaleb(-money.digits(currency))
    if bonus.amount is not None:
        value = Decimal(bonus.amount).quantize(unit, ROUND_DOWN)
    else:
        base = money.from_minor(deposit.amount, currency)
        value = min(base * Decimal(bonus.percent) / 100, Decimal(bonus.max_amount))
        value = value.quantize(unit, ROUND_DOWN)
    amount = money.to_minor(value, currency)
    if amount <= 0:
        raise BonusRefused("too_small")
    required = (Decimal(amount) * Decimal(bonus.wagering)).to_integral_value(ROUND_CEILING)
    now = utcnow()
    assignment = BonusAssignment(
        player_id=holder.id,
        bonus_id=bonus.id,
        currency=currency,
        amount=amount,
        wagering_required=int(required),
        wagered=0,
        status=ACTIVE,
        expires_at=now + timedelta(days=bonus.days),
        ref=str(uuid.uuid4()),
        deposit_id=deposit.id if deposit is not None else None,
    )
    db.session.add(assignment)
    db.session.flush()
    _move(holder, currency, amount, f"bonus:{assignment.id}", GRANT, BONUS, assignment)
    _flag(holder.id, currency, True)
    if assignment.wagering_required == 0:
        complete(assignment)
    return assignment


def complete(assignment: BonusAssignment) -> None:
    """The wagering is met: the bonus balance becomes real money up to the bonus's
    maximum conversion; the rest is forfeited."""
    holder = wallet.holder_of(assignment.player_id)
    left = _bonus_balance(assignment.player_id, assignment.currency)
    cap = money.to_minor(
        Decimal(assignment.bonus.max_conversion).quantize(
            Decimal(1).scaleb(-money.digits(assignment.currency)), ROUND_DOWN
        ),
        assignment.currency,
    )
    converted = min(left, cap)
    _close(holder, assignment, left)
    if converted:
        key = f"bonus:{assignment.id}:convert"
        _move(holder, assignment.currency, converted, key, CONVERT, REAL, assignment)
    assignment.status, assignment.ended_at = COMPLETED, utcnow()
    assignment.converted, assignment.forfeited = converted, left - converted


def forfeit(assignment: BonusAssignment, status: str = FORFEITED) -> None:
    """End an active assignment without converting: its bonus balance goes back."""
    holder = wallet.holder_of(assignment.player_id)
    wallet.lock_account(holder, assignment.currency, REAL)
    db.session.refresh(assignment)  # (under the lock: a stake may have completed it)
    if assignment.status != ACTIVE:
        return
    left = _bonus_balance(assignment.player_id, assignment.currency)
    _close(holder, assignment, left)
    assignment.status, assignment.ended_at = status, utcnow()
    assignment.forfeited = left


def forfeit_late_share(holder, currency: str, transaction_id: int, share: int) -> None:
    """A win or refund paid a bonus share after its bonus ended: that share is forfeited
    (key "bonus-late:<transaction id>")."""
    wallet.move(
        wallet.Request(
            holder, currency, -share, SOURCE, f"bonus-late:{transaction_id}", CLOSE,
            reference=f"transaction:{transaction_id}", account_kind=BONUS,
        )
    )  # fmt: skip


def expire_if_due(player_id: int, currency: str) -> None:
    """End the player's bonus in `currency` if its days are over (before it is used)."""
    found = active(player_id, currency)
    if found is not None and found.expires_at <= utcnow():
        forfeit(found, EXPIRED)


def forfeit_for_withdrawal(player_id: int, currency: str) -> None:
    """A withdrawal asked before the wagering is met forfeits the active bonus."""
    found = active(player_id, currency)
    if found is not None:
        forfeit(found)


def expire_due(now=None) -> int:
    """End every active assignment past its time (`flask bonuses expire`, and the pages
    look at their own player's); the caller commits. The number ended."""
    due = db.session.scalars(
        select(BonusAssignment).where(
            BonusAssignment.status == ACTIVE, BonusAssignment.expires_at <= (now or utcnow())
        )
    ).all()
    for assignment in due:
        forfeit(assignment, EXPIRED)
    return len(due)


def _close(holder, assignment: BonusAssignment, left: int) -> None:
    """Empty the bonus balance. The real account stays flagged: a bet staked with bonus
    money may still be paid or refunded, and its bonus share is then forfeited
    (`forfeit_late_share`), never paid as real money."""
    if left:
        key = f"bonus:{assignment.id}:close"
        _move(holder, assignment.currency, -left, key, CLOSE, BONUS, assignment)


def _move(holder, currency, minor, key, kind, account_kind, assignment) -> None:
    wallet.move(
        wallet.Request(
            holder,
            currency,
            minor,
            SOURCE,
            key,
            kind,
            reference=f"bonus:{assignment.id}",
            account_kind=account_kind,
        )
    )


def _flag(player_id: int, currency: str, value: bool) -> None:
    """Mark the player's real account: its stakes and wins consult the bonus (wagering)."""
    db.session.execute(
        Account.__table__.update()
        .where(
            Account.owner == wallet.owner_of(player_id),
            Account.currency == currency,
            Account.kind == REAL,
        )
        .values(bonus_active=value)
    )


def _bonus_balance(player_id: int, currency: str) -> int:
    return (
        db.session.scalar(
            select(Account.balance).where(
                Account.owner == wallet.owner_of(player_id),
                Account.currency == currency,
                Account.kind == BONUS,
            )
        )
        or 0
    )


def _holder(player) -> wallet.Holder:
    return wallet.Holder(player.id, facts.brand_currencies(player.brand_id))


def _positive(value, label: str, allow_zero: bool = False) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BonusRefused("definition", f"{label}: a number") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise BonusRefused("definition", f"{label}: a positive number")
    if number > 10**12:
        raise BonusRefused("definition", f"{label}: too large")
    return number


def _text(value) -> str | None:
    return None if value is None else format(Decimal(str(value)).normalize(), "f")
