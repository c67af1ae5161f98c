"""Cashier figures of a player in one currency, as seed 002's online status reports them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal import money
from portal.extensions import db
from portal.payments.models import PENDING, PROCESS, SUCCESS, Deposit, Withdrawal


@dataclass(frozen=True)
class CashierFigures:
    deposit_count: int
    deposits_amount: Decimal
    average_deposit: Decimal
    last_deposit: datetime | None
    last_deposit_amount: Decimal
    pending_withdrawal: Decimal
    total_withdrawals: Decimal


def figures(player_id: int, currency: str) -> CashierFigures:
    """Successful deposits (count, sum, average, the last one), withdrawals waiting (asked
    or being paid) and paid out, in `currency`."""

    def amount(minor) -> Decimal:
        return money.from_minor(int(minor or 0), currency)

    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Deposit.amount), 0)).where(
            Deposit.player_id == player_id, Deposit.currency == currency, Deposit.status == SUCCESS
        )
    ).one()
    last = db.session.execute(
        select(Deposit.completed_at, Deposit.amount)
        .where(
            Deposit.player_id == player_id, Deposit.currency == currency, Deposit.status == SUCCESS
        )
        .order_by(Deposit.completed_at.desc(), Deposit.id.desc())
        .limit(1)
    ).first()
    waiting, paid = db.session.execute(
        select(
            func.coalesce(
                func.sum(Withdrawal.amount).filter(Withdrawal.status.in_((PENDING, PROCESS))), 0
            ),
            func.coalesce(func.sum(Withdrawal.amount).filter(Withdrawal.status == SUCCESS), 0),
        ).where(Withdrawal.player_id == player_id, Withdrawal.currency == currency)
    ).one()
    average = (
        (amount(total) / count).quantize(Decimal(1).scaleb(-money.digits(currency)))
        if count
        else amount(0)
    )
    return CashierFigures(
        count,
        amount(total),
        average,
        last[0] if last else None,
        amount(last[1]) if last else amount(0),
        amount(waiting),
        amount(paid),
    )
