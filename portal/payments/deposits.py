"""Deposits: the cashier starts one, the provider's callbacks move it, and only a
successful callback credits the wallet (source "payments", key "deposit:<id>").

    deposit = start(player, "25.00", "EUR", "sandbox", bonus_code=None)   # state "new"
    outcome = apply_callback("sandbox", callback)   # after providers' verify + read

A callback is matched to its deposit by our `reference` and bound to the provider's
transaction id by the first one; after that:
- the same transaction id, amount and currency again: answered as the first time, nothing
  moves ("repeated"); another id for the deposit, another deposit for the id, another amount
  or currency: refused (a mismatch, logged);
- pending moves a new deposit to "process"; success credits it (new or process -> success);
  failed ends it (-> fail). Success and fail are final: failed after success (or success
  after failed) is refused; pending after either is a late repeat.
"""

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from portal import money
from portal.accounts import facts
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import N_
from portal.limits import checks, rules, words
from portal.payments import providers
from portal.payments.models import FAIL, NEW, PROCESS, SUCCESS, Deposit, PaymentMethod
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet

log = logging.getLogger(__name__)
SOURCE = "payments"
DEPOSIT = "deposit"  # the wallet transaction's kind


class CashierRefused(DomainError):
    """The cashier cannot do what the player asked; `code` names why (see WORDS)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


WORDS = {
    "method": N_("This payment method is not offered in this currency."),
    "amount": N_("Enter an amount greater than zero."),
    "below_min": N_("The amount is below the minimum of this payment method"),
    "above_max": N_("The amount is above the maximum of this payment method"),
    "blocked": N_("Your account may not use the cashier just now."),
    "limit": N_("This deposit would cross a deposit limit you set."),
    "funds": N_("Your withdrawable balance is too low for this amount."),
    "requisite": N_("Choose where the money is paid to."),
    "not_pending": N_("This request can no longer be changed."),
    "bonus_code": N_("This bonus code is not valid."),
    "reason": N_("Give a reason."),
    "provider": N_("The payment provider cannot pay out just now."),
}


@dataclass(frozen=True)
class Applied:
    outcome: str  # applied | repeated | refused
    note: str | None = None
    deposit: Deposit | None = None


def methods(brand_id: int) -> list[PaymentMethod]:
    return list(
        db.session.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.brand_id == brand_id)
            .order_by(PaymentMethod.provider, PaymentMethod.currency)
        )
    )


def method_of(brand_id: int, provider: str, currency: str) -> PaymentMethod:
    found = db.session.scalar(
        select(PaymentMethod).where(
            PaymentMethod.brand_id == brand_id,
            PaymentMethod.provider == provider,
            PaymentMethod.currency == currency,
        )
    )
    if found is None:
        raise CashierRefused("method", f"{provider} {currency}")
    return found


def amount_in(player, currency: str, amount) -> int:
    """A positive amount of one of the brand's currencies, in minor units."""
    holder = wallet.Holder(player.id, facts.brand_currencies(player.brand_id))
    try:
        return wallet.minor_units(holder, currency, amount)
    except wallet_errors.CurrencyNotAllowed:
        raise CashierRefused("method", currency) from None
    except wallet_errors.InvalidAmount:
        raise CashierRefused("amount") from None


def within(minor: int, low: int, high: int, currency: str) -> None:
    if minor < low:
        raise CashierRefused("below_min", money.format_amount(low, currency) + f" {currency}")
    if minor > high:
        raise CashierRefused("above_max", money.format_amount(high, currency) + f" {currency}")


def start(player, amount, currency: str, provider: str, bonus_code: str | None = None) -> Deposit:
    """Record a new deposit (the caller commits, then sends the player to `payment_url`)."""
    refusal = rules.refusal_of(player, utcnow())
    if refusal is not None:
        raise CashierRefused("blocked", words.refusal_words(refusal.reason, refusal.until))
    method = method_of(player.brand_id, provider, currency)
    minor = amount_in(player, currency, amount)
    within(minor, method.min_deposit, method.max_deposit, currency)
    wallet.lock_players([player.id])  # the player's deposits take turns on their limits
    if (over := checks.deposit_refusal(player.id, currency, minor)) is not None:
        raise CashierRefused("limit", words.limit_words(over))
    code = (bonus_code or "").strip().upper() or None
    if code is not None:
        from portal.bonuses import operations as bonuses

        try:
            bonuses.check_for_deposit(player, code, currency)
        except bonuses.BonusRefused as exc:
            raise CashierRefused("bonus_code", bonuses.WORDS.get(exc.code, "")) from None
    deposit = Deposit(
        reference=f"D{secrets.token_hex(8).upper()}",
        player_id=player.id,
        provider=provider,
        currency=currency,
        amount=minor,
        status=NEW,
        bonus_code=code,
    )
    db.session.add(deposit)
    db.session.flush()
    return deposit


def payment_url(deposit: Deposit, return_url: str) -> str:
    return providers.get(deposit.provider).deposit_url(deposit, return_url)


def apply_callback(provider: str, callback: providers.Callback) -> Applied:
    """Apply one verified callback (see the module's docstring); the caller commits."""
    deposit = db.session.scalar(
        select(Deposit)
        .where(Deposit.reference == callback.reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deposit is None or deposit.provider != provider:
        raise providers.MalformedCallback(f"no deposit has the reference {callback.reference}")
    bound = db.session.scalar(
        select(Deposit.id).where(
            Deposit.provider == provider, Deposit.provider_tx_id == callback.provider_tx_id
        )
    )
    if bound is not None and bound != deposit.id:
        return _refused(deposit, "the provider's transaction id belongs to another deposit")
    if deposit.provider_tx_id not in (None, callback.provider_tx_id):
        return _refused(deposit, "the deposit is bound to another provider transaction")
    try:
        amount = money.to_minor(
            money.parse_amount(callback.amount, deposit.currency), deposit.currency
        )
    except money.InvalidAmount:
        amount = None
    if callback.currency != deposit.currency or amount != deposit.amount:
        return _refused(deposit, "another amount or currency than the deposit's")
    deposit.provider_tx_id = callback.provider_tx_id
    if callback.requisite:
        deposit.requisite = callback.requisite
    if callback.payment_system:
        deposit.payment_system = callback.payment_system
    return _transition(deposit, callback)


def _transition(deposit: Deposit, callback: providers.Callback) -> Applied:
    final = deposit.status in (SUCCESS, FAIL)
    if callback.status == providers.PENDING:
        if deposit.status == NEW:
            deposit.status = PROCESS
            return Applied("applied", None, deposit)
        return Applied("repeated", None, deposit)
    wanted = SUCCESS if callback.status == providers.SUCCESS else FAIL
    if deposit.status == wanted:
        return Applied("repeated", None, deposit)
    if final:
        return _refused(deposit, f"{callback.status} after the deposit ended ({deposit.status})")
    if wanted == FAIL:
        deposit.status, deposit.completed_at = FAIL, utcnow()
        deposit.note = (callback.message or "declined by the provider")[:300]
        return Applied("applied", None, deposit)
    _credit(deposit)
    deposit.status, deposit.completed_at = SUCCESS, utcnow()
    _give_bonus(deposit)
    return Applied("applied", None, deposit)


def _give_bonus(deposit: Deposit) -> None:
    """The bonus the deposit's code names (or the player's registration code, on a first
    deposit): given now, unless the player may no longer have it (noted, logged)."""
    from portal.accounts.models import Player
    from portal.bonuses import operations as bonuses

    player = db.session.get(Player, deposit.player_id)
    code, from_registration = deposit.bonus_code, False
    if code is None and player.bonus_code and _first_success(deposit):
        code, from_registration = player.bonus_code, True
    if code is None:
        return
    try:
        bonus = bonuses.by_code(code)
        if from_registration and bonus.amount is not None:
            return  # a fixed registration bonus was given at registration
        with db.session.begin_nested():
            bonuses.grant(player, bonus, deposit.currency, deposit=deposit)
    except bonuses.BonusRefused as exc:
        deposit.note = f"bonus {code} not given: {bonuses.WORDS.get(exc.code, exc.code)}"[:300]
        log.info("deposit %s: %s", deposit.reference, deposit.note)


def _first_success(deposit: Deposit) -> bool:
    earlier = db.session.scalar(
        select(Deposit.id).where(
            Deposit.player_id == deposit.player_id,
            Deposit.status == SUCCESS,
            Deposit.id != deposit.id,
        )
    )
    return earlier is None


def _credit(deposit: Deposit) -> None:
    wallet.credit(
        wallet.holder_of(deposit.player_id),
        deposit.currency,
        money.format_amount(deposit.amount, deposit.currency),
        source=SOURCE,
        external_id=f"deposit:{deposit.id}",
        reference=f"deposit:{deposit.reference}",
        kind=DEPOSIT,
    )


def _refused(deposit: Deposit, note: str) -> Applied:
    log.warning("deposit %s: a callback refused: %s", deposit.reference, note)
    return Applied("refused", note, deposit)
