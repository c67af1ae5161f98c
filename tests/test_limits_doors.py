"""Limits and exclusions at every door, in each door's protocol: Betsy's codes 9/11-16,
BETCORE's ErrorCodes of the README's table, the bet slip and the cashier in words (with
what is still allowed), no game page or vendor token for a player who may not play; wins,
settlements and refunds always pass."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.accounts.models import Brand, Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.limits import operations as limits
from portal.wallet import operations as wallet
from portal.wallet import queries
from tests.conftest import page_text, submit_form
from tests.harness.vendors import Betcore
from tests.test_betsy_api import SECRET, Betsy, Who, new_tx
from tests.test_coupon_pages import _log_in
from tests.test_coupons_flow import OVER, open_account_and_line, served  # noqa: F401


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.server.stop()


@pytest.fixture
def app(make_app, betcore):
    return make_app(
        BETSY_PARTNER_SECRET=SECRET, BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0
    )


@pytest.fixture
def who(app, make_player) -> Who:
    """A player with 100.00 EUR and a Betsy token."""
    from portal.sportsbook.operations import issue_token

    player_id = make_player()
    with app.app_context():
        found = db.session.get(Player, player_id)
        found.birthdate = date(1990, 1, 1)
        wallet.adjust(found, "EUR", "100.00", reason="t", operator="t", external_id="open")
        token = issue_token(found, "EUR")
        db.session.commit()
    return Who(player_id, token)


def change(app, who, action):
    """Run `action(player)` in its own unit of work."""
    with app.app_context():
        player = db.session.get(Player, who.id)
        action(player)
        db.session.commit()


def limit(app, who, kind, period, amount, currency="EUR"):
    def action(player):
        value = limits.parse_value(kind, currency, amount)
        limits.set_limit(player, kind, period, currency, value)

    change(app, who, action)


def real(app, who) -> Decimal:
    with app.app_context():
        return queries.real_balance(who.id, "EUR")


# --- Betsy ---------------------------------------------------------------------------------


def test_betsy_answers_11_12_13_for_the_limits_and_takes_nothing(app, client, who):
    betsy = Betsy(client)
    limit(app, who, "stake", "bet", "20")
    assert betsy.place(who, new_tx(), Decimal("20.01")).code() == 11
    limit(app, who, "loss", "day", "30")
    betsy.place(who, new_tx(), Decimal("20")).ok()
    assert betsy.place(who, new_tx(), Decimal("10.01")).code() == 12
    limit(app, who, "bets", "week", "2")
    betsy.place(who, new_tx(), Decimal("5")).ok()
    assert betsy.place(who, new_tx(), Decimal("0.01")).code() == 13
    assert real(app, who) == Decimal("75.00")


def test_betsy_answers_14_to_an_excluded_player_but_settles_and_rolls_back(app, client, who):
    betsy = Betsy(client)
    won, rolled = new_tx(), new_tx()
    betsy.place(who, won, Decimal("10")).ok()
    betsy.place(who, rolled, Decimal("10")).ok()
    change(app, who, lambda p: limits.exclude(p, "self-exclusion", "6m", reason="a break"))
    assert betsy.place(who, new_tx(), Decimal("1")).code() == 14
    betsy.place(who, won, Decimal("10")).ok()  # a repeat of an accepted bet is answered
    assert betsy.settle(who, won, Decimal("25")).ok()["amount"] == Decimal("105.00")
    assert betsy.rollback(who, rolled).ok()["amount"] == Decimal("115.00")
    change(app, who, lambda p: limits.lift(p, reason="test", actor="operator:t"))
    betsy.place(who, new_tx(), Decimal("1")).ok()


@pytest.mark.parametrize("status", ["timed_out", "closed"])
def test_betsy_refuses_time_outs_and_closed_accounts(app, client, who, status):
    kind = {"timed_out": ("timeout", "24h"), "closed": ("closure", None)}[status]
    change(app, who, lambda p: limits.exclude(p, *kind, reason="enough"))
    assert Betsy(client).place(who, new_tx(), Decimal("1")).code() == {"timed_out": 14}.get(
        status, 9
    )


def test_betsy_answers_16_under_age_and_15_not_verified(app, client, who, clock):
    betsy = Betsy(client)

    def under_age(player):
        player.birthdate = date.today() - timedelta(days=17 * 365)

    change(app, who, under_age)
    assert betsy.place(who, new_tx(), Decimal("1")).code() == 16

    def unverified(player):
        player.birthdate = date(1990, 1, 1)
        player.email_verified_at = None
        db.session.get(Brand, player.brand_id).require_verified_email = True

    change(app, who, unverified)
    assert betsy.place(who, new_tx(), Decimal("1")).code() == 15
    assert real(app, who) == Decimal("100.00")


def test_a_bet_count_limit_counts_a_rolling_week(app, client, who, betcore, clock):
    limit(app, who, "bets", "week", "2")
    assert make(betcore, client, who, 60, -1, "1")["ErrorCode"] == 200
    clock.travel(timedelta(days=3))
    assert make(betcore, client, who, 61, -1, "1")["ErrorCode"] == 200
    assert make(betcore, client, who, 62, -1, "1")["ErrorCode"] == 103806
    clock.travel(timedelta(days=4, seconds=1))  # the first bet left the window
    assert make(betcore, client, who, 63, -1, "1")["ErrorCode"] == 200
    assert make(betcore, client, who, 64, -1, "1")["ErrorCode"] == 103806


def test_a_loss_limit_reopens_when_the_window_rolls_on(app, client, who, clock):
    betsy = Betsy(client)
    limit(app, who, "loss", "day", "10")
    betsy.place(who, new_tx(), Decimal("10")).ok()
    assert betsy.place(who, new_tx(), Decimal("1")).code() == 12
    clock.travel(timedelta(hours=24, seconds=1))
    with app.app_context():
        from portal.sportsbook.operations import issue_token

        fresh = Who(who.id, issue_token(db.session.get(Player, who.id), "EUR"))
        db.session.commit()
    betsy.place(fresh, new_tx(), Decimal("1")).ok()


# --- BETCORE -------------------------------------------------------------------------------


def make(betcore, client, who, bet, kind, amount):
    data = {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet,
        "PartnerUserId": str(who.id),
        "TransactionType": kind,
        "PromoCode": None,
        "TagId": 7,
    }
    return betcore.call(client, "/payments/make", data)


def test_betcore_refuses_stakes_over_limits_with_documented_codes(app, client, who, betcore):
    limit(app, who, "stake", "bet", "5")
    answer = make(betcore, client, who, 1, -1, "5.01")
    assert answer["ErrorCode"] == 103804 and answer["Message"] == "Stake limit exceeded"
    assert answer["Value"] == {"Limit": "stake", "Period": "bet", "Allowed": "5.00"}
    limit(app, who, "loss", "week", "8")
    assert make(betcore, client, who, 2, -1, "5")["ErrorCode"] == 200
    answer = make(betcore, client, who, 3, -1, "4")
    assert answer["ErrorCode"] == 103805
    assert answer["Value"] == {"Limit": "loss", "Period": "week", "Allowed": "3.00"}
    limit(app, who, "bets", "day", "2")
    assert make(betcore, client, who, 4, -1, "3")["ErrorCode"] == 200
    assert make(betcore, client, who, 5, -1, "0.01")["ErrorCode"] == 103806
    assert make(betcore, client, who, 2, 1, "20")["ErrorCode"] == 200  # a payout passes
    assert real(app, who) == Decimal("112.00")


def test_betcore_refuses_an_excluded_player_and_still_pays_what_is_owed(app, client, who, betcore):
    with app.app_context():
        token = casino.issue_token(db.session.get(Player, who.id), "EUR", tag_id=7)
        db.session.commit()
    assert make(betcore, client, who, 10, -1, "10")["ErrorCode"] == 200
    assert make(betcore, client, who, 11, -1, "10")["ErrorCode"] == 200
    change(app, who, lambda p: limits.exclude(p, "timeout", "7d"))
    answer = make(betcore, client, who, 12, -1, "1")
    assert (answer["ErrorCode"], answer["Message"]) == (102148, "User excluded")
    assert make(betcore, client, who, 10, 1, "30")["ErrorCode"] == 200
    assert make(betcore, client, who, 11, 2, "10")["ErrorCode"] == 200  # the stake returned
    assert make(betcore, client, who, 10, -1, "10")["ErrorCode"] == 200  # a repeat
    auth = betcore.call(client, "/users/auth", {"RefreshToken": token, "TagId": 7})
    assert auth["ErrorCode"] == 102148
    assert real(app, who) == Decimal("120.00")


def test_betcore_refuses_under_age_players_on_the_fast_path(app, client, who, betcore):
    def under_age(player):
        player.birthdate = date.today() - timedelta(days=365 * 17)

    change(app, who, under_age)
    assert make(betcore, client, who, 20, -1, "1")["ErrorCode"] == 102149
    assert real(app, who) == Decimal("100.00")


# --- the bet slip, the cashier and the game pages ----------------------------------------------


def test_the_bet_slip_refuses_in_words(app, client, served, make_player):  # noqa: F811 (a fixture)
    player_id = make_player()
    with app.app_context():
        open_account_and_line(player_id)
    person = Who(player_id, "")
    limit(app, person, "stake", "bet", "2")
    _log_in(client)
    answer = submit_form(client, "/coupons", {"selection": OVER, "stake": "2.50", "place": "1"})
    assert answer.status_code == 422
    assert "This stake is above your stake limit of 2.00 EUR per bet." in page_text(answer)
    limit(app, person, "loss", "day", "1")
    answer = submit_form(client, "/coupons", {"selection": OVER, "stake": "1.50", "place": "1"})
    text = page_text(answer)
    assert "This would cross your 24-hour loss limit: you may stake 1.00 EUR more now." in text


@pytest.fixture
def cashier(app, brand_id):
    from tests.harness.payments import served_cashier

    with served_cashier(app, brand_id) as both:
        yield both


def test_the_cashier_refuses_a_deposit_over_a_limit_and_says_what_is_allowed(
    app, client, make_player, cashier
):
    person = Who(make_player(), "")
    limit(app, person, "deposit", "day", "50")
    _log_in(client)
    page = page_text(client.get("/cashier"))
    assert "Your 24-hour deposit limit allows 50.00 EUR more now." in page
    form = {"amount": "50.01", "currency": "EUR", "provider": "sandbox"}
    answer = submit_form(client, "/cashier", form)
    assert answer.status_code == 422
    words = "This would cross your 24-hour deposit limit: you may deposit 50.00 EUR more now."
    assert words in page_text(answer)
    assert submit_form(client, "/cashier", {**form, "amount": "30"}).status_code == 302
    answer = submit_form(client, "/cashier", {**form, "amount": "20.01"})
    assert "you may deposit 20.00 EUR more now" in page_text(answer)


def test_a_deposit_refused_by_a_daily_limit_passes_once_the_window_rolls_on(
    app, client, make_player, cashier, clock
):
    """The deposit under way counts for its first hour, a finished one for the whole window:
    the same deposit passes again only once the first one is 24 hours old."""
    from portal.payments.models import SUCCESS, Deposit

    person = Who(make_player(), "")
    limit(app, person, "deposit", "day", "50")
    _log_in(client)
    form = {"amount": "40", "currency": "EUR", "provider": "sandbox"}
    assert submit_form(client, "/cashier", form).status_code == 302
    with app.app_context():
        db.session.query(Deposit).update({"status": SUCCESS})  # as if the provider said so
        db.session.commit()
    clock.travel(timedelta(hours=23, minutes=59))
    _log_in(client)  # (the web session has timed out meanwhile)
    assert submit_form(client, "/cashier", form).status_code == 422
    clock.travel(timedelta(minutes=2))
    assert submit_form(client, "/cashier", form).status_code == 302


def test_no_game_page_or_token_for_a_player_who_may_not_play(app, client, make_player):
    from portal.casino.models import CasinoToken
    from portal.sportsbook.models import BetsyToken

    player_id = make_player()

    def under_age(player):
        player.birthdate = date.today() - timedelta(days=365 * 17)

    change(app, Who(player_id, ""), under_age)
    _log_in(client)
    for path in ("/casino", "/sportsbook"):
        answer = client.get(path)
        assert answer.status_code == 403
        assert "You must be 18 or older to play." in page_text(answer)
    with app.app_context():
        assert db.session.query(CasinoToken).count() == 0
        assert db.session.query(BetsyToken).count() == 0


def test_the_refusals_are_those_the_openapi_description_names(app, client, who, betcore):
    import json
    from pathlib import Path

    import jsonschema_rs

    import portal

    document = json.loads((Path(portal.__file__).parent / "api_docs" / "openapi.json").read_text())

    def conforms(name, answer):
        schema = {**document, "$ref": f"#/components/schemas/{name}"}
        jsonschema_rs.validator_for(schema).validate(answer)

    limit(app, who, "stake", "bet", "1")
    conforms("BetcoreRefusal", make(betcore, client, who, 30, -1, "2"))
    answer = Betsy(client).place(who, new_tx(), Decimal("2"))
    assert answer.code() == 11
    conforms("BetsyError", answer.json)


def test_a_make_list_item_refused_after_its_debit_leaves_no_trace(app, client, who, betcore):
    """The limit refuses a stake after the balance UPDATE: in a make-list the item's
    savepoint must hold that UPDATE too (its prepared statements run inside it)."""
    from portal.wallet import verify

    limit(app, who, "loss", "day", "15")
    items = [
        {"Amount": "10", "TaxAmount": "0", "BetId": bet, "PartnerUserId": str(who.id)}
        | {"TransactionType": -1, "PromoCode": None, "TagId": 7}
        for bet in (40, 41, 42)
    ]
    answer = betcore.call(client, "/payments/make-list", {"Payments": items})
    assert [item["ErrorCode"] for item in answer["Value"]] == [200, 103805, 103805]
    assert real(app, who) == Decimal("90.00")
    with app.app_context():
        assert verify.problems() == []
