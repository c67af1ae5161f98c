"""The lobby at `/`: ways into the casino, the sportsbook and the bet slip for visitors and
players; the player's balance, active bonus and quick links; a visitor's game entry asks to
log in or register and comes back to the game (`next`); no game entries for a player
excluded from play."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.extensions import db
from portal.limits import operations as limits
from portal.wallet import operations as wallet
from tests.conftest import page_text, submit_form


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def log_in(client, identifier="player@example.com", password="secret123", next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return submit_form(client, url, {"identifier": identifier, "password": password}, page=url)


def test_a_visitor_sees_every_product_with_a_way_in(client, brand_id):
    home = client.get("/")
    assert home.status_code == 200
    page = soup(home)
    games = page.select('[data-testid="lobby-game"]')
    assert [g["data-game"] for g in games] == ["betcore"]  # no stand-in: BETCORE's one frame
    login = games[0].select_one('[data-testid="lobby-game-login"]')["href"]
    register = games[0].select_one('[data-testid="lobby-game-register"]')["href"]
    for link, path in ((login, "/login"), (register, "/register")):
        parts = urlsplit(link)
        assert parts.path == path and parse_qs(parts.query)["next"] == ["/casino"]
    sports = page.select_one('[data-testid="lobby-sportsbook"]')
    slip = page.select_one('[data-testid="lobby-coupons"]')
    assert sports.find("a", href="/sportsbook") and slip.find("a", href="/coupons")
    assert "Log in to bet" in sports.get_text()
    assert page.select_one('[data-testid="lobby-account"]') is None


def test_the_stand_in_games_are_listed_and_login_comes_back_to_the_game(app, client, make_player):
    make_player()
    app.config.update(BETCORE_WEBFRAME_URL="http://portal.test/sandbox/betcore/webframe")
    page = soup(client.get("/"))
    games = page.select('[data-testid="lobby-game"]')
    assert [g["data-game"] for g in games] == ["lucky-dice"]
    assert "Lucky Dice" in games[0].get_text()
    login = games[0].select_one('[data-testid="lobby-game-login"]')["href"]
    assert parse_qs(urlsplit(login).query)["next"] == ["/casino?game=lucky-dice"]
    answer = submit_form(
        client, login, {"identifier": "player@example.com", "password": "secret123"}, page=login
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/casino?game=lucky-dice"


def test_login_does_not_follow_a_next_to_another_site(client, make_player):
    make_player()
    answer = log_in(client, next_url="//evil.example/casino")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_a_player_sees_balance_bonus_and_quick_links(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "42.50", reason="t", operator="test", external_id="open")
        bonuses.create("Free ten", "FREE10", amount="10.00", wagering="5", max_conversion="8.00",
                       days=7)  # fmt: skip
        bonuses.claim(player, "FREE10", "EUR")
        db.session.commit()
    log_in(client)
    home = client.get("/")
    page = soup(home)
    assert page.select_one('[data-testid="lobby-balance"]').get_text(strip=True) == "42.50 EUR"
    assert page.select_one('[data-testid="lobby-bonus-balance"]').get_text(strip=True) == (
        "10.00 EUR"
    )
    bonus = page.select_one('[data-testid="lobby-bonus"]').get_text(" ", strip=True)
    assert "Free ten" in bonus and "Wagered 0.00 of 50.00 EUR" in bonus
    links = page.select_one('[data-testid="lobby-links"]')
    assert links.find("a", href="/cashier") and links.find("a", href="/wallet/history")
    games = page.select('[data-testid="lobby-game"]')
    assert games and games[0].find("a", href="/casino", string="Play")
    assert page.select_one('[data-testid="lobby-game-login"]') is None
    assert "Hello, " in page_text(home)


def test_a_player_without_bonus_sees_no_bonus_box(client, make_player):
    make_player()
    log_in(client)
    page = soup(client.get("/"))
    assert page.select_one('[data-testid="lobby-bonus"]') is None
    assert page.select_one('[data-testid="lobby-balance"]').get_text(strip=True) == "0.00 EUR"


def test_an_excluded_player_gets_no_game_entries(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        limits.exclude(db.session.get(Player, player_id), "timeout", "24h")
        db.session.commit()
    log_in(client)
    answer = client.get("/", follow_redirects=True)
    page = soup(answer)
    assert page.select('[data-testid="lobby-game"]') == []
    assert page.select_one('[data-testid="lobby-casino"]') is None
    assert not page.find("a", href="/casino")


def test_the_lobby_has_unique_ids_and_ordered_headings(app, client, make_player):
    app.config.update(BETCORE_WEBFRAME_URL="http://portal.test/sandbox/betcore/webframe")
    for logged_in in (False, True):
        if logged_in:
            make_player()
            log_in(client)
        page = soup(client.get("/"))
        ids = [tag["id"] for tag in page.find_all(id=True)]
        assert len(ids) == len(set(ids))
        levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3"])]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
        for link in page.find_all("a", attrs={"aria-describedby": True}):
            assert page.find(id=link["aria-describedby"]) is not None
