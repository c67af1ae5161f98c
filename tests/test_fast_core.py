"""The fast core's own mechanisms (issue 10): a movement told its key is new that finds it
taken after all, the optimistic check of a bet's payments (`unless_keys`), the request
that runs again when overtaken (`Contended`), and the per-process facts cache."""

from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.accounts import facts
from portal.accounts.models import Player
from portal.database import Contended, transactional
from portal.extensions import db
from portal.wallet import errors, operations, queries, verify
from portal.wallet.models import Transaction
from tests.harness.statements import StatementCounter


@pytest.fixture
def player(app, make_brand, ctx):
    from portal.accounts import operations as accounts

    brand = accounts.get_brand(make_brand(currencies=("EUR", "BTC")))
    found = accounts.register_player(
        brand, email="p@example.com", password="secret123", over18=True, complete=True
    )
    operations.adjust(found, "EUR", "100.00", reason="opening", operator="t", external_id="o")
    db.session.commit()
    return found


def real(player) -> Decimal:
    return queries.balance(player, "EUR").real


def transactions() -> int:
    return db.session.scalar(select(func.count()).select_from(Transaction))


def test_a_key_said_to_be_new_that_exists_is_answered_as_a_repeat(player):
    first = operations.debit(player, "EUR", "10.00", source="t", external_id="k")
    db.session.commit()
    again = operations.debit(player, "EUR", "10.00", source="t", external_id="k", existing=None)
    db.session.commit()
    assert (again.replayed, again.transaction_id) == (True, first.transaction_id)
    assert real(player) == Decimal("90.00")  # the balance moved and was put back
    assert verify.problems() == []


def test_a_key_said_to_be_new_that_was_voided_is_refused_and_moves_nothing(player):
    operations.refund_stake(player, "EUR", source="t", external_id="r", original_external_id="s")
    db.session.commit()
    with pytest.raises(errors.TransactionVoided):
        operations.debit(player, "EUR", "10.00", source="t", external_id="s", existing=None)
    db.session.commit()
    assert real(player) == Decimal("100.00")
    assert verify.problems() == []


def test_a_key_the_caller_relied_on_being_absent_makes_the_movement_contended(player):
    operations.credit(player, "EUR", "5.00", source="t", external_id="b:2")
    db.session.commit()
    count = transactions()
    with pytest.raises(Contended):
        operations.credit(player, "EUR", "5.00", source="t", external_id="b:1", unless_keys=["b:2"])
    db.session.rollback()
    assert (transactions(), real(player)) == (count, Decimal("105.00"))
    moved = operations.credit(
        player, "EUR", "5.00", source="t", external_id="b:1", unless_keys=["b:3"]
    )
    db.session.commit()
    assert not moved.replayed and real(player) == Decimal("110.00")


def test_a_contended_request_runs_again_and_keeps_nothing_of_the_first_attempt(app, player):
    attempts = []

    @transactional
    def view():
        attempts.append(1)
        operations.credit(player, "EUR", "1.00", source="t", external_id=f"a{len(attempts)}")
        if len(attempts) == 1:
            raise Contended("overtaken")
        return "done"

    assert view() == "done" and len(attempts) == 2
    assert real(player) == Decimal("101.00")  # only the second attempt's credit
    assert db.session.scalar(select(Transaction.id).where(Transaction.external_id == "a1")) is None


def test_a_request_overtaken_every_time_gives_up_after_the_attempts(app, player):
    @transactional
    def view():
        raise Contended("always")

    with pytest.raises(Contended):
        view()


def test_brand_currencies_are_read_once_per_app(app, player):
    player_id, brand_id = player.id, player.brand_id
    with StatementCounter(db.engine) as first:
        assert facts.player_currencies(player_id) == ("EUR", "BTC")
    with StatementCounter(db.engine) as second:
        assert facts.player_currencies(player_id) == ("EUR", "BTC")
        assert facts.brand_currencies(brand_id) == ("EUR", "BTC")
    selects = [s for s in first.statements if s.startswith("SELECT")]
    assert (len(selects), second.total) == (1, 0), first.statements
    assert facts.player_currencies(10**6) is None  # no such player: not cached as anything


def test_the_facts_cache_belongs_to_its_app(app, player):
    facts.player_currencies(player.id)
    other = Flask("other")
    with other.app_context():
        assert "portal.facts" not in other.extensions


def test_game_session_counts_are_derived_from_the_payments(app, player):
    from portal.casino.models import CasinoBet, CasinoPayment, GameSession

    session = GameSession(id="s1", player_id=player.id, currency="EUR", tag_id=None)
    db.session.add(session)
    db.session.flush()
    stake = operations.debit(player, "EUR", "2.00", source="t", external_id="x")
    db.session.add(CasinoBet(bet_id=1, player_id=player.id, currency="EUR", game_session_id="s1"))
    for kind, amount in ((-1, 200), (1, 500), (1, 0)):
        db.session.add(
            CasinoPayment(
                bet_id=1,
                transaction_type=kind if amount else 4,
                amount=amount,
                wallet_transaction_id=stake.transaction_id,
            )
        )
    db.session.commit()
    found = db.session.get(Player, player.id) and db.session.get(GameSession, "s1")
    assert (found.bet_count, found.win_count, found.bet_amount, found.win_amount) == (
        1,
        1,
        200,
        500,
    )
