"""How many SQL statements the hot paths send (BEGIN and COMMIT included), on SQLite and
PostgreSQL: a later change must not silently add round trips to a vendor's money call.
The budget is the issue's target; the counts are printed on failure with the statements."""

import pytest

from portal.extensions import db
from tests.harness.statements import StatementCounter
from tests.test_casino_betcore import make, ok
from tests.test_casino_rules import app, betcore, player  # noqa: F401 (fixtures)


def counted(flask_app, call):
    with flask_app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        answer = call()
    return answer, counter


def within(counter: StatementCounter, budget: int) -> None:
    listing = "\n".join(f"  {n}. {s[:160]}" for n, s in enumerate(counter.statements, 1))
    assert counter.total <= budget, f"{counter.total} statements (budget {budget}):\n{listing}"


BUDGET = {"stake": 8, "payout": 8, "repeat": 4}


@pytest.mark.parametrize("case", ["stake", "payout", "repeat"])
def test_betcore_make_statements(app, betcore, client, player, case):  # noqa: F811
    ok(make(betcore, client, player, 900, -1, "1.00"))  # warm caches; a game session etc.
    ok(make(betcore, client, player, 900, 1, "2.00"))
    if case == "stake":
        answer, counter = counted(app, lambda: make(betcore, client, player, 901, -1, "1.00"))
    elif case == "payout":
        ok(make(betcore, client, player, 901, -1, "1.00"))
        answer, counter = counted(app, lambda: make(betcore, client, player, 901, 1, "3.00"))
    else:
        ok(make(betcore, client, player, 901, -1, "1.00"))
        answer, counter = counted(app, lambda: make(betcore, client, player, 901, -1, "1.00"))
    ok(answer)
    within(counter, BUDGET[case])


# --- Betsy: a bet with the seed's two selections --------------------------------------------

BETSY_BUDGET = {"place": 10, "settle": 7, "repeat": 4}


@pytest.fixture
def betsy_app(make_app):
    from tests.test_betsy_api import SECRET

    return make_app(BETSY_PARTNER_SECRET=SECRET)


def betsy_player(betsy_app, make_player, make_brand):
    """A player of a EUR/USD brand with 100.00 EUR and a Betsy token (tests.test_betsy_api)."""
    from tests import test_betsy_api as betsy_api

    brand = make_brand("Betsy Casino", currencies=("EUR", "USD"))
    player_id = make_player(email="ann@example.com", brand=brand)
    with betsy_app.app_context():
        found = db.session.get(betsy_api.Player, player_id)
        betsy_api.fund_player(found, "EUR", "100.00")
        who = betsy_api.Who(player_id, betsy_api.issue_token(found, "EUR"))
        db.session.commit()
    return who


@pytest.mark.parametrize("case", ["place", "settle", "repeat"])
def test_betsy_statements(betsy_app, make_player, make_brand, case):
    from tests import test_betsy_api as betsy_api

    who = betsy_player(betsy_app, make_player, make_brand)
    betsy = betsy_api.Betsy(betsy_app.test_client())
    betsy.place(who, betsy_api.new_tx()).ok()  # warm caches
    tx = betsy_api.new_tx()
    if case != "place":
        betsy.place(who, tx).ok()
    calls = {
        "place": lambda: betsy.place(who, tx),
        "settle": lambda: betsy.settle(who, tx, "25.00"),
        "repeat": lambda: betsy.place(who, tx),
    }
    answer, counter = counted(betsy_app, calls[case])
    answer.ok()
    within(counter, BETSY_BUDGET[case])


# --- a player with an active bonus: the wagering, and bonus money once real money is spent ---

BONUS_BUDGET = {"real": 12, "bonus": 21}  # (measured; the normal stake: 8)


@pytest.mark.parametrize("case", ["real", "bonus"])
def test_betcore_stake_of_a_bonus_player_statements(app, betcore, client, player, case):  # noqa: F811
    """What a bonus costs a stake, over the 8 of a player without one: the assignment's
    wagering (read, written) and the playable balance kept for repeats; a stake that real
    money cannot cover also locks and moves the bonus balance."""
    from portal.accounts.models import Player
    from portal.bonuses import operations as bonuses

    with app.app_context():
        bonuses.create("Ten", "TEN", amount="10.00", wagering="30", max_conversion="10", days=7)
        bonuses.grant(db.session.get(Player, player["id"]), bonuses.by_code("TEN"), "EUR")
        db.session.commit()
    ok(make(betcore, client, player, 900, -1, "1.00"))  # warm caches
    amount = "1.00" if case == "real" else "105.00"  # 99.00 real: the rest is bonus money
    answer, counter = counted(app, lambda: make(betcore, client, player, 901, -1, amount))
    ok(answer)
    within(counter, BONUS_BUDGET[case])


# --- the payment provider's success callback (the cashier) ----------------------------------

CALLBACK_BUDGET = 11  # (measured: find the deposit and its tx id, credit, record the callback)


def test_payment_callback_statements(make_app, make_player):
    from portal.accounts.models import Player
    from portal.payments import deposits
    from tests.harness.payments import LIMITS, SECRET, signed

    cashier_app = make_app(PAYMENT_SANDBOX_SECRET=SECRET)
    player_id = make_player()
    with cashier_app.app_context():
        from portal.payments.cli import method_row

        player = db.session.get(Player, player_id)
        method_row(player.brand_id, "sandbox", "EUR", LIMITS)
        references = [deposits.start(player, "10.00", "EUR", "sandbox").reference for _ in "ab"]
        db.session.commit()
    client = cashier_app.test_client()

    def callback(reference):
        body = {"provider_tx_id": f"T-{reference}", "reference": reference, "status": "success"}
        raw, signature = signed(body | {"amount": "10.00", "currency": "EUR"})
        headers = {"Content-Type": "application/json", "X-Signature": signature}
        return client.post("/payments/sandbox/callback", data=raw, headers=headers)

    assert callback(references[0]).status_code == 200  # warm caches
    answer, counter = counted(cashier_app, lambda: callback(references[1]))
    assert (answer.status_code, answer.get_json()) == (200, {"result": "ok"})
    within(counter, CALLBACK_BUDGET)


# --- a player with limits: at most two statements more than a stake of a player without ----

LIMIT_CHECK_BUDGET = 2  # the issue's target: what the limit checks may add to a stake


def _set_limits(flask_app, player_id: int, kinds) -> None:
    from portal.accounts.models import Player
    from portal.limits import operations as limits

    with flask_app.app_context():
        player = db.session.get(Player, player_id)
        for kind, period, amount in kinds:
            value = limits.parse_value(kind, "EUR", amount)
            limits.set_limit(player, kind, period, "EUR" if kind != "bets" else "", value)
        db.session.commit()


LIMITS = {
    "stake": [("stake", "bet", "50")],
    "every": [("stake", "bet", "50"), ("loss", "day", "90"), ("loss", "month", "95")]
    + [("bets", "week", "1000")],
}


@pytest.mark.parametrize("limits", ["stake", "every"])
def test_betcore_stake_with_limits_statements(app, betcore, client, player, limits):  # noqa: F811
    """A stake limit reads the player's limits (one statement); loss and bet-count limits
    also sum the rolling windows (a second)."""
    _set_limits(app, player["id"], LIMITS[limits])
    ok(make(betcore, client, player, 900, -1, "1.00"))  # warm caches
    answer, counter = counted(app, lambda: make(betcore, client, player, 901, -1, "1.00"))
    ok(answer)
    assert counter.total == BUDGET["stake"] + (1 if limits == "stake" else LIMIT_CHECK_BUDGET)


def test_betsy_place_with_limits_statements(betsy_app, make_player, make_brand):
    from tests import test_betsy_api as betsy_api

    who = betsy_player(betsy_app, make_player, make_brand)
    _set_limits(betsy_app, who.id, LIMITS["every"])
    betsy = betsy_api.Betsy(betsy_app.test_client())
    betsy.place(who, betsy_api.new_tx(), "1.00").ok()  # warm caches
    answer, counter = counted(betsy_app, lambda: betsy.place(who, betsy_api.new_tx(), "1.00"))
    answer.ok()
    within(counter, BETSY_BUDGET["place"] + LIMIT_CHECK_BUDGET)
