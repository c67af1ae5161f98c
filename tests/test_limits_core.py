"""The core of responsible gambling: limits with their rolling windows and cooling-off,
exclusions, and the wallet's check before a stake (wins, refunds never checked)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.limits import checks, operations, rules
from portal.limits.errors import LimitReached, PlayRefused
from portal.limits.models import LimitChange
from portal.wallet import operations as wallet
from portal.wallet.models import Account

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def player(app, make_brand, ctx):
    from portal.accounts import operations as accounts

    brand = accounts.get_brand(make_brand(currencies=("EUR", "USD")))
    found = accounts.register_player(
        brand, email="p@example.com", password="secret123", over18=True, complete=True
    )
    wallet.adjust(found, "EUR", "1000", reason="opening", operator="t", external_id="open")
    db.session.commit()
    return found


def stake(player, amount, key, currency="EUR"):
    movement = wallet.debit(player, currency, amount, source="betsy", external_id=key)
    db.session.commit()
    return movement


def win(player, amount, key, currency="EUR"):
    movement = wallet.credit(player, currency, amount, source="betsy", external_id=key)
    db.session.commit()
    return movement


def set_limit(player, kind, period, value, currency="EUR", **kw):
    if value is not None:
        value = operations.parse_value(kind, currency, value)
    view = operations.set_limit(player, kind, period, currency, value, **kw)
    db.session.commit()
    return view


def refused(player, amount, key, currency="EUR"):
    with pytest.raises((LimitReached, PlayRefused)) as caught:
        stake(player, amount, key, currency)
    db.session.rollback()
    return caught.value


def test_stake_limit_per_bet_refuses_a_larger_stake_and_keeps_the_balance(player):
    set_limit(player, "stake", "bet", "10")
    stake(player, "10", "s1")
    error = refused(player, "10.01", "s2")
    assert (error.kind, error.period, error.allowed) == ("stake", "bet", Decimal("10.00"))
    assert wallet.playable_balance_minor(player.id, "EUR") == 99000
    assert wallet.find("betsy", "s2") is None


def test_loss_limit_counts_stakes_minus_wins_over_a_rolling_day(player, clock):
    set_limit(player, "loss", "day", "50")
    stake(player, "40", "s1")
    clock.travel(HOUR)
    win(player, "15", "w1")  # lost 25 so far
    stake(player, "25", "s2")  # lost 50: exactly the limit
    error = refused(player, "0.01", "s3")
    assert (error.kind, error.period, error.allowed) == ("loss", "day", Decimal("0.00"))
    clock.travel(DAY - HOUR - timedelta(seconds=1))
    refused(player, "1", "s4")  # the first stake is still inside the window
    clock.travel(timedelta(seconds=2))  # s1 (40) left the window, w1 and s2 stay: lost 10
    stake(player, "40", "s5")
    error = refused(player, "0.01", "s6")
    assert error.allowed == Decimal("0.00")


def test_a_win_opens_room_under_a_loss_limit_and_refunds_count(player):
    set_limit(player, "loss", "week", "20")
    stake(player, "20", "s1")
    refused(player, "5", "s2")
    wallet.refund_stake(player, "EUR", source="betsy", external_id="r1", original_external_id="s1")
    db.session.commit()
    stake(player, "20", "s3")
    error = refused(player, "1", "s4")
    assert (error.period, error.allowed) == ("week", Decimal("0.00"))


def test_bet_count_limit_counts_stakes_in_every_currency(player):
    wallet.adjust(player, "USD", "100", reason="opening", operator="t", external_id="open-usd")
    db.session.commit()
    set_limit(player, "bets", "day", "2")
    stake(player, "1", "s1")
    stake(player, "1", "s2", currency="USD")
    error = refused(player, "1", "s3")
    assert (error.kind, error.period, error.allowed) == ("bets", "day", 0)


def test_wins_refunds_and_repeats_pass_whatever_the_limits(player):
    stake(player, "30", "s1")
    set_limit(player, "loss", "day", "30")
    set_limit(player, "stake", "bet", "5")
    win(player, "0", "w0")
    assert stake(player, "30", "s1").replayed  # a repeat of an accepted stake is answered
    wallet.refund_stake(player, "EUR", source="betsy", external_id="r1", original_external_id="s1")
    db.session.commit()
    operations.exclude(player, "timeout", "24h")
    db.session.commit()
    win(player, "7", "w1")
    assert wallet.playable_balance_minor(player.id, "EUR") == 100700


def test_a_lower_limit_applies_at_once_a_higher_one_after_24_hours(player, clock):
    set_limit(player, "stake", "bet", "10")
    lowered = set_limit(player, "stake", "bet", "5")
    assert (lowered.value, lowered.pending_at) == (500, None)
    raised = set_limit(player, "stake", "bet", "50")
    assert raised.value == 500 and raised.pending_value == 5000
    refused(player, "6", "s1")
    clock.travel(rules.COOLING_OFF - timedelta(seconds=5))
    refused(player, "6", "s2")
    clock.travel(timedelta(seconds=10))
    stake(player, "50", "s3")
    refused(player, "50.01", "s4")


def test_a_removal_waits_too_and_a_lower_value_cancels_a_pending_raise(player, clock):
    set_limit(player, "loss", "day", "10")
    pending = set_limit(player, "loss", "day", None)
    assert pending.value == 1000 and pending.pending_value is None and pending.pending_at
    again = set_limit(player, "loss", "day", "8")
    assert (again.value, again.pending_at) == (800, None)
    clock.travel(2 * DAY)
    refused(player, "8.01", "s1")
    set_limit(player, "loss", "day", None)
    clock.travel(DAY + HOUR)
    stake(player, "500", "s2")
    assert operations.limits_of(player) == []


def test_every_change_is_kept_with_who_and_when(player):
    set_limit(player, "deposit", "month", "100")
    set_limit(player, "deposit", "month", "200", actor="operator:ann", reason="asked by phone")
    changes = db.session.query(LimitChange).order_by(LimitChange.id).all()
    assert [(c.action, c.old_value, c.new_value, c.actor) for c in changes] == [
        ("set", "none", "100.00 EUR", "player"),
        ("raise-pending", "100.00 EUR", "200.00 EUR", "operator:ann"),
    ]
    assert changes[1].effective_at - changes[1].created_at == rules.COOLING_OFF


def test_invalid_limits_are_refused_in_words(player):
    for kind, period, currency, text, code in [
        ("loss", "year", "EUR", "1", "period"),
        ("deposit", "day", "GBP", "1", "currency"),
        ("deposit", "day", "EUR", "-1", "amount"),
        ("deposit", "day", "EUR", "0.001", "amount"),
        ("session", "session", None, "0", "minutes"),
        ("bets", "day", None, "1.5", "count"),
        ("cash", "day", "EUR", "1", "kind"),
    ]:
        with pytest.raises(operations.LimitInvalid) as caught:
            value = None
            if kind in rules.KINDS and period in rules.periods_of(kind):
                value = operations.parse_value(kind, currency, text)
            operations.set_limit(player, kind, period, currency, value)
        assert caught.value.code == code
        assert caught.value.code in operations.WORDS
        db.session.rollback()


def test_deposit_limits_count_every_deposit_that_has_not_failed(player, clock):
    from portal.payments.models import FAIL, NEW, SUCCESS, Deposit
    from portal.timeutil import utcnow

    set_limit(player, "deposit", "day", "100")
    set_limit(player, "deposit", "week", "150")
    for ref, amount, status in [("A", 6000, SUCCESS), ("B", 3000, NEW), ("C", 9000, FAIL)]:
        db.session.add(
            Deposit(
                reference=ref,
                player_id=player.id,
                provider="sandbox",
                currency="EUR",
                amount=amount,
                status=status,
            )
        )
    db.session.commit()
    assert checks.deposit_room(player.id, "EUR") == (1000, "day")
    error = checks.deposit_refusal(player.id, "EUR", 1001)
    assert (error.kind, error.period, error.allowed) == ("deposit", "day", Decimal("10.00"))
    assert checks.deposit_refusal(player.id, "EUR", 1000) is None
    clock.travel(23 * HOUR)  # the unfinished deposit still counts: it may yet be paid
    assert checks.deposit_room(player.id, "EUR") == (1000, "day")
    unfinished = db.session.query(Deposit).filter_by(reference="B").one()
    unfinished.status, unfinished.completed_at = SUCCESS, utcnow()  # paid late
    db.session.commit()
    clock.travel(2 * HOUR)  # A left the day's window; B counts from when it was paid
    assert checks.deposit_room(player.id, "EUR") == (6000, "week")
    clock.travel(DAY)  # out of the day's window, still in the week's
    assert checks.deposit_room(player.id, "EUR") == (6000, "week")
    assert checks.deposit_room(player.id, "USD") == (0, "day")  # limits hold every currency


def test_a_limit_set_in_one_currency_holds_the_others_at_zero_until_set_there(player, clock):
    wallet.adjust(player, "USD", "100", reason="opening", operator="t", external_id="open-usd")
    db.session.commit()
    set_limit(player, "loss", "day", "50")
    set_limit(player, "stake", "bet", "5")
    error = refused(player, "1", "u1", currency="USD")
    assert (error.kind, error.allowed, error.currency) == ("stake", Decimal("0.00"), "USD")
    usd = set_limit(player, "stake", "bet", "5", currency="USD")
    assert usd.value is None and usd.pending_value == 500  # a raise from 0: it waits
    refused(player, "1", "u2", currency="USD")
    clock.travel(DAY + HOUR)
    error = refused(player, "1", "u3", currency="USD")
    assert (error.kind, error.period) == ("loss", "day")  # the loss limit holds USD at 0
    set_limit(player, "loss", "day", "20", currency="USD")
    clock.travel(DAY + HOUR)
    stake(player, "5", "u4", currency="USD")
    refused(player, "5.01", "u5", currency="USD")


def test_an_exclusion_stops_stakes_in_the_wallet_and_flags_new_accounts(player, clock):
    operations.exclude(player, "timeout", "24h")
    db.session.commit()
    error = refused(player, "1", "s1")
    assert error.reason == "timed_out" and error.until is not None
    wallet.adjust(player, "USD", "5", reason="x", operator="t", external_id="usd")
    db.session.commit()
    usd = db.session.query(Account).filter_by(player_id=player.id, currency="USD").one()
    assert usd.limited
    refused(player, "1", "s2", currency="USD")
    clock.travel(DAY + timedelta(seconds=1))
    stake(player, "1", "s3")


def test_a_self_exclusion_cannot_be_shortened_and_reopens_only_when_asked(player, clock):
    operations.exclude(player, "self-exclusion", "6m", reason="too much")
    db.session.commit()
    assert player.opt_out_email and player.opt_out_sms and player.opt_out_phone
    for duration in ("24h", "6w"):
        with pytest.raises(operations.LimitInvalid, match="already_excluded"):
            operations.exclude(player, "timeout", duration)
        db.session.rollback()
    with pytest.raises(operations.LimitInvalid, match="not_ended"):
        operations.ask_reopen(player)
    db.session.rollback()
    clock.travel(timedelta(days=184))
    refused(player, "1", "s1")  # ended, but not reopened
    operations.ask_reopen(player)
    db.session.commit()
    refused(player, "1", "s2")
    clock.travel(DAY + timedelta(seconds=1))
    stake(player, "1", "s3")


def test_an_indefinite_self_exclusion_is_lifted_only_by_an_operator(player):
    operations.exclude(player, "self-exclusion", "indefinite")
    db.session.commit()
    with pytest.raises(operations.LimitInvalid, match="indefinite"):
        operations.ask_reopen(player)
    db.session.rollback()
    with pytest.raises(operations.LimitInvalid, match="reason"):
        operations.lift(player, reason=" ", actor="operator:ann")
    operations.lift(player, reason="entered by mistake", actor="operator:ann")
    db.session.commit()
    assert player.status == "active" and not player.limited
    stake(player, "1", "s1")


def test_play_refusal_knows_age_and_verification():
    from datetime import date, datetime

    now = datetime(2026, 12, 1, 12)
    base = dict(status="active", excluded_until=None, must_verify=False, verified_at=None, now=now)
    assert rules.play_refusal(birthdate=date(2008, 12, 1), **base) is None
    assert rules.play_refusal(birthdate=date(2008, 12, 2), **base).reason == "under_age"
    verify = {**base, "must_verify": True}
    assert rules.play_refusal(birthdate=None, **verify).reason == "not_verified"
    assert rules.play_refusal(birthdate=None, **{**verify, "verified_at": now}) is None
    blocked = {**base, "status": "blocked"}
    assert rules.play_refusal(birthdate=None, **blocked).reason == "blocked"


def test_closing_the_account_cannot_shorten_an_exclusion(player, clock):
    """A closure reopens 24 hours after the player asks: closing during a self-exclusion
    or a time-out would end it early, so it is refused until the exclusion is over."""
    for kind, duration in [("self-exclusion", "5y"), ("timeout", "6w")]:
        operations.exclude(player, kind, duration)
        db.session.commit()
        with pytest.raises(operations.LimitInvalid, match="close_while_excluded"):
            operations.exclude(player, "closure", None, reason="I am done")
        db.session.rollback()
        operations.lift(player, reason="next case", actor="operator:t")
        db.session.commit()


def test_a_closed_account_can_still_be_self_excluded(player, clock):
    operations.exclude(player, "closure", None, reason="I play elsewhere")
    db.session.commit()
    operations.exclude(player, "self-exclusion", "1y")
    db.session.commit()
    with pytest.raises(operations.LimitInvalid, match="not_ended"):
        operations.ask_reopen(player)  # the closure's "reopen when asked" is gone
    db.session.rollback()
    clock.travel(timedelta(days=2))
    refused(player, "1", "s1")


def test_a_blocked_player_is_not_excluded_over_the_block(player):
    player.status = "blocked"
    db.session.commit()
    with pytest.raises(operations.LimitInvalid, match="blocked"):
        operations.exclude(player, "timeout", "24h")
    db.session.rollback()
    assert player.status == "blocked"


def test_an_excluded_player_cannot_turn_marketing_back_on(player):
    from portal.accounts import profile

    operations.exclude(player, "timeout", "7d")
    db.session.commit()
    details = profile.validate_details(player, {"optOut": {"email": False, "sms": False}})
    profile.update_details(player, details)
    db.session.commit()
    assert player.opt_out_email and player.opt_out_sms


def test_a_login_after_a_time_out_tidies_the_status_and_the_flag(player, clock):
    from portal.accounts import operations as accounts

    operations.exclude(player, "timeout", "24h")
    db.session.commit()
    assert player.status == "timed_out" and player.limited
    clock.travel(DAY + HOUR)
    accounts.authenticate(
        player.brand, "p@example.com", "secret123", channel="web", client=accounts.Client()
    )
    db.session.commit()
    assert (player.status, player.excluded_until, player.limited) == ("active", None, False)
    account = db.session.query(Account).filter_by(player_id=player.id, kind="real").one()
    assert not account.limited
