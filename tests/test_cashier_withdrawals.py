"""Withdrawals: requested (held at once), cancelled by the player, declined by an operator,
approved with the sandbox provider paying out (or failing to: the money returns), from
the command line and the cashier page; and requests racing bets on both databases never
take the balance below zero."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.accounts.models import Player
from portal.extensions import db
from portal.payments import deposits, withdrawals
from portal.payments.models import Withdrawal
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries, verify
from tests.conftest import csrf_token
from tests.gateway_flows import INGAME, STATUS, auth, login
from tests.harness.payments import callback, served_cashier

GOOD, PAYOUT_FAILS = "4242424242424242", "4000000000000119"


@pytest.fixture
def cashier(app, brand_id):
    with served_cashier(app, brand_id) as served:
        yield served


@pytest.fixture
def player(make_player, ctx):
    player = db.session.get(Player, make_player())
    db.session.commit()
    return player


def deposit(url, player, amount="100.00", card=GOOD, tx="TX1") -> None:
    reference = deposits.start(player, amount, "EUR", "sandbox").reference
    db.session.commit()
    body = {
        "provider_tx_id": tx,
        "reference": reference,
        "status": "success",
        "amount": amount,
        "currency": "EUR",
        "requisite": card,
    }
    assert callback(url, body).status_code == 200


def balance(player) -> Decimal:
    db.session.expire_all()
    found = queries.real_balance(player.id, "EUR")
    db.session.commit()
    return found


def ask(player, amount="30.00", requisite="424242******4242") -> int:
    withdrawal_id = withdrawals.ask(player, amount, "EUR", "sandbox", requisite).id
    db.session.commit()
    return withdrawal_id


def status(withdrawal_id: int) -> str:
    db.session.expire_all()
    found = db.session.get(Withdrawal, withdrawal_id).status
    db.session.commit()
    return found


def test_a_request_holds_the_amount_and_cancelling_gives_it_back(cashier, player):
    url, _ = cashier
    deposit(url, player)
    asked = ask(player)
    assert status(asked) == "pending" and balance(player) == Decimal("70.00")
    assert withdrawals.pending_total(player.id, "EUR") == 3000
    withdrawals.cancel(player.id, asked)
    db.session.commit()
    assert status(asked) == "cancelled" and balance(player) == Decimal("100.00")
    withdrawals.cancel(player.id, asked)  # again (the crash test: a resent form): alike,
    db.session.commit()  # and the money returned once
    assert status(asked) == "cancelled" and balance(player) == Decimal("100.00")
    assert verify.problems() == []


def test_an_approved_request_is_paid_out_by_the_provider(cashier, player, runner):
    url, provider = cashier
    deposit(url, player)
    asked = ask(player)
    listed = runner.invoke(args=["withdrawals", "list"])
    assert f"{asked}\tplayer {player.id}\t30.00 EUR" in listed.output
    done = runner.invoke(args=["withdrawals", "approve", str(asked)])
    assert (done.exit_code, done.output) == (0, f"withdrawal {asked}: paid\n")
    assert status(asked) == "success" and balance(player) == Decimal("70.00")
    (payout,) = provider.payouts()
    assert (payout.amount, payout.requisite, payout.token) == ("30.00", "424242******4242", "TX1")
    again = runner.invoke(args=["withdrawals", "approve", str(asked)])
    assert again.exit_code == 1 and "not waiting" in again.output
    assert len(provider.payouts()) == 1


def test_approving_without_the_providers_settings_changes_nothing(app, cashier, player, runner):
    """Found by a review: in another shell than `flask dev` the sandbox's URL is not set;
    approving then moved the request to "process" for good. Now it is refused and stays
    pending (the player may still cancel)."""
    url, _ = cashier
    deposit(url, player)
    asked = ask(player)
    app.config["PAYMENT_SANDBOX_URL"] = ""
    done = runner.invoke(args=["withdrawals", "approve", str(asked)])
    assert done.exit_code == 1 and "the provider cannot pay out" in done.output
    assert "PAYMENT_SANDBOX_URL" in done.output
    assert status(asked) == "pending" and balance(player) == Decimal("70.00")


def test_a_failed_payout_gives_the_money_back(cashier, player, runner):
    url, _ = cashier
    deposit(url, player, card=PAYOUT_FAILS)
    asked = ask(player, requisite="400000******0119")
    done = runner.invoke(args=["withdrawals", "approve", str(asked)])
    assert done.exit_code == 0 and "payout failed, money returned" in done.output
    assert status(asked) == "fail" and balance(player) == Decimal("100.00")
    assert verify.problems() == []


def test_an_operator_declines_with_a_reason(cashier, player, runner):
    url, _ = cashier
    deposit(url, player)
    asked = ask(player)
    unsaid = runner.invoke(args=["withdrawals", "decline", str(asked), "--reason", " "])
    assert unsaid.exit_code == 1 and "give a reason" in unsaid.output
    done = runner.invoke(
        args=["withdrawals", "decline", str(asked), "--reason", "documents needed"]
    )
    assert done.exit_code == 0 and status(asked) == "declined"
    assert balance(player) == Decimal("100.00")
    assert db.session.get(Withdrawal, asked).reason == "documents needed"
    db.session.commit()


def test_what_cannot_be_withdrawn(cashier, player):
    url, _ = cashier
    deposit(url, player, amount="40.00")
    cases = [
        ("50.00", "424242******4242", "funds"),
        ("4.00", "424242******4242", "below_min"),
        ("501.00", "424242******4242", "above_max"),
        ("10.00", "555555******4444", "requisite"),  # not a card the player deposited with
    ]
    for amount, requisite, code in cases:
        with pytest.raises(deposits.CashierRefused) as refused:
            withdrawals.ask(player, amount, "EUR", "sandbox", requisite)
        db.session.rollback()
        assert refused.value.code == code
    assert balance(player) == Decimal("40.00")
    assert db.session.scalar(select(Withdrawal.id)) is None
    db.session.commit()


def test_the_cashier_page_requests_and_cancels(app, cashier, player):
    import requests

    url, _ = cashier
    deposit(url, player)
    web = requests.Session()
    page = web.get(f"{url}/login", timeout=10).text
    login = {"csrf_token": csrf_token(page), "identifier": "player@example.com"}
    assert web.post(f"{url}/login", data=login | {"password": "secret123"}, timeout=10).ok
    form = web.get(f"{url}/cashier", timeout=10).text
    assert "424242******4242" in form
    fields = {"amount": "25.00", "currency": "EUR", "provider": "sandbox"}
    fields |= {"requisite": "424242******4242", "csrf_token": csrf_token(form)}
    asked = web.post(f"{url}/cashier/withdraw", data=fields, timeout=10)
    assert "Your withdrawal is requested" in asked.text and 'data-status="pending"' in asked.text
    assert balance(player) == Decimal("75.00")
    too_much = web.post(f"{url}/cashier/withdraw", data=fields | {"amount": "90.00"}, timeout=10)
    assert too_much.status_code == 422 and "withdrawable balance is too low" in too_much.text
    withdrawal_id = db.session.scalar(select(Withdrawal.id))
    db.session.commit()
    cancel = {"csrf_token": csrf_token(asked.text)}
    done = web.post(f"{url}/cashier/withdrawals/{withdrawal_id}/cancel", data=cancel, timeout=10)
    assert "Your withdrawal is cancelled" in done.text and balance(player) == Decimal("100.00")
    history = web.get(f"{url}/wallet/history?currency=EUR", timeout=10).text
    assert all(word in history for word in ("Deposit", "Withdrawal", "Withdrawal returned"))
    only = web.get(f"{url}/wallet/history?currency=EUR&kind=deposit", timeout=10)
    assert only.status_code == 200 and "Withdrawal" not in only.text.split("<table")[-1]


def test_requests_racing_bets_never_take_the_balance_below_zero(app, cashier, player):
    """Six threads: three ask withdrawals of 30.00, three stake 30.00 on the casino, all at
    once, on 100.00: at most three succeed, the balance stays >= 0 and adds up."""
    url, _ = cashier
    deposit(url, player)
    player_id = player.id
    db.session.commit()  # (SQLite: the test's own transaction would keep the writers out)
    gate, outcomes, errors = threading.Barrier(6), [], []

    def run(kind: str, n: int):
        try:
            with app.app_context():
                me = db.session.get(Player, player_id)
                db.session.commit()
                gate.wait(timeout=10)
                try:
                    if kind == "withdraw":
                        withdrawals.ask(me, "30.00", "EUR", "sandbox", "424242******4242")
                    else:
                        wallet.debit(me, "EUR", "30.00", source="betcore", external_id=f"bet{n}")
                    db.session.commit()
                    outcomes.append(kind)
                except (deposits.CashierRefused, wallet_errors.InsufficientFunds):
                    db.session.rollback()
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(k, n)) for n, k in enumerate(["withdraw", "bet"] * 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(outcomes) == 3
    held = withdrawals.pending_total(player_id, "EUR")
    assert held == 3000 * outcomes.count("withdraw")
    assert balance(player) == Decimal("10.00")
    assert verify.problems() == []
    db.session.commit()


def test_the_online_status_reports_deposits_and_withdrawals(app, cashier, player, runner):
    """Seed 002: deposit_count, depositsAmount, average_deposit, last_deposit(_amount),
    pending_withdrawal, total_withdrawals, from the cashier's records."""
    url, _ = cashier
    deposit(url, player, amount="100.00", tx="TX1")
    deposit(url, player, amount="50.00", tx="TX2")
    paid = ask(player, amount="20.00")
    assert runner.invoke(args=["withdrawals", "approve", str(paid)]).exit_code == 0
    ask(player, amount="30.00")  # waiting
    client = app.test_client()
    token = login(client, player.brand_id, "secret123", email="player@example.com").json
    body = client.get(STATUS.format(player.brand_id), headers=auth(token["auth_token"])).json
    figures = {name: body[name] for name in FIGURES}
    assert figures == {
        "deposit_count": 2,
        "depositsAmount": 150.0,
        "average_deposit": 75.0,
        "last_deposit_amount": 50.0,
        "pending_withdrawal": 30.0,
        "total_withdrawals": 20.0,
        "real_balance": 100.0,
    }
    assert body["last_deposit"] is not None and len(body["last_deposit"]) == 19
    ingame = client.get(INGAME.format(player.brand_id, "g-1"), headers=auth(token["auth_token"]))
    assert ingame.json["deposit_count"] == 2
    assert ingame.json["pending_withdrawal"] == 30.0


FIGURES = (
    "deposit_count",
    "depositsAmount",
    "average_deposit",
    "last_deposit_amount",
    "pending_withdrawal",
    "total_withdrawals",
    "real_balance",
)


def test_a_withdrawal_before_the_wagering_is_met_forfeits_the_bonus(cashier, player):
    from portal.bonuses import operations as bonuses
    from portal.bonuses.models import BonusAssignment

    url, _ = cashier
    deposit(url, player)
    bonuses.create("Free", "FREE5", amount="5.00", wagering="10", max_conversion="5.00", days=7)
    bonuses.claim(player, "FREE5", "EUR")
    db.session.commit()
    ask(player, amount="30.00")
    assignment = db.session.scalar(select(BonusAssignment))
    assert (assignment.status, assignment.forfeited) == ("forfeited", 500)
    db.session.expire_all()
    found = queries.balance(player, "EUR")
    db.session.commit()
    assert (found.real, found.bonus) == (Decimal("70.00"), Decimal("0.00"))
    assert verify.problems() == []
    db.session.commit()


def test_cancel_and_approve_at_the_same_moment_pay_or_return_once(app, cashier, player):
    """The player cancels while two operators approve: the money is either returned once
    or paid out once (a second approval of a request being paid sends the same payout,
    which the provider knows by its reference), never both."""
    url, provider = cashier
    deposit(url, player)
    asked = ask(player)
    player_id = player.id
    db.session.commit()  # (SQLite: the test's own transaction would keep the writers out)
    gate, done, errors = threading.Barrier(3), [], []

    def run(action):
        try:
            with app.app_context():
                gate.wait(timeout=10)
                try:
                    if action == "cancel":
                        withdrawals.cancel(player_id, asked)
                        db.session.commit()
                    else:
                        withdrawals.approve(asked, "ops")
                    done.append(action)
                except deposits.CashierRefused:
                    db.session.rollback()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(a,)) for a in ("cancel", "approve", "approve")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and done in (["cancel"], ["approve"], ["approve", "approve"])
    final = status(asked)
    paid = len(provider.payouts())
    if done == ["cancel"]:
        assert (final, paid, balance(player)) == ("cancelled", 0, Decimal("100.00"))
    else:
        assert (final, paid, balance(player)) == ("success", 1, Decimal("70.00"))
    assert verify.problems() == []
    db.session.commit()


def test_a_player_cannot_cancel_another_players_withdrawal(cashier, player, make_player):
    url, _ = cashier
    deposit(url, player)
    asked = ask(player)
    other = make_player(email="other@example.com")
    with pytest.raises(deposits.CashierRefused):
        withdrawals.cancel(other, asked)
    db.session.rollback()
    assert status(asked) == "pending" and balance(player) == Decimal("70.00")
