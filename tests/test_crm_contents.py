"""What the CRM feeds hold (issue 14, seed 003), beyond the windows of
tests/test_crm_windows.py: transactions are the cashier's and the other money movements,
never stakes or wins; wallets are every currency and kind of a player's money; a casino
session is one row of all its actions (seed 003's three steps); the CSV quotes what must
be quoted.

Activity is made through the portal's doors and operations; modification times are then
set with an UPDATE to fixed past instants (2026-03-01), so that each window is settled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from portal.accounts.models import LoginEvent, Player
from portal.casino.models import CasinoPayment
from portal.extensions import db
from portal.payments.cli import method_row
from portal.payments.models import Deposit, Withdrawal
from portal.wallet import queries
from portal.wallet.models import Account, Transaction
from tests import crm_activity as activity
from tests.crm_activity import (
    CITY,
    USER_AGENT,
    adjust,
    bonus,
    casino_payment,
    casino_session,
    deposit,
    funded,
    grant,
    transaction_id,
    withdraw,
)
from tests.crm_feeds import HOUR, A, Reader, text_of
from tests.crm_sports_scenarios import betsy_bet, bettor
from tests.gateway_flows import DETAILS, auth, login, register
from tests.harness.payments import LIMITS
from tests.test_betsy_api import Betsy

B = A + HOUR


@pytest.fixture
def app(make_app):
    return make_app(**activity.feed_config("http://127.0.0.1:9"))  # (no coupons here)


@pytest.fixture
def env(app, brand_id, make_player):
    return activity.make_env(app, brand_id, make_player)


def _stamp_all(env, *columns, at=A) -> None:
    """Every row of these tables gets the same modification time."""
    with env.app.app_context():
        for model, column in columns:
            db.session.execute(update(model.__table__).values({column: at}))
        db.session.commit()


def test_transactions_are_money_movements_and_wallets_every_account(env):
    """A player who adjusts, deposits, gets a bonus, plays at the casino and at Betsy and
    withdraws (forfeiting the bonus): transactions shows the deposit, the withdrawal, the
    adjustments and the bonus's credit and forfeit, and none of the stakes and wins;
    wallets shows each of the player's accounts, real money as normal, bonus as prize."""
    env.do(method_row, env.brand_id, "sandbox", "EUR", LIMITS)
    who = bettor(env, "all@example.com")  # (100.00 EUR by an adjustment)
    player = who.id
    in_usd = adjust(env, player, "USD", "20.00", "opening, USD")
    paid = deposit(env, player, "25.00", "success", requisite="4242424242424242")
    bonus(env, "Ten", "TEN", "10.00")
    given = grant(env, player, "TEN", "EUR")
    casino_session(env, player)
    casino_payment(env, player, 7001, -1, "2.00")
    casino_payment(env, player, 7001, 1, "3.00")
    tx = betsy_bet(env, who, [1, 2])
    Betsy(env.client).settle(who, tx, Decimal("25.00"), "won").ok()
    asked = withdraw(env, player, "10.00")
    _stamp_all(env, (Transaction, "created_at"), (Deposit, "modified_at"),
               (Withdrawal, "modified_at"), (Account, "modified_at"))  # fmt: skip
    opening = transaction_id(env, "admin", f"adjust-{player}-EUR-100.00-opening balance")
    expected = {
        f"movement:{opening}": ("compensation", "In", Decimal("100.00"), "EUR"),
        f"movement:{in_usd}": ("compensation", "In", Decimal("20.00"), "USD"),
        f"deposit:{paid}": ("normal", "In", Decimal("25.00"), "EUR"),
        f"movement:{transaction_id(env, 'bonuses', f'bonus:{given}')}": (
            "prize", "In", Decimal("10.00"), "EUR"),
        f"movement:{transaction_id(env, 'bonuses', f'bonus:{given}:close')}": (
            "prize", "Out", Decimal("10.00"), "EUR"),
        f"withdrawal:{asked}": ("normal", "Out", Decimal("10.00"), "EUR"),
    }  # fmt: skip
    rows = Reader(env.client, "transactions").rows(A, B)
    seen = {r["id"]: (r["type"], r["dir"], r["amount"], r["currency"]) for r in rows}
    assert seen == expected
    assert len(rows) == len(expected)
    plays = select(func.count()).where(Transaction.source.in_(("betcore", "betsy")))
    assert (
        env.read(plays)[0][0] >= 4
    )  # the stakes and wins are in the ledger, stamped in the window

    with env.app.app_context():
        money = {c: queries.balance(db.session.get(Player, player), c) for c in ("EUR", "USD")}
        db.session.commit()
    ids = dict(env.read(select(Account.id, Account.kind).where(Account.player_id == player)))
    wallets = Reader(env.client, "wallets").rows(A, B)
    assert {(r["currency"], r["type"]): r["balance"] for r in wallets} == {
        ("EUR", "normal"): money["EUR"].real,
        ("EUR", "prize"): money["EUR"].bonus,
        ("USD", "normal"): money["USD"].real,
    }
    assert {r["type"]: ids[int(r["id"])] for r in wallets} == {"normal": "real", "prize": "bonus"}
    assert {r["player_id"] for r in wallets} == {str(player)}
    assert money["EUR"].real != Decimal("100.00")  # (the plays did move it)


def test_a_game_session_is_one_row_of_all_its_actions(env):
    """Seed 003: the sessions with an action in the window, with all their actions
    whatever their time, aggregated: one row each. A lost bet's zero payout is no win."""
    player = funded(env, "casino@example.com", {"EUR": "100.00"})
    first = casino_session(env, player)
    casino_payment(env, player, 6001, -1, "2.00")
    casino_payment(env, player, 6001, 1, "5.00")
    casino_payment(env, player, 6002, -1, "1.50")
    casino_payment(env, player, 6002, 1, "0")
    before = casino_session(env, player)
    casino_payment(env, player, 6003, -1, "4.00")
    after = casino_session(env, player)
    casino_payment(env, player, 6004, -1, "3.00")
    minutes = {
        (6001, -1): -10,
        (6001, 1): 5,
        (6002, -1): 70,
        (6002, 1): 71,
        (6003, -1): -30,
        (6004, -1): 90,
    }  # (bet, kind): its payment's time, minutes after A
    times = {key: A + timedelta(minutes=m) for key, m in minutes.items()}
    with env.app.app_context():
        for (bet, kind), at in times.items():
            db.session.execute(
                update(CasinoPayment.__table__)
                .where(CasinoPayment.bet_id == bet, CasinoPayment.transaction_type == kind)
                .values(created_at=at)
            )
        db.session.commit()
    reader = Reader(env.client, "casino-game-activity")
    whole = {
        "session_id": first, "player_id": str(player), "currency": "EUR", "bet_count": 2,
        "win_count": 1, "bet_amount": Decimal("3.50"), "win_amount": Decimal("5.00"),
        "created_at": text_of(A - timedelta(minutes=10)),
        "updated_at": text_of(B + timedelta(minutes=11)),
    }  # fmt: skip
    inside = reader.rows(A, B)
    assert [{k: r[k] for k in whole} for r in inside] == [whole]
    earlier = {r["session_id"]: r for r in reader.rows(A - HOUR, A)}
    later = {r["session_id"]: r for r in reader.rows(B, B + HOUR)}
    assert set(earlier) == {first, before} and set(later) == {first, after}
    assert {k: earlier[first][k] for k in whole} == whole == {k: later[first][k] for k in whole}
    assert (earlier[before]["bet_count"], earlier[before]["bet_amount"]) == (1, Decimal("4.00"))
    assert (later[after]["updated_at"], later[after]["win_count"]) == (
        text_of(B + timedelta(minutes=30)),
        0,
    )
    assert all(r["game_name"] for r in inside + list(earlier.values()))


def test_csv_quotes_commas_quotes_and_line_breaks(env):
    """RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes
    doubled; records end with CRLF, a line break inside a field is kept as it is."""
    registered = register(env.client, env.brand_id)
    token = registered.json["auth_token"]
    put = env.client.put(DETAILS.format(env.brand_id), json={"city": CITY}, headers=auth(token))
    assert put.status_code == 204
    assert login(env.client, env.brand_id, "wrong-pw").status_code == 401
    _stamp_all(env, (Player, "modified_at"), (LoginEvent, "created_at"))

    players = Reader(env.client, "players")
    body = players.csv_body(A, B)
    assert '"Saint-Denis, ""Nord""\nBlock 5"' in body
    assert body.count("\r\n") == 2  # the header and the one record: the city's is a bare LF
    [row] = players.rows(A, B)
    assert row["city"] == CITY

    logins = Reader(env.client, "logins")
    assert '"Mozilla/5.0 (X11; Linux x86_64) ""CRM, test"" agent"' in logins.csv_body(A, B)
    [attempt] = logins.rows(A, B)
    assert (attempt["user_agent"], attempt["is_success"]) == (USER_AGENT, False)


def test_a_game_session_counts_its_amounts_net_of_what_was_returned(env):
    """A stake returned (TransactionType 2) and a payout taken back (-2) leave the
    session's bet and win amounts; the counts stay what was played and won."""
    player = funded(env, "returns@example.com", {"EUR": "100.00"})
    session = casino_session(env, player)
    casino_payment(env, player, 6101, -1, "2.00")
    casino_payment(env, player, 6101, 1, "5.00")
    casino_payment(env, player, 6101, -2, "5.00")
    casino_payment(env, player, 6102, -1, "3.00")
    casino_payment(env, player, 6102, 2, "3.00")
    _stamp_all(env, (CasinoPayment, "created_at"))
    [row] = [r for r in Reader(env.client, "casino-game-activity").rows(A, B)]
    assert row["session_id"] == session
    assert (row["bet_count"], row["win_count"]) == (2, 1)
    assert (row["bet_amount"], row["win_amount"]) == (Decimal("2.00"), Decimal("0.00"))
