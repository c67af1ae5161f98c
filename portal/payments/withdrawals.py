"""Withdrawals: the amount leaves the player's real balance the moment it is asked (to the
house account "house:withdrawals", key "withdrawal:<id>"), so it cannot be bet; it comes
back (key "withdrawal:<id>:return") when the player cancels, an operator declines, or the
provider's payout fails. An operator's approval sends the payout outside any transaction.

    pending -> cancelled (player) | declined (operator, with a reason) | process (approved)
    process -> success (paid: final) | fail (the money returns) | process (no answer yet:
               approving again sends the same payout; the provider knows its reference)

Money is paid back only to a requisite the player deposited with through that provider
(its masked form is shown; the provider's deposit transaction is the payout's token).
"""

import logging

from sqlalchemy import select

from portal import money
from portal.database import commit, rollback
from portal.extensions import db
from portal.payments import providers
from portal.payments.deposits import CashierRefused, amount_in, method_of, within
from portal.payments.models import (
    CANCELLED,
    DECLINED,
    FAIL,
    PENDING,
    PROCESS,
    SUCCESS,
    Deposit,
    Withdrawal,
)
from portal.timeutil import utcnow
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet

log = logging.getLogger(__name__)
SOURCE = "withdrawals"
WITHDRAWAL, RETURN = "withdrawal", "withdrawal_return"  # the wallet transactions' kinds


def requisites(player_id: int, provider: str) -> list[str]:
    """The masked requisites the player deposited with through `provider` (newest first)."""
    rows = db.session.scalars(
        select(Deposit.requisite)
        .where(
            Deposit.player_id == player_id,
            Deposit.provider == provider,
            Deposit.status == SUCCESS,
            Deposit.requisite.is_not(None),
        )
        .order_by(Deposit.id.desc())
    )
    return list(dict.fromkeys(rows))


def ask(player, amount, currency: str, provider: str, requisite: str) -> Withdrawal:
    """Record a pending withdrawal and hold its amount (the caller commits)."""
    if player.status == "blocked":  # (a self-excluded player may still take money out)
        raise CashierRefused("blocked")
    method = method_of(player.brand_id, provider, currency)
    minor = amount_in(player, currency, amount)
    within(minor, method.min_withdrawal, method.max_withdrawal, currency)
    if requisite not in requisites(player.id, provider):
        raise CashierRefused("requisite")
    withdrawal = Withdrawal(
        player_id=player.id,
        provider=provider,
        currency=currency,
        amount=minor,
        status=PENDING,
        requisite=requisite,
    )
    db.session.add(withdrawal)
    db.session.flush()
    from portal.bonuses import operations as bonuses

    bonuses.forfeit_for_withdrawal(player.id, currency)  # before its wagering is met
    try:
        wallet.debit(
            wallet.holder_of(player.id),
            currency,
            money.format_amount(minor, currency),
            source=SOURCE,
            external_id=f"withdrawal:{withdrawal.id}",
            reference=f"withdrawal:{withdrawal.id}",
            kind=WITHDRAWAL,
            existing=None,
        )
    except wallet_errors.InsufficientFunds:
        raise CashierRefused("funds") from None
    return withdrawal


def cancel(player_id: int, withdrawal_id: int) -> Withdrawal:
    """The player takes a pending request back; the caller commits. Cancelling again what
    the player cancelled answers alike (a form sent twice, or again after its answer was
    lost), moving nothing."""
    withdrawal = locked(withdrawal_id)
    if withdrawal is None or withdrawal.player_id != player_id:
        raise CashierRefused("not_pending", str(withdrawal_id))
    if withdrawal.status == CANCELLED:
        return withdrawal
    return _end(withdrawal, CANCELLED, "cancelled by the player")


def decline(withdrawal_id: int, reason: str, operator: str) -> Withdrawal:
    """An operator refuses a pending request, with a reason; the caller commits."""
    if not (reason or "").strip():
        raise CashierRefused("reason")
    withdrawal = locked(withdrawal_id)
    if withdrawal is None:
        raise CashierRefused("not_pending", str(withdrawal_id))
    withdrawal.operator = operator
    return _end(withdrawal, DECLINED, reason.strip())


def approve(withdrawal_id: int, operator: str) -> Withdrawal:
    """An operator approves a pending request (or sends a payout without an answer again):
    the provider is asked between two transactions; commits."""
    try:
        withdrawal = locked(withdrawal_id)
        if withdrawal is None or withdrawal.status not in (PENDING, PROCESS):
            raise CashierRefused("not_pending", str(withdrawal_id))
        problem = providers.get(withdrawal.provider).payout_problem()
        if problem:  # refused before anything changes: it stays pending (or in process)
            raise CashierRefused("provider", problem)
        withdrawal.status, withdrawal.operator = PROCESS, operator
        token = _token(withdrawal)
        commit()
    except Exception:
        rollback()
        raise
    try:
        answer = providers.get(withdrawal.provider).payout(withdrawal, token)
    except Exception as exc:  # it may have been sent: stays "process"
        log.exception("withdrawal %s: the payout failed", withdrawal_id)
        answer = providers.Payout(providers.PENDING, None, f"payout error: {type(exc).__name__}")
    try:
        withdrawal = locked(withdrawal_id)
        if withdrawal.status == PROCESS:
            _payout_answer(withdrawal, answer)
        commit()
    except Exception:
        rollback()
        raise
    return withdrawal


def pending_total(player_id: int, currency: str) -> int:
    """What the player's waiting requests hold, minor units (seed 002 pending_withdrawal)."""
    rows = db.session.scalars(
        select(Withdrawal.amount).where(
            Withdrawal.player_id == player_id,
            Withdrawal.currency == currency,
            Withdrawal.status.in_((PENDING, PROCESS)),
        )
    )
    return sum(rows)


def _payout_answer(withdrawal: Withdrawal, answer: providers.Payout) -> None:
    withdrawal.provider_tx_id = answer.provider_tx_id or withdrawal.provider_tx_id
    if answer.status == providers.SUCCESS:
        withdrawal.status, withdrawal.completed_at = SUCCESS, utcnow()
    elif answer.status == providers.FAILED:
        _end(withdrawal, FAIL, answer.message or "the provider could not pay")
    else:
        withdrawal.reason = (answer.message or "no answer from the provider yet")[:300]


def _end(withdrawal: Withdrawal, status: str, reason: str) -> Withdrawal:
    """Cancel, decline or fail a request: the held amount returns to the player."""
    allowed = (PROCESS,) if status == FAIL else (PENDING,)
    if withdrawal.status not in allowed:
        raise CashierRefused("not_pending", str(withdrawal.id))
    wallet.credit(
        wallet.holder_of(withdrawal.player_id),
        withdrawal.currency,
        money.format_amount(withdrawal.amount, withdrawal.currency),
        source=SOURCE,
        external_id=f"withdrawal:{withdrawal.id}:return",
        reference=f"withdrawal:{withdrawal.id}",
        kind=RETURN,
    )
    withdrawal.status, withdrawal.reason = status, reason[:300]
    withdrawal.completed_at = utcnow()
    return withdrawal


def _token(withdrawal: Withdrawal) -> str | None:
    return db.session.scalar(
        select(Deposit.provider_tx_id)
        .where(
            Deposit.player_id == withdrawal.player_id,
            Deposit.provider == withdrawal.provider,
            Deposit.requisite == withdrawal.requisite,
            Deposit.status == SUCCESS,
        )
        .order_by(Deposit.id.desc())
        .limit(1)
    )


def locked(withdrawal_id: int) -> Withdrawal | None:
    """The withdrawal, locked for this transaction and read afresh (None: no such)."""
    return db.session.scalar(
        select(Withdrawal)
        .where(Withdrawal.id == withdrawal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
