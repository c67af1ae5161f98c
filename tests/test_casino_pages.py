"""The casino page and the gateway's start-game endpoint."""

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.accounts.sessions import token_hash
from portal.casino.models import CasinoToken
from portal.extensions import db
from tests.conftest import submit_form

WEBFRAME = "https://frame.betcore.example/webframe"


def frame_src(response) -> dict:
    frame = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(
        "iframe", {"data-testid": "webframe"}
    )
    parts = urlsplit(frame["src"])
    return {
        "base": f"{parts.scheme}://{parts.netloc}{parts.path}",
        **{k: v[0] for k, v in parse_qs(parts.query).items()},
    }


def test_visitors_see_the_frame_without_a_token(make_app, brand_id):
    app = make_app(BETCORE_WEBFRAME_URL=WEBFRAME)
    src = frame_src(app.test_client().get("/casino"))
    assert src["base"] == WEBFRAME and "token" not in src
    assert (src["lang"], src["tagId"]) == ("en", "1")


def test_players_get_a_fresh_token_bound_to_their_currency(make_app, make_player):
    app = make_app(BETCORE_WEBFRAME_URL=WEBFRAME)
    make_player()
    client = app.test_client()
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    first, second = frame_src(client.get("/casino")), frame_src(client.get("/casino"))
    assert first["token"] != second["token"] and len(first["token"]) >= 43  # 256 bits
    with app.app_context():
        stored = db.session.scalar(
            select(CasinoToken).where(CasinoToken.token_hash == token_hash(first["token"]))
        )
        assert (stored.player_id, stored.currency, stored.used_at) == (1, "EUR", None)
        assert (stored.expires_at - stored.created_at).total_seconds() == 30 * 60


def test_start_game_returns_a_launch_url(make_app, make_player):
    app = make_app(BETCORE_WEBFRAME_URL=WEBFRAME)
    make_player()
    client = app.test_client()
    token = client.post(
        "/gateway/login/1/1/player", json={"email": "player@example.com", "password": "secret123"}
    ).json
    response = client.post(
        "/gateway/games/1/start-game/1/lucky-dice/en",
        json={"auth_token": token["auth_token"], "return_url": "/"},
        headers={"x-auth-token": token["auth_token"]},
    )
    assert response.status_code == 200
    src = urlsplit(response.json["url"])
    query = {k: v[0] for k, v in parse_qs(src.query).items()}
    assert (f"{src.scheme}://{src.netloc}{src.path}", query["game"], query["lang"]) == (
        WEBFRAME,
        "lucky-dice",
        "en",
    )
    with app.app_context():
        assert (
            db.session.scalar(
                select(CasinoToken.player_id).where(
                    CasinoToken.token_hash == token_hash(query["token"])
                )
            )
            == 1
        )


def test_start_game_refuses_bad_input(make_app, make_player):
    app = make_app(BETCORE_WEBFRAME_URL=WEBFRAME)
    make_player()
    client = app.test_client()
    auth = {
        "x-auth-token": client.post(
            "/gateway/login/1/1/player",
            json={"email": "player@example.com", "password": "secret123"},
        ).json["auth_token"]
    }
    assert (
        client.post(
            "/gateway/games/1/start-game/1/lucky-dice/xx", json={}, headers=auth
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/gateway/games/1/start-game/1/bad%20game/en", json={}, headers=auth
        ).status_code
        == 400
    )
    assert client.post("/gateway/games/1/start-game/1/lucky-dice/en", json={}).json == {
        "errMsg": "invalid input - invalid token"
    }
