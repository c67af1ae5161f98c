"""The transaction history in words: each row says what happened (casino: game and round;
sports bets and coupons: event, market, selection and odds, with their result, a lost one
too; deposits, withdrawals and bonuses with their state), short references instead of
vendor ids, a link to the bet's or coupon's page; those pages show only the player's own;
the page's statements do not grow with its rows. Money arrives through the vendors' doors
as they call them (BETCORE's signed JWTs, Betsy's signed JWS, the payment provider's
signed callbacks, the calculation service's results)."""

import uuid
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.casino import operations as casino
from portal.casino.models import CasinoBet
from portal.extensions import db
from portal.payments import deposits, withdrawals
from portal.sportsbook.models import SportsBet
from portal.wallet import operations as wallet
from tests.conftest import page_text, submit_form
from tests.harness.payments import callback, served_cashier
from tests.harness.statements import StatementCounter
from tests.test_betsy_api import SECRET, Betsy, Who, issue_token
from tests.test_casino_betcore import auth, make, ok
from tests.test_casino_rules import betcore  # noqa: F401 (a fixture)
from tests.test_coupons_flow import OVER, open_account_and_line, served  # noqa: F401

UUID_LIKE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def app(make_app, betcore):  # noqa: F811 (the fixture)
    return make_app(
        BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0, BETSY_PARTNER_SECRET=SECRET
    )


def new_player(app, make_player, email="player@example.com", amount="100.00") -> int:
    player_id = make_player(email=email)
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", amount, reason="opening", operator="t", external_id=email)
        db.session.commit()
    return player_id


def log_in(client, email="player@example.com"):
    submit_form(client, "/login", {"identifier": email, "password": "secret123"})


def rows(response) -> list[dict]:
    """The history's rows: {kind, result, type, words, reference, href}."""
    table = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "table", {"data-testid": "history"}
    )
    found = []
    for tr in table.tbody.find_all("tr"):
        cells = tr.find_all("td")
        link = cells[4].find("a")
        found.append(
            {
                "kind": tr["data-kind"],
                "result": tr.get("data-result"),
                "type": cells[1].get_text(strip=True),
                "reference": cells[4].get_text(strip=True),
                "href": link["href"] if link else None,
                "words": " ".join(cells[5].get_text(" ").split()),
            }
        )
    return found


def sports_bet(app, client, player_id, tx=None, stake=Decimal("10.00")):
    """Betsy places a bet on two selections (tests.test_betsy_api.SELECTIONS)."""
    with app.app_context():
        who = Who(player_id, issue_token(db.session.get(Player, player_id), "EUR"))
        db.session.commit()
    tx = tx or str(uuid.uuid4())
    Betsy(client).place(who, tx, stake).ok()
    return who, tx


def casino_round(app, betcore, client, player_id, bet_id, win):  # noqa: F811
    """BETCORE opens a frame (TagId 7) and plays a round: stake 1.00, payout `win`."""
    with app.app_context():
        token = casino.issue_token(db.session.get(Player, player_id), "EUR", 7)
        db.session.commit()
    ok(auth(betcore, client, token))
    player = {"id": player_id}
    ok(make(betcore, client, player, bet_id, -1, "1.00"))
    ok(make(betcore, client, player, bet_id, 1, win))


def test_a_lost_sports_bet_says_what_and_that_it_lost(app, client, make_player):
    player_id = new_player(app, make_player)
    who, lost = sports_bet(app, app.test_client(), player_id)
    Betsy(app.test_client()).settle(who, lost, Decimal("0"), "lost").ok()
    _, won = sports_bet(app, app.test_client(), player_id, stake=Decimal("5.00"))
    Betsy(app.test_client()).settle(who, won, Decimal("15.00"), "won").ok()
    log_in(client)
    page = client.get("/wallet/history")
    found = rows(page)
    stakes = [r for r in found if r["kind"] == "stake"]
    assert [r["result"] for r in stakes] == ["won", "lost"]  # newest first
    lost_row = stakes[1]
    assert lost_row["type"] == "Bet"
    assert "Arsenal - Chelsea, 1x2: Arsenal at 2.50" in lost_row["words"]
    assert "Player A - Player B, Winner: Player B at 1.20" in lost_row["words"]
    assert "Result: Lost" in lost_row["words"]
    assert "Result: Won 15.00 EUR" in stakes[0]["words"]
    win_row = next(r for r in found if r["kind"] == "win")
    assert win_row["href"] == stakes[0]["href"] and win_row["reference"].startswith("Sports bet")
    with app.app_context():
        bet_id = db.session.scalar(select(SportsBet.id).where(SportsBet.transaction_id == lost))
    assert lost_row["href"] == f"/sportsbook/bets/{bet_id}"
    assert lost_row["reference"] == f"Sports bet {bet_id}"
    text = page_text(page)
    assert lost not in text and won not in text  # no raw vendor UUIDs in the list
    detail = client.get(lost_row["href"])
    assert detail.status_code == 200
    soup = BeautifulSoup(detail.get_data(as_text=True), "html.parser")
    assert soup.select_one('[data-testid="bet-result"]').get_text(strip=True) == "Lost"
    selections = soup.select_one('[data-testid="selections"]').get_text(" ", strip=True)
    assert "Arsenal - Chelsea" in selections and "1x2" in selections and "2.50" in selections
    assert "-10.00 EUR" in soup.select_one('[data-testid="movements"]').get_text()
    assert "The bet lost: nothing was paid." in page_text(detail)


def test_casino_rows_name_game_and_round_and_link_to_it(app, betcore, client, make_player):  # noqa: F811
    player_id = new_player(app, make_player)
    casino_round(app, betcore, app.test_client(), player_id, 5001, "0")
    casino_round(app, betcore, app.test_client(), player_id, 5002, "3.00")
    log_in(client)
    found = rows(client.get("/wallet/history"))
    with app.app_context():
        ids = dict(db.session.execute(select(CasinoBet.bet_id, CasinoBet.id)).all())
    by_round = {}
    for row in found:
        if row["kind"] in ("stake", "win"):
            by_round.setdefault(row["href"], []).append(row)
    lost = by_round[f"/casino/rounds/{ids[5001]}"]
    won = by_round[f"/casino/rounds/{ids[5002]}"]
    assert {r["type"] for r in lost} == {"Bet", "Bet lost"}
    assert all("Casino game (frame 7), Round" in r["words"] for r in lost + won)
    assert all("Result: Lost" in r["words"] for r in lost)
    assert all("Result: Won 3.00 EUR" in r["words"] for r in won)
    assert lost[0]["reference"] == f"Round {ids[5001]}"
    detail = client.get(f"/casino/rounds/{ids[5001]}")
    soup = BeautifulSoup(detail.get_data(as_text=True), "html.parser")
    assert soup.select_one('[data-testid="round-result"]').get_text(strip=True) == "Lost"
    assert "5001" in page_text(detail)  # BETCORE's own number, on the round's page
    payments = soup.select_one('[data-testid="payments"]').get_text(" ", strip=True)
    assert "Stake" in payments and "Payout (the round lost)" in payments


def test_a_lost_coupon_shows_its_result_and_links_to_it(app, client, make_player, served):  # noqa: F811
    player_id = make_player()
    with app.app_context():
        open_account_and_line(player_id)
    _, service = served
    log_in(client)
    placed = submit_form(client, "/coupons", {"selection": OVER, "stake": "10.00", "place": "1"})
    coupon_page = placed.headers["Location"]
    service.settle(service.coupons()[0].bar_code, 4)  # lost
    found = rows(client.get("/wallet/history"))
    stake = next(r for r in found if r["kind"] == "stake")
    assert stake["href"] == coupon_page and stake["result"] == "lost"
    coupon_id = coupon_page.rsplit("/", 1)[1]
    assert stake["reference"] == f"Coupon {coupon_id}"
    assert "Coupon: Arsenal - Chelsea, Total goals: Over 2.5 at 4.27" in stake["words"]
    assert "Result: Lost" in stake["words"]
    assert "State Lost" in page_text(client.get(coupon_page))


def test_cashier_and_bonus_rows_say_their_state(app, brand_id, client, make_player):
    player_id = make_player()
    with served_cashier(app, brand_id) as (url, _):
        with app.app_context():
            player = db.session.get(Player, player_id)
            reference = deposits.start(player, "50.00", "EUR", "sandbox").reference
            db.session.commit()
        body = {"provider_tx_id": "TX1", "reference": reference, "status": "success"}
        body |= {"amount": "50.00", "currency": "EUR", "requisite": "4242424242424242"}
        body |= {"payment_system": "VISA"}
        assert callback(url, body).status_code == 200
        with app.app_context():
            player = db.session.get(Player, player_id)
            asked = withdrawals.ask(player, "20.00", "EUR", "sandbox", "424242******4242")
            withdrawal_id = asked.id
            bonuses.create("Free ten", "FREE10", amount="10.00", wagering="5",
                           max_conversion="8.00", days=7)  # fmt: skip
            bonuses.claim(player, "FREE10", "EUR")
            db.session.commit()
    log_in(client)
    found = {r["kind"]: r for r in rows(client.get("/wallet/history"))}
    assert found["deposit"]["words"] == "Deposit by VISA 424242******4242 State: Completed"
    assert found["deposit"]["reference"] == reference
    assert found["deposit"]["href"] == f"/cashier/deposits/{reference}"
    withdrawal = found["withdrawal"]
    assert "Withdrawal to 424242******4242" in withdrawal["words"]
    assert "State: Waiting for approval" in withdrawal["words"]
    assert withdrawal["reference"] == f"Withdrawal {withdrawal_id}"
    assert "Bonus Free ten granted" in found["bonus"]["words"]
    assert "State: Active" in found["bonus"]["words"]


def test_an_adjustment_says_its_reason(app, client, make_player):
    new_player(app, make_player)
    log_in(client)
    (row,) = rows(client.get("/wallet/history"))
    assert (row["type"], row["words"], row["href"]) == ("Adjustment", "Adjustment: opening", None)


def test_detail_pages_are_the_players_own(app, betcore, client, make_player):  # noqa: F811
    ann = new_player(app, make_player)
    bob = new_player(app, make_player, email="bob@example.com")
    sports_bet(app, app.test_client(), bob)
    casino_round(app, betcore, app.test_client(), bob, 6001, "0")
    with app.app_context():
        bet_id = db.session.scalar(select(SportsBet.id))
        round_id = db.session.scalar(select(CasinoBet.id))
    visitor = app.test_client()
    for path in (f"/sportsbook/bets/{bet_id}", f"/casino/rounds/{round_id}"):
        answer = visitor.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    log_in(client)  # Ann
    assert ann != bob
    for path in (
        f"/sportsbook/bets/{bet_id}",
        f"/casino/rounds/{round_id}",
        "/sportsbook/bets/999999",
        "/casino/rounds/999999",
    ):
        assert client.get(path).status_code == 404, path
    bobs = app.test_client()
    log_in(bobs, "bob@example.com")
    assert bobs.get(f"/sportsbook/bets/{bet_id}").status_code == 200
    assert bobs.get(f"/casino/rounds/{round_id}").status_code == 200


def test_an_excluded_player_still_reads_the_history_and_its_bets(app, betcore, client, make_player):  # noqa: F811
    from portal.limits import operations as limits

    player_id = new_player(app, make_player)
    sports_bet(app, app.test_client(), player_id)
    casino_round(app, betcore, app.test_client(), player_id, 6002, "0")
    with app.app_context():
        bet_id = db.session.scalar(select(SportsBet.id))
        round_id = db.session.scalar(select(CasinoBet.id))
        limits.exclude(db.session.get(Player, player_id), "timeout", "24h")
        db.session.commit()
    log_in(client)
    for path in ("/wallet/history", f"/sportsbook/bets/{bet_id}", f"/casino/rounds/{round_id}"):
        assert client.get(path).status_code == 200, path
    assert client.get("/casino").status_code == 302  # playing is what the exclusion stops


def history_statements(app, client) -> int:
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        answer = client.get("/wallet/history")
    assert answer.status_code == 200
    return counter.total


def test_the_history_statements_do_not_grow_with_its_rows(app, betcore, client, make_player):  # noqa: F811
    player_id = new_player(app, make_player, amount="500.00")
    log_in(client)
    counts = []
    for round_ in range(3):
        who, tx = sports_bet(app, app.test_client(), player_id, stake=Decimal("1.00"))
        Betsy(app.test_client()).settle(who, tx, Decimal("2.00"), "won").ok()
        casino_round(app, betcore, app.test_client(), player_id, 7000 + round_, "2.00")
        client.get("/wallet/history")  # warm
        counts.append(history_statements(app, client))
    assert len(rows(client.get("/wallet/history"))) == 13
    assert counts[0] == counts[1] == counts[2], counts
