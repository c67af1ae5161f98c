"""The sportsbook page and start-game: a token per (player, active currency)."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.accounts.sessions import token_hash
from portal.extensions import db
from portal.sportsbook.models import BetsyToken
from tests.conftest import submit_form

IFRAME = "https://sportsbook.betsy.example/"


def token_of(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("token", [None])[0]


def frame(response) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "iframe", {"data-testid": "betsy-frame"}
    )["src"]


def stored(app, token) -> BetsyToken:
    with app.app_context():
        return db.session.scalar(
            select(BetsyToken).where(BetsyToken.token_hash == token_hash(token))
        )


def test_visitors_get_no_token(make_app, brand_id):
    app = make_app(BETSY_IFRAME_URL=IFRAME)
    src = frame(app.test_client().get("/sportsbook"))
    assert src.startswith(IFRAME) and token_of(src) is None


def test_switching_currency_gives_a_new_token_for_the_same_user(make_app, make_player):
    app = make_app(BETSY_IFRAME_URL=IFRAME)
    make_player()
    client = app.test_client()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    eur = token_of(frame(client.get("/sportsbook")))
    submit_form(client, "/wallet/currency", {"currency": "USD"}, page="/wallet")
    usd = token_of(frame(client.get("/sportsbook")))
    assert eur != usd
    first, second = stored(app, eur), stored(app, usd)
    assert (first.player_id, first.currency) == (1, "EUR")
    assert (second.player_id, second.currency) == (1, "USD")


def test_start_game_sportsbook_returns_the_iframe_url(make_app, make_player):
    app = make_app(BETSY_IFRAME_URL=IFRAME)
    make_player()
    client = app.test_client()
    auth = client.post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": "secret123"}
    ).json
    response = client.post(
        "/gateway/games/1/start-game/1/sportsbook/en",
        json={},
        headers={"x-auth-token": auth["auth_token"]},
    )
    url = response.json["url"]
    assert url.startswith(IFRAME) and parse_qs(urlsplit(url).query)["lang"] == ["en"]
    assert stored(app, token_of(url)).currency == "EUR"
