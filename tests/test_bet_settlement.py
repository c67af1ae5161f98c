"""The core's one settlement rule (portal.bets.settlement): a bet's payout becomes each new
result's amount, and only the difference moves."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts import facts
from portal.bets import settlement
from portal.extensions import db
from portal.wallet import operations as wallet
from portal.wallet import queries, verify
from portal.wallet.models import Transaction


@pytest.fixture
def holder(app, make_brand, ctx):
    from portal.accounts import operations as accounts

    brand = accounts.get_brand(make_brand(currencies=("EUR",)))
    player = accounts.register_player(
        brand, email="s@example.com", password="secret123", over18=True, complete=True
    )
    wallet.adjust(player, "EUR", "10.00", reason="opening", operator="test", external_id="o")
    db.session.commit()
    return wallet.Holder(player.id, facts.brand_currencies(player.brand_id))


def _balance(holder) -> Decimal:
    return queries.real_balance(holder.id, "EUR")


class _Bet:
    """A door's bet row, as the door would keep it."""

    def __init__(self):
        self.paid, self.settlements = 0, 0

    def settle(self, holder, payout: int) -> settlement.Settlement:
        settled = settlement.settle_to(
            holder,
            "EUR",
            source="test",
            reference="bet-1",
            paid=self.paid,
            settlements=self.settlements,
            payout=payout,
        )
        self.paid, self.settlements = settled.payout, settled.settlements
        db.session.commit()
        return settled


def test_win_loss_win_moves_only_the_differences(holder):
    bet = _Bet()
    assert bet.settle(holder, 2500).movement.balance == Decimal("35.00")  # won 25.00
    assert _balance(holder) == Decimal("35.00")
    lost = bet.settle(holder, 0)  # corrected: lost, the 25.00 goes back
    assert (lost.movement.minor, _balance(holder)) == (-2500, Decimal("10.00"))
    bet.settle(holder, 1250)  # corrected again: won, at other odds
    assert (bet.paid, bet.settlements, _balance(holder)) == (1250, 3, Decimal("22.50"))
    keys = db.session.scalars(
        select(Transaction.external_id).where(Transaction.source == "test").order_by(Transaction.id)
    ).all()
    assert keys == ["bet-1:settle:1", "bet-1:settle:2", "bet-1:settle:3"]
    assert verify.problems() == []


def test_the_same_result_again_moves_nothing(holder):
    bet = _Bet()
    bet.settle(holder, 500)
    again = bet.settle(holder, 500)
    assert (again.movement, again.settlements, _balance(holder)) == (None, 1, Decimal("15.00"))


def test_a_payout_the_player_has_spent_cannot_be_taken_back(holder):
    bet = _Bet()
    bet.settle(holder, 500)
    wallet.debit(holder, "EUR", "14.00", source="test", external_id="spent")
    db.session.commit()
    with pytest.raises(settlement.PayoutNotReturnable) as refused:
        bet.settle(holder, 0)
    db.session.rollback()
    assert (refused.value.needed, _balance(holder)) == (500, Decimal("1.00"))
    assert (bet.paid, bet.settlements) == (500, 1)  # the bet is as it was


def test_a_negative_payout_is_a_programming_error(holder):
    with pytest.raises(ValueError):
        _Bet().settle(holder, -1)
