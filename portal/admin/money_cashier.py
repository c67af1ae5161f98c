"""The cashier's queues: withdrawals (approve or decline, finance) and deposits with their
provider state. Approving and declining call the same core as `flask withdrawals
approve|decline` (portal.payments.withdrawals)."""

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import money
from portal.admin.blueprint import FINANCE, action, audit, page, required_reason, safe_next
from portal.admin.money import common_conditions, distinct_values
from portal.admin.paging import paginate
from portal.payments import deposits, withdrawals
from portal.payments.models import PENDING, PROCESS, Deposit, Withdrawal

WITHDRAWAL_STATES = ("pending", "process", "success", "fail", "declined", "cancelled")
DEPOSIT_STATES = ("new", "process", "success", "fail")
WAITING = "waiting"  # the withdrawals filter's default: pending or sent without an answer


def _state(withdrawal: Withdrawal) -> dict:
    return {
        "status": withdrawal.status,
        "amount": money.format_amount(withdrawal.amount, withdrawal.currency),
        "currency": withdrawal.currency,
        "player_id": withdrawal.player_id,
        "reason": withdrawal.reason,
    }


def _text_filter(query, column, name):
    value = request.args.get(name, "").strip()
    return query.where(column == value) if value else query


@page("/money/withdrawals")
def withdrawals_queue():
    conditions, problems, _currency = common_conditions(Withdrawal)
    status = request.args.get("status", WAITING)
    if status == WAITING:
        conditions.append(Withdrawal.status.in_((PENDING, PROCESS)))
    elif status in WITHDRAWAL_STATES:
        conditions.append(Withdrawal.status == status)
    query = _text_filter(select(Withdrawal).where(*conditions), Withdrawal.provider, "provider")
    sorts = {
        "id": Withdrawal.id,
        "created": Withdrawal.created_at,
        "player": Withdrawal.player_id,
        "amount": Withdrawal.amount,
        "status": Withdrawal.status,
    }
    found = paginate(query, sorts, "id")
    return render_template(
        "admin/money/withdrawals.html",
        withdrawals=found,
        problems=problems,
        status=status,
        states=WITHDRAWAL_STATES,
        providers=distinct_values(Withdrawal.provider),
        amount=money.format_amount,
    )


def _back():
    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("admin.withdrawals_queue"))


@action("/money/withdrawals/<int:withdrawal_id>/approve", roles=FINANCE)
def approve_withdrawal(withdrawal_id: int):
    """Approve: the core sends the payout between two transactions and commits the
    approval (status "process") before asking the provider. The audit entry is written
    under the withdrawal's lock just before, so it commits with the approval itself (or is
    rolled back with it when the core refuses); the payout's answer is flashed."""
    reason = required_reason()
    withdrawal = withdrawals.locked(withdrawal_id)
    if withdrawal is None or withdrawal.status not in (PENDING, PROCESS):
        flash(f"Withdrawal {withdrawal_id} is not waiting for approval.", "error")
        return _back()
    before = _state(withdrawal)
    audit(
        "withdrawal.approve",
        target_type="withdrawal",
        target_id=withdrawal_id,
        before=before,
        after={**before, "status": PROCESS, "reason": None},
        reason=reason,
    )
    try:
        done = withdrawals.approve(withdrawal_id, _operator())
    except deposits.CashierRefused as exc:  # the core rolled back (the audit entry too)
        flash(_refusal(withdrawal_id, exc), "error")
        return _back()
    outcome = {
        "success": "paid out",
        "fail": f"the payout failed and the money returned: {done.reason}",
    }.get(done.status, "sent, no answer from the provider yet")
    flash(f"Withdrawal {withdrawal_id} approved: {outcome}.", "success")
    return _back()


@action("/money/withdrawals/<int:withdrawal_id>/decline", roles=FINANCE)
def decline_withdrawal(withdrawal_id: int):
    """Decline with the reason (the player reads it): the held money returns."""
    reason = required_reason()
    withdrawal = withdrawals.locked(withdrawal_id)
    before = _state(withdrawal) if withdrawal is not None else None
    try:
        done = withdrawals.decline(withdrawal_id, reason, _operator())
    except deposits.CashierRefused as exc:  # refused before anything changed
        flash(_refusal(withdrawal_id, exc), "error")
        return _back()
    audit(
        "withdrawal.decline",
        target_type="withdrawal",
        target_id=withdrawal_id,
        before=before,
        after=_state(done),
        reason=reason,
    )
    flash(f"Withdrawal {withdrawal_id} declined; the money returned to the player.", "success")
    return _back()


def _operator() -> str:
    return f"admin:{g.admin.email}"[:100]


def _refusal(withdrawal_id: int, exc: deposits.CashierRefused) -> str:
    if exc.code == "provider":
        return f"The provider cannot pay out just now: {exc.detail}"
    if exc.code == "reason":
        return "Give a reason."
    return f"Withdrawal {withdrawal_id} is no longer waiting ({exc.code})."


@page("/money/deposits")
def deposits_list():
    conditions, problems, _currency = common_conditions(Deposit)
    status = request.args.get("status", "")
    if status in DEPOSIT_STATES:
        conditions.append(Deposit.status == status)
    query = select(Deposit).where(*conditions)
    query = _text_filter(query, Deposit.provider, "provider")
    query = _text_filter(query, Deposit.reference, "reference")
    query = _text_filter(query, Deposit.provider_tx_id, "provider_tx_id")
    sorts = {
        "id": Deposit.id,
        "created": Deposit.created_at,
        "completed": Deposit.completed_at,
        "player": Deposit.player_id,
        "amount": Deposit.amount,
        "status": Deposit.status,
    }
    found = paginate(query, sorts, "id")
    return render_template(
        "admin/money/deposits.html",
        deposits=found,
        problems=problems,
        states=DEPOSIT_STATES,
        providers=distinct_values(Deposit.provider),
        amount=money.format_amount,
    )
