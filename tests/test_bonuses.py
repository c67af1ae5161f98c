"""Bonuses on the ledger: definitions, grants (by an operator, a code at registration or
with a deposit), wagering by stakes, completion with a capped conversion, expiry and the
forfeit a withdrawal causes; `flask wallet verify` after each, to the cent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import money
from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.bonuses.models import BonusAssignment
from portal.extensions import db
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries, verify
from tests.gateway_flows import STATUS, auth, login


@pytest.fixture
def player(make_player, ctx):
    player = db.session.get(Player, make_player())
    wallet.adjust(player, "EUR", "100.00", reason="opening", operator="t", external_id="o")
    db.session.commit()
    return player


def money_of(player) -> tuple[Decimal, Decimal]:
    db.session.expire_all()
    found = queries.balance(player, "EUR")
    db.session.commit()  # (SQLite: a read holds the write lock until its transaction ends)
    return found.real, found.bonus


def stake(player, amount: str, n: int) -> None:
    wallet.debit(player, "EUR", amount, source="betcore", external_id=f"{n}:-1")
    db.session.commit()


def define(code="FREE10", **fields):
    values = dict(amount="10.00", wagering="5", max_conversion="8.00", days=7) | fields
    bonus = bonuses.create(f"{code} bonus", code, **values)
    db.session.commit()
    return bonus


def expired_free10(player) -> BonusAssignment:
    """FREE10 granted to the player, its 7 days over a day ago (committed)."""
    define()
    bonuses.grant(player, bonuses.by_code("FREE10"), "EUR")
    db.session.commit()
    assignment = db.session.scalar(select(BonusAssignment))
    assignment.expires_at -= timedelta(days=8)
    db.session.commit()
    return assignment


def test_a_worked_example_from_grant_to_capped_conversion(player, runner):
    """FREE10: 10.00, wager 5 x 10.00 = 50.00, at most 8.00 becomes real money."""
    define()
    done = runner.invoke(args=["bonuses", "assign", str(player.id), "free10"])
    assert done.exit_code == 0, done.output
    assert money_of(player) == (Decimal("100.00"), Decimal("10.00"))
    assignment = db.session.scalar(select(BonusAssignment))
    assert (assignment.amount, assignment.wagering_required) == (1000, 5000)
    stake(player, "20.00", 1)
    stake(player, "20.00", 2)
    assert db.session.get(BonusAssignment, assignment.id).wagered == 4000
    assert verify.problems() == []
    stake(player, "15.00", 3)  # wagered 55.00 >= 50.00: complete
    assignment = db.session.get(BonusAssignment, assignment.id)
    assert (assignment.status, assignment.converted, assignment.forfeited) == (
        "completed",
        800,
        200,
    )
    assert money_of(player) == (Decimal("53.00"), Decimal("0.00"))  # 100 - 55 + 8
    assert verify.problems() == []
    stake(player, "1.00", 4)  # no bonus now: nothing counts
    assert db.session.get(BonusAssignment, assignment.id).wagered == 5500
    db.session.commit()


def test_an_expired_bonus_is_forfeited(player, runner):
    assignment = expired_free10(player)
    done = runner.invoke(args=["bonuses", "expire"])
    assert (done.exit_code, done.output) == (0, "1 assignment(s) expired\n")
    assignment = db.session.get(BonusAssignment, assignment.id)
    assert (assignment.status, assignment.forfeited) == ("expired", 1000)
    assert money_of(player) == (Decimal("100.00"), Decimal("0.00"))
    assert verify.problems() == []
    db.session.commit()


def test_a_stake_after_the_end_of_a_bonus_expires_it(player):
    assignment = expired_free10(player)
    stake(player, "50.00", 1)
    assignment = db.session.get(BonusAssignment, assignment.id)
    assert (assignment.status, assignment.wagered) == ("expired", 0)
    assert money_of(player) == (Decimal("50.00"), Decimal("0.00"))
    db.session.commit()


def test_one_active_bonus_per_currency_and_codes_must_exist(player):
    define()
    bonuses.claim(player, "free10", "EUR")
    db.session.commit()
    for code, refused in (("FREE10", "active"), ("NOPE", "unknown")):
        with pytest.raises(bonuses.BonusRefused) as exc:
            bonuses.claim(player, code, "EUR")
        db.session.rollback()
        assert exc.value.code == refused
    define("MATCH", amount=None, percent="100", max_amount="50.00")
    with pytest.raises(bonuses.BonusRefused) as exc:
        bonuses.claim(player, "MATCH", "USD")
    db.session.rollback()
    assert exc.value.code == "needs_deposit"


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"amount": None}, "either an amount or a percentage"),
        ({"percent": "50"}, "either an amount or a percentage"),
        ({"amount": None, "percent": "50"}, "needs a maximum"),
        ({"amount": "-1"}, "amount: a positive number"),
        ({"wagering": "abc"}, "wagering: a number"),
        ({"days": 0}, "days"),
    ],
)
def test_a_wrong_definition_says_why(ctx, fields, says):
    values = dict(amount="10.00", wagering="5", max_conversion="8.00", days=7) | fields
    with pytest.raises(bonuses.BonusRefused) as exc:
        bonuses.create("X", "X1", **values)
    db.session.rollback()
    assert says in exc.value.detail


def test_the_cli_creates_and_refuses_in_words(runner, ctx):
    done = runner.invoke(
        args=["bonuses", "create", "--name", "Welcome", "--code", "welcome", "--percent", "100",
              "--max-amount", "50.00", "--wagering", "30", "--max-conversion", "100.00",
              "--days", "30"]
    )  # fmt: skip
    assert (done.exit_code, done.output) == (0, "bonus 1: Welcome (code WELCOME)\n")
    again = runner.invoke(
        args=["bonuses", "create", "--name", "W", "--code", "WELCOME", "--amount", "5",
              "--wagering", "1", "--max-conversion", "5", "--days", "1"]
    )  # fmt: skip
    assert again.exit_code == 1 and "the code WELCOME is taken" in again.output
    listed = runner.invoke(args=["bonuses", "list"])
    assert "WELCOME\tWelcome\t100% up to 50\tx30" in listed.output


def test_a_fixed_code_at_registration_is_granted(make_player, ctx):
    define("HELLO", amount="5.00", wagering="1", max_conversion="5.00")
    player = db.session.get(Player, make_player(email="new@example.com", bonus_code="hello"))
    db.session.commit()
    assert money_of(player) == (Decimal("0.00"), Decimal("5.00"))
    unknown = db.session.get(Player, make_player(email="x@example.com", bonus_code="NOPE"))
    assert money_of(unknown) == (Decimal("0.00"), Decimal("0.00"))  # ignored, registered
    db.session.commit()


def test_the_online_status_and_the_wagering_complete_event(app, player, make_player):
    """Seed 002: bonusBalance, wageringBalance, then after completion wageringComplete,
    maxWin and wageringCompleteInfoPath, whose event only the player's token reads."""
    define()
    client = app.test_client()
    token = login(client, player.brand_id, "secret123", email="player@example.com").json
    headers = auth(token["auth_token"])
    bonuses.grant(player, bonuses.by_code("FREE10"), "EUR")
    db.session.commit()
    stake(player, "20.00", 1)
    body = client.get(STATUS.format(player.brand_id), headers=headers).json
    assert (body["bonusBalance"], body["wageringBalance"]) == (10.0, 30.0)
    assert (body["wageringComplete"], body["wageringCompleteInfoPath"]) == ("0", None)
    stake(player, "30.00", 2)  # 50.00 wagered: complete
    body = client.get(STATUS.format(player.brand_id), headers=headers).json
    assert (body["bonusBalance"], body["wageringBalance"], body["maxWin"]) == (0.0, 0.0, 8.0)
    assert body["wageringComplete"] == "1" and body["real_balance"] == 58.0
    path = body["wageringCompleteInfoPath"]
    assert path.startswith(f"/gateway/bonus/1/wagering-complete/{player.brand_id}/{player.id}/")
    event = client.get(path, headers=headers)
    assert event.status_code == 200
    assert {k: event.json[k] for k in ("bonusCode", "bonusAmount", "converted", "forfeited")} == {
        "bonusCode": "FREE10",
        "bonusAmount": 10.0,
        "converted": 8.0,
        "forfeited": 2.0,
    }
    make_player(email="other@example.com")
    other = login(client, player.brand_id, "secret123", email="other@example.com").json
    assert client.get(path, headers=auth(other["auth_token"])).status_code == 404
    assert client.get(path).status_code == 401


def bet(player, bet_id: str, stake_amount: str) -> None:
    wallet.debit(player, "EUR", stake_amount, source="betcore", external_id=f"{bet_id}:-1",
                 reference=bet_id)  # fmt: skip
    db.session.commit()


def win(player, bet_id: str, amount: str) -> None:
    wallet.credit(player, "EUR", amount, source="betcore", external_id=f"{bet_id}:1",
                  reference=bet_id)  # fmt: skip
    db.session.commit()


def state(player) -> tuple:
    real, bonus = money_of(player)
    assignment = db.session.scalar(select(BonusAssignment))
    found = (real, bonus, money.from_minor(assignment.wagered, "EUR"), assignment.status)
    db.session.commit()
    assert verify.problems() == []
    return found


def test_the_readme_example_real_first_stakes_bonus_wins_and_capped_conversion(make_player, ctx):
    """The README's worked example, to the cent: 20.00 real, a 10.00 bonus wagered 5 times
    (50.00), at most 12.00 converted."""
    player = db.session.get(Player, make_player())
    wallet.adjust(player, "EUR", "20.00", reason="deposit", operator="t", external_id="d")
    define("FREE", amount="10.00", wagering="5", max_conversion="12.00")
    bonuses.grant(player, bonuses.by_code("FREE"), "EUR")
    db.session.commit()
    D = Decimal
    bet(player, "a", "15.00")  # real only
    assert state(player) == (D("5.00"), D("10.00"), D("15.00"), "active")
    bet(player, "b", "8.00")  # 5.00 real, then 3.00 bonus
    assert state(player) == (D("0.00"), D("7.00"), D("23.00"), "active")
    win(player, "b", "16.00")  # 3/8 of the stake was bonus: 6.00 to the bonus balance
    assert state(player) == (D("10.00"), D("13.00"), D("23.00"), "active")
    bet(player, "c", "12.00")  # 10.00 real, 2.00 bonus
    assert state(player) == (D("0.00"), D("11.00"), D("35.00"), "active")
    wallet.refund_stake(player, "EUR", source="betcore", external_id="c:2",
                        original_external_id="c:-1", reference="c")  # fmt: skip
    db.session.commit()  # each part back where it came from; the stake no longer counts
    assert state(player) == (D("10.00"), D("13.00"), D("23.00"), "active")
    with pytest.raises(wallet_errors.InsufficientFunds):
        bet(player, "x", "23.01")  # real and bonus together: 23.00
    db.session.rollback()
    bet(player, "d", "20.00")  # 10.00 real, 10.00 bonus
    assert state(player) == (D("0.00"), D("3.00"), D("43.00"), "active")
    win(player, "d", "30.00")  # half of the stake was bonus: 15.00 to the bonus balance
    assert state(player) == (D("15.00"), D("18.00"), D("43.00"), "active")
    bet(player, "e", "7.00")  # 50.00 wagered: 18.00 bonus, 12.00 of it becomes real
    assert state(player) == (D("20.00"), D("0.00"), D("50.00"), "completed")
    assignment = db.session.scalar(select(BonusAssignment))
    assert (assignment.converted, assignment.forfeited) == (1200, 600)
    db.session.commit()
    win(player, "e", "14.00")  # after the bonus: all real
    assert money_of(player) == (D("34.00"), D("0.00"))


def test_vendors_see_real_and_bonus_money(player):
    """Where a vendor's protocol has one balance (BETCORE's Balance, Betsy's amount), it is
    the playable balance: real and bonus money."""
    from portal.casino import operations as casino
    from portal.sportsbook import operations as sportsbook

    define()
    bonuses.grant(player, bonuses.by_code("FREE10"), "EUR")
    db.session.commit()
    movement = wallet.debit(player, "EUR", "5.00", source="betcore", external_id="v:-1")
    assert (movement.balance, movement.playable_after) == (Decimal("105.00"), 10500)
    db.session.commit()
    assert casino.balance(player, "EUR") == "105.00"
    holder = wallet.Holder(player.id, ("EUR", "USD"))
    assert sportsbook._answer(holder, "EUR", None)["amount"] == Decimal("105.00")


def test_expired_bonus_money_is_never_staked(make_player, ctx):
    player = db.session.get(Player, make_player())
    wallet.adjust(player, "EUR", "5.00", reason="deposit", operator="t", external_id="d")
    expired_free10(player)
    with pytest.raises(wallet_errors.InsufficientFunds):
        bet(player, "a", "8.00")  # 5.00 real; the 10.00 bonus has expired
    db.session.rollback()
    assert money_of(player) == (Decimal("5.00"), Decimal("10.00"))  # (the refusal rolled back)
    bet(player, "b", "5.00")  # a stake that real money covers ends the expired bonus first
    assert state(player) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), "expired")


def test_a_win_on_bonus_money_after_the_bonus_ended_forfeits_its_share(make_player, ctx):
    player = db.session.get(Player, make_player())
    wallet.adjust(player, "EUR", "4.00", reason="deposit", operator="t", external_id="d")
    define(amount="10.00", wagering="1", max_conversion="100.00")  # wager 10.00
    bonuses.grant(player, bonuses.by_code("FREE10"), "EUR")
    db.session.commit()
    bet(player, "a", "8.00")  # 4.00 real + 4.00 bonus: 8.00 wagered
    bet(player, "b", "2.00")  # bonus only: 10.00 wagered, complete: 4.00 converts
    assert state(player) == (Decimal("4.00"), Decimal("0.00"), Decimal("10.00"), "completed")
    win(player, "a", "16.00")  # half of "a" was bonus: 8.00 forfeited, 8.00 real
    assert state(player)[:2] == (Decimal("12.00"), Decimal("0.00"))
    wallet.refund_stake(player, "EUR", source="betcore", external_id="b:2",
                        original_external_id="b:-1", reference="b")  # fmt: skip
    db.session.commit()  # "b" was all bonus: nothing comes back as real money
    assert state(player)[:2] == (Decimal("12.00"), Decimal("0.00"))


def test_each_bonus_once_per_player_and_a_fixed_registration_code_once(make_player, ctx):
    from portal.payments import deposits, providers
    from portal.payments.cli import method_row

    define("HELLO", amount="5.00", wagering="1", max_conversion="5.00")
    player = db.session.get(Player, make_player(email="new@example.com", bonus_code="hello"))
    bonuses.forfeit(bonuses.active(player.id, "EUR"))
    db.session.commit()
    with pytest.raises(bonuses.BonusRefused) as refused:
        bonuses.claim(player, "HELLO", "EUR")
    db.session.rollback()
    assert refused.value.code == "used"
    limits = {
        "min_deposit": "1",
        "max_deposit": "100",
        "min_withdrawal": "1",
        "max_withdrawal": "100",
    }
    method_row(player.brand_id, "sandbox", "EUR", limits)
    reference = deposits.start(player, "20.00", "EUR", "sandbox").reference
    callback = providers.Callback("T1", reference, "success", Decimal("20.00"), "EUR")
    assert deposits.apply_callback("sandbox", callback).outcome == "applied"
    db.session.commit()
    assert money_of(player) == (Decimal("20.00"), Decimal("0.00"))  # HELLO not given again
    assert len(db.session.scalars(select(BonusAssignment)).all()) == 1
    db.session.commit()


def test_the_answers_of_a_bonus_player_name_real_and_bonus_money(player):
    """Found by the bank test: a refusal for want of money reported real money only (BETCORE
    103802's Balance), a repeated stake answered without the bonus money its first answer
    had, and a stake that met the wagering answered the balance before the conversion."""
    define(amount="10.00", wagering="1", max_conversion="8.00")
    bonuses.grant(player, bonuses.by_code("FREE10"), "EUR")
    db.session.commit()
    with pytest.raises(wallet_errors.InsufficientFunds) as refused:
        bet(player, "a", "110.01")  # 100.00 real and 10.00 bonus
    db.session.rollback()
    assert refused.value.balance == Decimal("110.00")
    first = wallet.debit(player, "EUR", "4.00", source="betsy", external_id="b:bet", reference="b")
    db.session.commit()
    assert (first.playable_after, first.balance) == (10600, Decimal("106.00"))
    again = wallet.debit(player, "EUR", "4.00", source="betsy", external_id="b:bet", reference="b")
    db.session.commit()
    assert (again.replayed, again.playable_after, again.balance) == (True, 10600, Decimal("106.00"))
    met = wallet.debit(player, "EUR", "6.00", source="betsy", external_id="c:bet", reference="c")
    db.session.commit()  # 10.00 wagered: the 10.00 bonus converts 8.00 to real money
    assert (met.playable_after, met.balance) == (9800, Decimal("98.00"))
    assert money_of(player) == (Decimal("98.00"), Decimal("0.00"))
    repeat = wallet.debit(player, "EUR", "6.00", source="betsy", external_id="c:bet", reference="c")
    db.session.commit()
    assert repeat.playable_after == 9800
    assert verify.problems() == []


def test_assign_names_players_as_the_other_commands_and_checks_the_currency(player, runner):
    """Found by a review: `bonuses assign` matched the email exactly and took any currency."""
    define()
    other = runner.invoke(args=["bonuses", "assign", str(player.id), "FREE10", "--currency", "JPY"])
    assert other.exit_code == 1 and "does not offer this currency" in other.output
    by_email = runner.invoke(args=["bonuses", "assign", player.email.upper(), "free10"])
    assert by_email.exit_code == 0, by_email.output
    assert money_of(player) == (Decimal("100.00"), Decimal("10.00"))
    odd = runner.invoke(args=["bonuses", "assign", "\u00b2", "free10"])
    assert odd.exit_code == 1 and "no player" in odd.output


def test_the_worker_ends_bonuses_past_their_days(app, player):
    """Found by a review: nothing ran the expiry unless cron did; the worker now does it
    every minute (and at its start)."""
    import threading

    from portal.outbox.worker import run_worker

    expired_free10(player)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app,), kwargs={"stop_event": stop})
    worker.start()
    try:
        for _ in range(100):
            db.session.expire_all()
            ended = db.session.scalar(select(BonusAssignment)).status
            db.session.commit()
            if ended != "active":
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(10)
    assert ended == "expired"
    assert money_of(player) == (Decimal("100.00"), Decimal("0.00"))
