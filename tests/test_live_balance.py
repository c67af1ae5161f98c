"""GET /balance.json, the header balance's endpoint for static/balance.js: the player's real
balance in the active currency as the header shows it, in the page's locale; cheap (its
statements counted), not stored by caches, 401 JSON for a visitor; game pages mark their
frame for the script with the vendor's origin; the bet slip's page after a coupon shows
the new balance."""

import pytest
from bs4 import BeautifulSoup

from portal.accounts.models import Player
from portal.extensions import db
from portal.player import balance as live
from portal.wallet import operations as wallet
from tests.conftest import submit_form
from tests.harness.statements import StatementCounter
from tests.test_coupons_flow import OVER, open_account_and_line, served  # noqa: F401

BUDGET = 5  # BEGIN, the web session, its player, the balance, COMMIT


def log_in(client, identifier="player@example.com", password="secret123"):
    return submit_form(client, "/login", {"identifier": identifier, "password": password})


def fund(app, player_id, amount="92.00", currency="EUR", key="open"):
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, currency, amount, reason="t", operator="test", external_id=key)
        db.session.commit()


def test_the_balance_as_the_header_shows_it(app, client, make_player):
    player_id = make_player()
    fund(app, player_id, "1234.50")
    log_in(client)
    answer = client.get("/balance.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_json() == {"balance": "1234.50", "currency": "EUR", "shown": "1,234.50 EUR"}
    assert answer.headers["Cache-Control"] == "no-store"
    header = BeautifulSoup(client.get("/wallet").get_data(as_text=True), "html.parser")
    shown = header.select_one('[data-testid="header-balance"]')
    assert shown.get_text(strip=True) == "1,234.50 EUR"
    assert shown["data-balance-url"] == "/balance.json"
    fund(app, player_id, "-234.50", key="less")
    assert client.get("/balance.json").get_json()["shown"] == "1,000.00 EUR"


def test_the_shown_balance_follows_the_page_locale(app, make_brand, make_player, client):
    brand = make_brand("Zwei", languages=("en", "de"))
    app.config["SITE_BRAND_ID"] = brand
    player_id = make_player(brand=brand, language="de")
    fund(app, player_id, "1234.50")
    log_in(client)
    answer = client.get("/balance.json").get_json()
    assert answer == {"balance": "1234.50", "currency": "EUR", "shown": "1.234,50 EUR"}


def test_a_visitor_gets_401_json(client, brand_id):
    answer = client.get("/balance.json")
    assert answer.status_code == 401 and answer.get_json() == {"logged_in": False}
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_active_currency_is_shown(app, client, make_player):
    player_id = make_player()
    fund(app, player_id, "5.00", "USD")
    log_in(client)
    submit_form(client, "/wallet/currency", {"currency": "USD"}, page="/wallet")
    assert client.get("/balance.json").get_json()["shown"] == "5.00 USD"


@pytest.mark.parametrize("rows", [0, 30])
def test_the_endpoint_is_cheap(app, client, make_player, rows):
    player_id = make_player()
    for n in range(rows):
        fund(app, player_id, "1.00", key=f"k{n}")
    log_in(client)
    client.get("/balance.json")  # warm caches
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        answer = client.get("/balance.json")
    assert answer.status_code == 200
    listing = "\n".join(counter.statements)
    assert counter.total <= BUDGET, f"{counter.total} statements:\n{listing}"
    assert not any(s.startswith(("UPDATE", "INSERT")) for s in counter.statements), listing


def test_a_poll_does_not_keep_the_session_alive(app, client, make_player, clock):
    from datetime import timedelta

    from portal.accounts.models import PlayerSession

    def last_seen():
        with app.app_context():
            return db.session.scalar(db.select(PlayerSession.last_seen_at))

    make_player()
    log_in(client)
    before = last_seen()
    clock.travel(timedelta(minutes=2))
    assert client.get("/balance.json").status_code == 200
    assert last_seen() == before
    client.get("/wallet")  # (control: a page the player opens does)
    assert last_seen() > before


def test_game_pages_mark_their_frame_for_the_script(app, client, make_player):
    make_player()
    app.config.update(
        BETCORE_WEBFRAME_URL="https://games.example:8443/webframe",
        BETSY_IFRAME_URL="https://sports.example/iframe",
    )
    visitor = BeautifulSoup(client.get("/casino").get_data(as_text=True), "html.parser")
    assert visitor.select("[data-live-balance]") == []  # nothing to ask for a visitor
    log_in(client)
    for page, origin in (
        ("/casino", "https://games.example:8443"),
        ("/sportsbook", "https://sports.example"),
    ):
        html = BeautifulSoup(client.get(page).get_data(as_text=True), "html.parser")
        (frame,) = html.select("iframe[data-live-balance]")
        assert frame["data-vendor-origin"] == origin
        assert frame["data-poll-seconds"] == str(live.POLL_SECONDS)
        script = html.find("script", src="/static/balance.js")
        assert script is not None and script["nonce"]
    lobby = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert lobby.select("[data-live-balance]") == []  # polled only on game pages


def test_the_casino_guest_links_come_back_to_the_game(client, brand_id):
    html = BeautifulSoup(client.get("/casino?game=lucky-dice").get_data(True), "html.parser")
    assert html.find("a", href="/login?next=/casino?game%3Dlucky-dice")
    assert html.find("a", href="/register?next=/casino?game%3Dlucky-dice")


def test_after_a_coupon_the_page_shows_the_new_balance(app, client, make_player, served):  # noqa: F811
    """A bet on the portal's own page (the bet slip) loads a new page: its header is the
    balance after the stake."""
    player_id = make_player()
    with app.app_context():
        open_account_and_line(player_id)  # 100.00 EUR
    log_in(client)
    placed = submit_form(
        client,
        "/coupons",
        {"selection": OVER, "stake": "12.50", "place": "1"},
        follow_redirects=True,
    )
    html = BeautifulSoup(placed.get_data(as_text=True), "html.parser")
    assert "Your coupon is placed." in html.get_text()
    header = html.select_one('[data-testid="header-balance"]').get_text(strip=True)
    assert header == "87.50 EUR"
    assert client.get("/balance.json").get_json()["shown"] == "87.50 EUR"
