"""The wallet through its operator commands and the player's pages."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import operations, queries
from portal.wallet.models import Account, Transaction
from tests.conftest import page_text, submit_form


def cli(app, *args):
    return app.test_cli_runner().invoke(args=[str(a) for a in args])


def balance(app, player_id=1, currency="EUR") -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, player_id), currency).real


def test_players_create_with_an_opening_balance(app, brand_id):
    result = cli(
        app,
        "players",
        "create",
        "--brand-id",
        brand_id,
        "--email",
        "r@example.com",
        "--password",
        "rich1234",
        "--currency",
        "USD",
        "--balance",
        "100.00",
    )
    assert result.exit_code == 0, result.output
    assert "balance 100.00 USD" in result.output
    assert balance(app, currency="USD") == Decimal("100.00")
    with app.app_context():
        opening = db.session.scalar(select(Transaction))
        assert (opening.kind, opening.reason, opening.source) == (
            "adjustment",
            "opening balance",
            "admin",
        )


def test_wallet_adjust_by_id_or_email_both_ways(app, make_player):
    make_player()
    assert (
        cli(
            app, "wallet", "adjust", "player@example.com", "25.00", "EUR", "--reason", "goodwill"
        ).exit_code
        == 0
    )
    result = cli(app, "wallet", "adjust", "1", "-5.50", "EUR", "--reason", "correction")
    assert result.exit_code == 0, result.output
    assert "real 19.50" in result.output
    assert balance(app) == Decimal("19.50")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["1", "-20", "EUR", "--reason", "x"], "insufficient funds: balance 0.00 EUR"),
     (["1", "1.234", "EUR", "--reason", "x"], "EUR has 2 decimals"),
     (["1", "5", "GBP", "--reason", "x"], "CurrencyNotAllowed"),
     (["nobody@example.com", "5", "EUR", "--reason", "x"], "no player nobody@example.com"),
     (["1", "5", "EUR", "--reason", "  "], "needs a reason")],
)  # fmt: skip
def test_wallet_adjust_refuses_with_a_reason(app, make_player, args, message):
    make_player()
    result = cli(app, "wallet", "adjust", *args)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(Transaction)) is None


def test_wallet_verify_passes_then_reports_a_broken_invariant(app, make_player):
    make_player()
    cli(app, "wallet", "adjust", "1", "10", "EUR", "--reason", "x")
    ok = cli(app, "wallet", "verify")
    assert (ok.exit_code, ok.output.strip()) == (0, "ledger ok")
    with app.app_context():
        db.session.scalar(select(Account).where(Account.player_id == 1)).balance = -5
        db.session.commit()
    broken = cli(app, "wallet", "verify")
    assert broken.exit_code == 1
    assert "cached balance -5 but entries sum to 1000" in broken.output
    assert "negative real balance -5" in broken.output


@pytest.fixture
def player_client(app, client, make_player):
    make_player()
    with app.app_context():
        player = db.session.get(Player, 1)
        operations.adjust(player, "EUR", "50", reason="x", operator="t", external_id="a")
        for n in range(23):
            operations.debit(
                player, "EUR", "1.00", source="betsy", external_id=f"b{n}", reference=f"bet {n}"
            )
        operations.credit(player, "USD", "7.25", source="betcore", external_id="w")
        db.session.commit()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    return client


def test_wallet_page_shows_every_currency_and_the_header_balance(player_client):
    page = player_client.get("/wallet")
    text = page_text(page)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="real-EUR">27.00<' in html and 'data-testid="real-USD">7.25<' in html
    assert "27.00 EUR" in text  # the header


def test_switching_the_active_currency(app, player_client):
    response = submit_form(player_client, "/wallet/currency", {"currency": "USD"}, page="/wallet")
    assert response.status_code == 302
    assert "You now play in USD." in page_text(player_client.get("/wallet"))
    with app.app_context():
        assert db.session.get(Player, 1).active_currency == "USD"
    submit_form(player_client, "/wallet/currency", {"currency": "BTC"}, page="/wallet")
    assert "This currency is not offered." in page_text(player_client.get("/wallet"))
    with app.app_context():
        assert db.session.get(Player, 1).active_currency == "USD"


def test_history_is_paged_and_filtered(player_client):
    first = page_text(player_client.get("/wallet/history"))
    assert "Page 1 of 2" in first and "7.25 USD" in first
    second = page_text(player_client.get("/wallet/history?page=2"))
    assert "Page 2 of 2" in second and "Adjustment" in second
    stakes = player_client.get("/wallet/history?currency=EUR&kind=stake&page=2")
    assert "Page 2 of 2" in page_text(stakes)
    assert rows(stakes) == [
        ["Bet", "-1.00 EUR", f"{balance:.2f}", "", f"bet {n}"]  # (no such bet: its words)
        for n, balance in ((2, 47), (1, 48), (0, 49))
    ]


def rows(response) -> list[list[str]]:
    """The history table's cells but the time."""
    table = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "table", {"data-testid": "history"}
    )
    return [
        [td.get_text(strip=True) for td in tr.find_all("td")][1:]
        for tr in table.tbody.find_all("tr")
    ]


@pytest.mark.parametrize(
    "query", ["currency=XXX", "kind=bribe", "page=0", "page=abc", "from=2024-13-01", "to=x"]
)
def test_history_refuses_bad_filters(player_client, query):
    assert player_client.get(f"/wallet/history?{query}").status_code == 400


def test_wallet_pages_need_a_login(client, brand_id):
    for path in ("/wallet", "/wallet/history"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_history_calls_a_zero_payout_a_lost_bet(app, player_client):
    with app.app_context():
        player = db.session.get(Player, 1)
        operations.credit(player, "EUR", "0", source="betcore", external_id="lost")
        db.session.commit()
    assert rows(player_client.get("/wallet/history?kind=win"))[0][0] == "Bet lost"
