"""The scenarios of tests/test_crm_windows.py for the players', money, bonus, login and
casino feeds (the sportsbook's: tests/crm_sports_scenarios.py); see tests/crm_activity.py
for what a scenario is."""

from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import LoginEvent, Player
from portal.bonuses import operations as bonuses
from portal.bonuses.models import Bonus, BonusAssignment
from portal.casino.models import CasinoBet, CasinoPayment
from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.payments import withdrawals
from portal.payments.cli import method_row
from portal.payments.models import Deposit, Withdrawal
from portal.wallet.models import Account, Transaction
from tests.conftest import submit_form
from tests.crm_activity import (
    AT,
    CITY,
    TAG,
    USER_AGENT,
    Env,
    Item,
    Scenario,
    accounts,
    adjust,
    bonus,
    callback,
    casino_payment,
    casino_session,
    deposit,
    funded,
    grant,
    issue_links,
    stamp_of,
    transaction_id,
    withdraw,
)
from tests.gateway_flows import CUSTOM_FIELDS, DETAILS, auth, login, register
from tests.harness.payments import LIMITS

# --- players and contacts -------------------------------------------------------------------


def _registered(env: Env, count: int) -> list[tuple[int, str, dict]]:
    """Players registered through the gateway (both steps): (id, token, their row's
    values as the players feed shows them, and as contacts does)."""
    made = []
    for n in range(count):
        email = f"gamer{n}@example.com"
        response = register(env.client, env.brand_id, email=email, loginName=f"gamer{n}",
                            btag=f"aff-{n}")  # fmt: skip
        assert response.status_code == 201, response.json
        made.append((response.json["player_id"], response.json["auth_token"], email))
    created = dict(env.read(select(Player.id, Player.created_at)))
    return [
        (player_id, token, {
            "first_name": "John", "last_name": "Doe", "gender": None,
            "country": "United Kingdom", "city": None, "ip": "127.0.0.1", "locale": "en_GB",
            "timezone": None, "birthday": "1990-04-01",
            "registered_at": created[player_id].strftime("%Y-%m-%d %H:%M:%S"),
            "ref_code": f"aff-{n}", "traffic_source": None, "user_agent": USER_AGENT,
            "is_blocked": False, "status": "active", "self_excluded": False,
            "email": email, "email_confirmed_at": None, "email_subscribe": True, "phone": None,
            "phone_subscribe": True, "phone_confirmed_at": None, "push_token": None,
            "created_at": created[player_id].strftime("%Y-%m-%d %H:%M:%S"),
        })
        for n, (player_id, token, email) in enumerate(made)
    ]  # fmt: skip


CONTACT_FIELDS = {"email", "email_confirmed_at", "email_subscribe", "phone", "phone_subscribe",
                  "phone_confirmed_at", "push_token", "created_at"}  # fmt: skip


def people(env: Env) -> Scenario:
    """Seven players (players and contacts); later, through the gateway, one edits their
    details, another sets custom fields (which alone must move the player too) and a
    third opts out of email."""
    made = _registered(env, 7)
    items = []
    for player_id, _token, values in made:
        contact = {k: v for k, v in values.items() if k in CONTACT_FIELDS}
        player = {k: v for k, v in values.items() if k not in CONTACT_FIELDS}
        rows = {
            "players": {str(player_id): player | {"id": str(player_id)}},
            "contacts": {str(player_id): contact | {"player_id": str(player_id)}},
        }
        items.append(Item(rows, [stamp_of(Player, "modified_at", Player.id == player_id)]))
    (edited, edits, _), (custom, customs, _), (quiet, quiets, _) = made[3], made[5], made[2]

    def change():
        details = {"city": CITY, "firstName": "Renée"}
        _put(env, DETAILS, details, edits, 204)
        fields = {
            "strCustomFields": [{"id": "tier", "name": "Tier", "value": 'gold, "plus"'}],
            "intCustomFields": [{"id": "level", "name": "Level", "value": 7}],
        }
        _put(env, CUSTOM_FIELDS, fields, customs, 200)
        _put(env, DETAILS, {"optOut": {"email": True}}, quiets, 204)
        subscribed = {"email_subscribe": True, "phone_subscribe": True}
        return {
            "players": {
                str(edited): {"city": CITY, "first_name": "Renée", "custom_str_tier": None,
                              "custom_int_level": None},
                str(custom): {"city": None, "first_name": "John",
                              "custom_str_tier": 'gold, "plus"', "custom_int_level": 7},
                str(quiet): {"self_excluded": False},
            },
            "contacts": {str(edited): subscribed, str(custom): subscribed,
                         str(quiet): {"email_subscribe": False, "phone_subscribe": True}},
        }  # fmt: skip

    return Scenario(items, change)


def _put(env: Env, path: str, body: dict, token: str, status: int) -> None:
    answer = env.client.put(path.format(env.brand_id), json=body, headers=auth(token))
    assert answer.status_code == status, answer.get_data(as_text=True)


# --- money ----------------------------------------------------------------------------------


def transactions(env: Env) -> Scenario:
    """Adjustments both ways, deposits (paid, waiting, declined), a bonus given and
    forfeited by a withdrawal, the withdrawal; later the waiting deposit is paid and the
    withdrawal declined."""
    env.do(method_row, env.brand_id, "sandbox", "EUR", LIMITS)
    player_id = funded(env, "money@example.com")
    plus = adjust(env, player_id, "EUR", "50.00", 'goodwill, "sorry"')
    minus = adjust(env, player_id, "EUR", "-5.00", "correction")
    paid = deposit(env, player_id, "25.00", "success", requisite="4242424242424242",
                   payment_system="VISA")  # fmt: skip
    waiting = deposit(env, player_id, "30.00", None)
    declined = deposit(env, player_id, "40.00", "failed", message="card declined")
    bonus(env, "Ten", "TEN", "10.00")
    assignment = grant(env, player_id, "TEN", "EUR")
    asked = withdraw(env, player_id, "10.00")  # (forfeiting the bonus: its wagering is not met)
    given = transaction_id(env, "bonuses", f"bonus:{assignment}")
    forfeited = transaction_id(env, "bonuses", f"bonus:{assignment}:close")
    wallets = accounts(env)
    real = str(wallets[(player_id, "EUR", "real")])
    bonus_wallet = str(wallets[(player_id, "EUR", "bonus")])
    common = {"player_id": str(player_id), "currency": "EUR", "ref_code": "aff-money"}
    rows = {
        f"movement:{plus}": {"amount": Decimal("50.00"), "type": "compensation",
                             "status": "Success", "dir": "In", "comment": 'goodwill, "sorry"',
                             "wallet_id": real, "payment_system": None, "requisite": None},
        f"movement:{minus}": {"amount": Decimal("5.00"), "type": "compensation", "dir": "Out",
                              "comment": "correction", "wallet_id": real},
        f"deposit:{paid}": {"amount": Decimal("25.00"), "type": "normal", "status": "Success",
                            "payment_system": "VISA", "dir": "In", "wallet_id": real,
                            "requisite": "424242******4242"},
        f"deposit:{waiting}": {"amount": Decimal("30.00"), "status": "New", "dir": "In",
                               "payment_system": "sandbox"},
        f"deposit:{declined}": {"amount": Decimal("40.00"), "status": "Fail", "dir": "In",
                                "comment": "card declined"},
        f"movement:{given}": {"amount": Decimal("10.00"), "type": "prize", "dir": "In",
                              "status": "Success", "wallet_id": bonus_wallet},
        f"movement:{forfeited}": {"amount": Decimal("10.00"), "type": "prize", "dir": "Out",
                                  "wallet_id": bonus_wallet},
        f"withdrawal:{asked}": {"amount": Decimal("10.00"), "type": "normal", "status": "New",
                                "dir": "Out", "requisite": "424242******4242",
                                "wallet_id": real},
    }  # fmt: skip
    stamps = {
        "movement": lambda i: stamp_of(Transaction, "created_at", Transaction.id == i),
        "deposit": lambda i: stamp_of(Deposit, "modified_at", Deposit.id == i),
        "withdrawal": lambda i: stamp_of(Withdrawal, "modified_at", Withdrawal.id == i),
    }
    items = []
    for key, values in rows.items():
        source, number = key.split(":")
        rows = {"transactions": {key: common | values}}
        items.append(Item(rows, [stamps[source](int(number))]))

    def change():
        callback(env, _reference(env, waiting), "success", "30.00", payment_system="MC")
        env.do(withdrawals.decline, asked, "documents missing", "ops")
        return {"transactions": {
            f"deposit:{waiting}": {"status": "Success", "payment_system": "MC"},
            f"withdrawal:{asked}": {"status": "Fail", "comment": "documents missing"},
        }}  # fmt: skip

    return Scenario(items, change)


def _reference(env: Env, deposit_id: int) -> str:
    return env.read(select(Deposit.reference).where(Deposit.id == deposit_id))[0][0]


def wallets(env: Env) -> Scenario:
    """Three players' accounts in two currencies, real and bonus money; later a casino
    stake changes one balance."""
    first = funded(env, "w1@example.com", {"EUR": "100.00", "USD": "20.00"})
    second = funded(env, "w2@example.com", {"EUR": "100.00", "USD": "30.00"})
    third = funded(env, "w3@example.com", {"EUR": "60.00"})
    bonus(env, "Ten", "TEN", "10.00")
    grant(env, first, "TEN", "EUR")
    grant(env, third, "TEN", "EUR")
    balances = {
        (first, "EUR", "real"): "100.00", (first, "USD", "real"): "20.00",
        (first, "EUR", "bonus"): "10.00", (second, "EUR", "real"): "100.00",
        (second, "USD", "real"): "30.00", (third, "EUR", "real"): "60.00",
        (third, "EUR", "bonus"): "10.00",
    }  # fmt: skip
    found = accounts(env)
    assert set(found) == set(balances), found  # every account of theirs, and no other
    types = {"real": "normal", "bonus": "prize"}
    items = [
        Item(
            {"wallets": {str(found[key]): {"player_id": str(key[0]), "currency": key[1],
                                           "type": types[key[2]], "balance": Decimal(balance)}}},
            [stamp_of(Account, "modified_at", Account.id == found[key])],
        )
        for key, balance in balances.items()
    ]  # fmt: skip

    def change():
        casino_session(env, second)
        casino_payment(env, second, 9001, -1, "7.50")
        return {"wallets": {str(found[(second, "EUR", "real")]): {"balance": Decimal("92.50")}}}

    return Scenario(items, change)


# --- bonuses --------------------------------------------------------------------------------


def bonus_assignments(env: Env) -> Scenario:
    """Four players, each with a bonus being wagered (EUR) and one given without wagering,
    so used at once (USD); later one player's wagering progresses with a casino stake and
    another's bonus is forfeited."""
    wagered = bonus(env, "Ten", "TEN", "10.00")
    free = bonus(env, "Free five", "FREE", "5.00", wagering="0")
    people = [funded(env, f"b{n}@example.com") for n in range(4)]
    for player_id in people:
        grant(env, player_id, "TEN", "EUR")
        grant(env, player_id, "FREE", "USD")
    a = BonusAssignment
    found = env.read(select(a.id, a.player_id, a.bonus_id, a.expires_at))
    items = []
    for a in found:
        ended = a.bonus_id == free
        values = {"player_id": str(a.player_id), "bonus_id": str(a.bonus_id),
                  "end_date": a.expires_at.strftime("%Y-%m-%d %H:%M:%S"),
                  "active": 0 if ended else 1, "used": 1 if ended else 0}  # fmt: skip
        stamp = stamp_of(BonusAssignment, "modified_at", BonusAssignment.id == a.id)
        items.append(Item({"bonus-assignments": {str(a.id): values}}, [stamp]))
    assert sorted(a.bonus_id for a in found) == sorted([wagered, free] * 4)
    by_player = {(a.player_id, a.bonus_id): a.id for a in found}

    def change():
        casino_session(env, people[0])
        casino_payment(env, people[0], 9002, -1, "2.00")  # bonus money: the wagering moves

        def forfeit():
            bonuses.forfeit(db.session.get(BonusAssignment, by_player[(people[1], wagered)]))

        env.do(forfeit)
        return {"bonus-assignments": {
            str(by_player[(people[0], wagered)]): {"active": 1, "used": 0},
            str(by_player[(people[1], wagered)]): {"active": 0, "used": 0},
        }}  # fmt: skip

    return Scenario(items, change)


def bonus_list(env: Env) -> Scenario:
    """Seven bonus definitions; later an operator defines another (a definition is never
    edited: there is no operation for it)."""
    names = [f'Welcome {n}, "the big one"' for n in range(7)]
    made = [bonus(env, name, f"W{n}", "5.00") for n, name in enumerate(names)]
    items = [
        Item({"bonuses": {str(i): {"name": name}}}, [stamp_of(Bonus, "modified_at", Bonus.id == i)])
        for i, name in zip(made, names, strict=True)
    ]

    def change():
        made = bonus(env, "Reload, Friday", "FRIDAY", "7.00")
        return {"bonuses": {str(made): {"name": "Reload, Friday"}}}

    return Scenario(items, change)


# --- logins and auto-logins -----------------------------------------------------------------


def logins(env: Env) -> Scenario:
    """Seven attempts through the gateway, every second one with a wrong password; later
    another failed attempt (a login never changes: a new one is made)."""
    email = "login@example.com"
    player_id = funded(env, email)

    def attempt(good: bool) -> tuple[str, dict]:
        answer = login(env.client, env.brand_id, "secret123" if good else "wrong-pw", email=email)
        assert (answer.status_code in (200, 303)) == good, answer.json
        newest = env.read(select(LoginEvent.id).order_by(LoginEvent.id.desc()).limit(1))[0][0]
        values = {"player_id": str(player_id), "ip": "127.0.0.1", "ref_code": "aff-login",
                  "traffic_source": "api", "user_agent": USER_AGENT, "host": "localhost",
                  "is_success": good}  # fmt: skip
        return str(newest), values

    items = []
    for n in range(7):
        key, values = attempt(n % 2 == 0)
        stamp = stamp_of(LoginEvent, "created_at", LoginEvent.id == int(key))
        items.append(Item({"logins": {key: values}}, [stamp]))

    def change():
        key, values = attempt(False)
        return {"logins": {key: values}}

    return Scenario(items, change)


def auto_logins(env: Env) -> Scenario:
    """A campaign asks for links for seven players (the CRM door); later it asks again
    for one of them (a new token) and another player uses theirs (no token any more)."""
    people = [funded(env, f"link{n}@example.com") for n in range(7)]
    tokens = issue_links(env, people, "spring")
    items = [
        Item({"auto-logins": {str(p): {"id": tokens[p].split("-")[0], "login_token": tokens[p]}}},
             [stamp_of(AutoLogin, "modified_at", AutoLogin.player_id == p)])
        for p in people
    ]  # fmt: skip

    def change():
        renewed = issue_links(env, [people[1]], "summer")[people[1]]
        assert renewed != tokens[people[1]]
        response = submit_form(env.client, f"/auto-login/{tokens[people[4]]}", {})
        assert response.status_code == 302, response.status_code  # logged in
        return {"auto-logins": {
            str(people[1]): {"id": renewed.split("-")[0], "login_token": renewed},
            # no current link: the id is that of the link that changed (the spent one)
            str(people[4]): {"id": tokens[people[4]].split("-")[0], "login_token": None},
        }}  # fmt: skip

    return Scenario(items, change)


# --- casino ---------------------------------------------------------------------------------


def game_activity(env: Env) -> Scenario:
    """Seven game sessions of one player, each a bet (and every second one its win); later
    another bet in the newest session: the session shows again with both bets, and stays
    in its earlier window (it has an action there)."""
    player_id = funded(env, "casino@example.com", {"EUR": "100.00"})
    items = []
    for n in range(7):
        session = casino_session(env, player_id)
        casino_payment(env, player_id, 5000 + n, -1, "2.00")
        won = n % 2 == 0
        if won:
            casino_payment(env, player_id, 5000 + n, 1, "3.00")
        values = {"player_id": str(player_id), "game_code": TAG, "currency": "EUR",
                  "bet_count": 1, "win_count": int(won), "bet_amount": Decimal("2.00"),
                  "win_amount": Decimal("3.00" if won else "0.00"), "created_at": AT,
                  "game_vendor": "BETCORE", "balance_type": "normal",
                  "ref_code": "aff-casino"}  # fmt: skip
        bets = select(CasinoBet.bet_id).where(CasinoBet.game_session_id == session)
        stamp = stamp_of(CasinoPayment, "created_at", CasinoPayment.bet_id.in_(bets))
        items.append(Item({"casino-game-activity": {session: values}}, [stamp]))

    def change():
        casino_payment(env, player_id, 5100, -1, "4.00")  # (in the newest session)
        return {"casino-game-activity": {
            session: {"bet_count": 2, "win_count": 1, "bet_amount": Decimal("6.00"),
                      "win_amount": Decimal("3.00"), "created_at": AT}}}  # fmt: skip

    return Scenario(items, change, stays=frozenset({("casino-game-activity", session)}))
