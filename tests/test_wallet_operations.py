"""The wallet's movements, one rule at a time (property and parallel tests live elsewhere)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import errors, operations, queries, verify
from portal.wallet.models import Entry, Transaction


@pytest.fixture
def player(app, make_brand, ctx):
    from portal.accounts import operations as accounts

    brand = accounts.get_brand(make_brand(currencies=("EUR", "BTC", "JPY")))
    found = accounts.register_player(
        brand, email="p@example.com", password="secret123", over18=True, complete=True
    )
    operations.adjust(
        found, "EUR", "100.00", reason="opening", operator="test", external_id="open-eur"
    )
    db.session.commit()
    return found


def real(player, currency="EUR") -> Decimal:
    return queries.balance(player, currency).real


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_debit_and_credit_move_money_through_the_house(player):
    stake = operations.debit(player, "EUR", "10.50", source="betsy", external_id="b1")
    win = operations.credit(player, "EUR", "21.00", source="betsy", external_id="w1")
    db.session.commit()
    assert (stake.balance, win.balance, real(player)) == (
        Decimal("89.50"),
        Decimal("110.50"),
        Decimal("110.50"),
    )
    legs = db.session.scalars(select(Entry).where(Entry.transaction_id == stake.transaction.id))
    assert sorted(e.amount for e in legs) == [-1050, 1050]
    assert verify.problems() == []


def test_same_key_same_parameters_replays_without_moving(player):
    first = operations.debit(player, "EUR", "10.00", source="betsy", external_id="b1")
    again = operations.debit(player, "EUR", "10.00", source="betsy", external_id="b1")
    db.session.commit()
    assert (first.replayed, again.replayed) == (False, True)
    assert again.transaction.id == first.transaction.id
    assert real(player) == Decimal("90.00")


@pytest.mark.parametrize("change", [{"amount": "11.00"}, {"currency": "BTC"}])
def test_same_key_other_parameters_is_a_mismatch(player, change):
    operations.debit(player, "EUR", "10.00", source="betsy", external_id="b1")
    with pytest.raises(errors.DuplicateMismatch):
        operations.debit(
            player,
            change.get("currency", "EUR"),
            change.get("amount", "10.00"),
            source="betsy",
            external_id="b1",
        )


def test_keys_are_per_source(player):
    operations.debit(player, "EUR", "10.00", source="betsy", external_id="1")
    operations.debit(player, "EUR", "10.00", source="betcore", external_id="1")
    assert real(player) == Decimal("80.00")


def test_a_debit_never_makes_real_money_negative(player):
    with pytest.raises(errors.InsufficientFunds) as raised:
        operations.debit(player, "EUR", "100.01", source="betsy", external_id="b1")
    assert (raised.value.balance, raised.value.currency) == (Decimal("100.00"), "EUR")
    operations.debit(player, "EUR", "100.00", source="betsy", external_id="b2")
    assert real(player) == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.001", "abc", "1E+2", 1.5])
def test_bad_amounts_are_refused(player, amount):
    with pytest.raises(errors.InvalidAmount):
        operations.debit(player, "EUR", amount, source="betsy", external_id="b1")
    assert count(Transaction) == 1  # only the opening balance


def test_currencies_follow_the_brand_and_their_digits(player):
    with pytest.raises(errors.CurrencyNotAllowed):
        operations.credit(player, "USD", "1.00", source="betsy", external_id="w1")
    operations.credit(player, "BTC", "0.00000001", source="betsy", external_id="w2")
    operations.credit(player, "JPY", "500", source="betsy", external_id="w3")
    with pytest.raises(errors.InvalidAmount):
        operations.credit(player, "JPY", "1.5", source="betsy", external_id="w4")
    assert (real(player, "BTC"), real(player, "JPY")) == (Decimal("0.00000001"), Decimal(500))


def test_a_zero_credit_records_a_lost_bet(player):
    lost = operations.credit(player, "EUR", "0", source="betcore", external_id="r1")
    assert lost.transaction.amount == 0 and lost.transaction.entries == []
    assert operations.credit(player, "EUR", "0", source="betcore", external_id="r1").replayed


def test_refund_applies_once(player):
    operations.debit(player, "EUR", "10.00", source="betsy", external_id="b1")
    refund = operations.refund_stake(
        player, "EUR", source="betsy", external_id="rb1", original_external_id="b1"
    )
    again = operations.refund_stake(
        player, "EUR", source="betsy", external_id="rb1", original_external_id="b1"
    )
    assert (refund.amount, again.replayed, real(player)) == (
        Decimal("10.00"),
        True,
        Decimal("100.00"),
    )
    with pytest.raises(errors.AlreadyReversed):
        operations.refund_stake(
            player, "EUR", source="betsy", external_id="rb2", original_external_id="b1"
        )
    assert real(player) == Decimal("100.00")


def test_refund_before_the_stake_voids_the_late_stake(player):
    early = operations.refund_stake(
        player, "EUR", source="betsy", external_id="rb1", original_external_id="b1"
    )
    assert early.amount == 0
    with pytest.raises(errors.TransactionVoided):
        operations.debit(player, "EUR", "10.00", source="betsy", external_id="b1")
    assert real(player) == Decimal("100.00")
    db.session.commit()
    assert verify.problems() == []


def test_reversal_takes_a_win_back_but_not_below_zero(player):
    operations.credit(player, "EUR", "50.00", source="betsy", external_id="w1")
    operations.debit(player, "EUR", "120.00", source="betsy", external_id="b1")
    with pytest.raises(errors.InsufficientFunds):
        operations.reverse_credit(
            player, "EUR", source="betsy", external_id="rw1", original_external_id="w1"
        )
    operations.credit(player, "EUR", "20.00", source="betsy", external_id="w2")
    reversal = operations.reverse_credit(
        player, "EUR", source="betsy", external_id="rw1", original_external_id="w1"
    )
    assert (reversal.amount, reversal.balance) == (Decimal("50.00"), Decimal("0.00"))


def test_a_refund_must_name_a_stake_of_the_same_player_and_currency(player, ctx):
    operations.credit(player, "EUR", "5.00", source="betsy", external_id="w1")
    with pytest.raises(errors.DuplicateMismatch):  # a win is not a stake
        operations.refund_stake(
            player, "EUR", source="betsy", external_id="r1", original_external_id="w1"
        )
    operations.debit(player, "EUR", "5.00", source="betsy", external_id="b1")
    with pytest.raises(errors.DuplicateMismatch):
        operations.refund_stake(
            player, "BTC", source="betsy", external_id="r2", original_external_id="b1"
        )


def test_adjustments_need_a_reason_and_respect_the_balance(player):
    with pytest.raises(errors.InvalidAmount):
        operations.adjust(player, "EUR", "5", reason=" ", operator="t", external_id="a1")
    with pytest.raises(errors.InsufficientFunds):
        operations.adjust(player, "EUR", "-100.01", reason="fix", operator="t", external_id="a2")
    operations.adjust(player, "EUR", "-40", reason="fix", operator="t", external_id="a3")
    operations.adjust(
        player, "EUR", "7.5", reason="gift", operator="t", external_id="a4", account_kind="bonus"
    )
    balance = queries.balance(player, "EUR")
    assert (balance.real, balance.bonus, balance.total) == (
        Decimal("60.00"),
        Decimal("7.50"),
        Decimal("67.50"),
    )


def test_verify_reports_a_tampered_balance(player):
    from portal.wallet.models import Account

    account = db.session.scalar(select(Account).where(Account.player_id == player.id))
    account.balance += 1
    db.session.commit()
    assert any("cached balance" in line for line in verify.problems())


def test_history_pages_and_filters(player):
    for n in range(25):
        operations.debit(player, "EUR", "1.00", source="betsy", external_id=f"b{n}")
    operations.credit(player, "BTC", "0.5", source="betsy", external_id="w-btc")
    everything = queries.history(player)
    assert (everything.total, everything.pages, len(everything.items)) == (27, 2, 20)
    assert everything.items[0].external_id == "w-btc"  # newest first
    stakes = queries.history(player, currency="EUR", kind="stake", page=2)
    assert (stakes.total, len(stakes.items)) == (25, 5)
    assert {t.kind for t in stakes.items} == {"stake"}


def test_online_status_reports_the_ledger(app, player):
    from portal.accounts import status
    from portal.accounts.sessions import open_session, resolve_session

    session = resolve_session(open_session(player, channel="api"))
    operations.debit(player, "EUR", "30.00", source="betsy", external_id="b1")
    operations.credit(player, "EUR", "12.00", source="betsy", external_id="w1")
    operations.adjust(
        player, "EUR", "5", reason="gift", operator="t", external_id="g", account_kind="bonus"
    )
    body = status.online_status(db.session.get(Player, player.id), session)
    assert (body["real_balance"], body["bonusBalance"], body["total_balance"]) == (
        Decimal("82.00"),
        Decimal("5.00"),
        Decimal("87.00"),
    )
    assert (body["rounds_since_login"], body["balance_since_login"]) == (1, Decimal("-18.00"))
