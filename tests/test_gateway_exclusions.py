"""The gateway's view of an exclusion: the login of a timed-out, self-excluded or closed
player answers 403 in the shape of the blocked answer, with why (a message format) and
until when; a player excluded after logging in has no gateway session any more (online
status, player info, start game: 401), nor one from the web login or a password reset."""

import json
from datetime import timedelta

import jsonschema_rs
import pytest
from sqlalchemy import select

from portal import messages
from portal.accounts.models import LoginEvent, Player
from portal.api_docs import document
from portal.extensions import db
from portal.limits import operations
from tests.conftest import submit_form
from tests.gateway_flows import (
    FORGOT,
    INFO,
    INGAME,
    INVALID_TOKEN,
    STATUS,
    VERIFY,
    auth,
    last_link,
    login,
    token_of,
)
from tests.test_gateway_message_texts import emitted_codes

WEBFRAME = "https://frame.betcore.example/webframe"
START_GAME = "/gateway/games/1/start-game/{}/lucky-dice/en"
EMAIL, PASSWORD = "player@example.com", "secret123"
CODES = ("player_timed_out", "player_self_excluded", "player_closed")


@pytest.fixture
def app(make_app):
    return make_app(BETCORE_WEBFRAME_URL=WEBFRAME)


@pytest.fixture
def player(make_player):
    return make_player(email=EMAIL, password=PASSWORD)


def gateway_login(client, brand_id):
    return login(client, brand_id, password=PASSWORD, email=EMAIL)


def exclude(app, player_id, kind, duration=None, **kw):
    with app.app_context():
        found = db.session.get(Player, player_id)
        exclusion = operations.exclude(found, kind, duration, actor="player", **kw)
        db.session.commit()
        return exclusion.ends_at


def stamp(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def excluded(message_format, until=None) -> dict:
    return {"errMsg": "player excluded", "message_format": message_format, "excludedUntil": until}


def conforms(body: dict) -> None:
    """The answer fits the login's documented 403 (openapi.json)."""
    spec = json.loads(document.PATH.read_text(encoding="utf-8"))
    answer = spec["paths"]["/gateway/login/{version}/{brand_id}/player"]["post"]["responses"]
    schema = answer["403"]["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), body
    assert jsonschema_rs.validator_for(spec["components"]["schemas"]["GatewayExcluded"]).is_valid(
        body
    )


# --- login -------------------------------------------------------------------------------


def test_a_timed_out_player_is_told_why_and_until_when(app, client, brand_id, player, clock):
    ends_at = exclude(app, player, "timeout", "7d")

    response = gateway_login(client, brand_id)

    assert response.status_code == 403
    assert response.json == excluded("player_timed_out", stamp(ends_at))
    conforms(response.json)
    with app.app_context():
        event = db.session.scalars(select(LoginEvent)).one()
        assert (event.success, event.reason) == (False, "excluded")
    clock.travel(timedelta(days=7, seconds=1))
    assert gateway_login(client, brand_id).status_code == 200  # the time-out has ended


def test_a_self_excluded_player_until_the_reopening_asked_for(app, client, brand_id, player, clock):
    ends_at = exclude(app, player, "self-exclusion", "6m")

    response = gateway_login(client, brand_id)
    running = excluded("player_self_excluded", stamp(ends_at))  # its end: then ask to reopen
    assert (response.status_code, response.json) == (403, running)
    conforms(response.json)

    clock.travel(ends_at - clock.utcnow() + timedelta(seconds=1))
    assert gateway_login(client, brand_id).json == excluded("player_self_excluded")  # not asked
    with app.app_context():
        reopening = operations.ask_reopen(db.session.get(Player, player))
        db.session.commit()
        reopen_at = reopening.reopen_at
    response = gateway_login(client, brand_id)
    assert response.json == excluded("player_self_excluded", stamp(reopen_at))
    conforms(response.json)
    clock.travel(timedelta(hours=24, seconds=1))
    assert gateway_login(client, brand_id).status_code == 200


@pytest.mark.parametrize(
    ("kind", "duration", "message_format"),
    [("self-exclusion", "indefinite", "player_self_excluded"), ("closure", None, "player_closed")],
)
def test_no_end_by_time_alone_says_null(
    app, client, brand_id, player, kind, duration, message_format
):
    exclude(app, player, kind, duration, reason="I want to stop")

    response = gateway_login(client, brand_id)

    assert (response.status_code, response.json) == (403, excluded(message_format))
    conforms(response.json)


def test_a_wrong_password_of_an_excluded_player_is_a_wrong_password(app, client, brand_id, player):
    exclude(app, player, "timeout", "24h")

    response = login(client, brand_id, password="wrong123", email=EMAIL)

    assert response.status_code == 401
    assert response.json["message_format"] == "login_failed"


def test_the_operators_lift_lets_the_player_in_again(app, client, runner, brand_id, player):
    done = runner.invoke(
        args=["exclusions", "add", EMAIL, "--kind", "self-exclusion", "--duration", "1y",
              "--reason", "asked by phone"]
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert gateway_login(client, brand_id).status_code == 403

    lifted = runner.invoke(args=["exclusions", "lift", EMAIL, "--reason", "a mistake"])

    assert lifted.exit_code == 0, lifted.output
    assert gateway_login(client, brand_id).status_code == 200


def test_the_login_answers_texts_exist_in_every_language(client):
    found, _ = emitted_codes()
    assert set(CODES) <= set(found)  # the source scan sees them emitted
    for code in CODES:
        for language in messages.TEXTS:
            assert messages.TEXTS[language][code]
            response = client.get(
                f"/gateway/site-management/1/content/message/format/{code}",
                query_string={"language": language},
            )
            assert response.json["type"] == "error"
            assert response.json["content"] == messages.TEXTS[language][code]


# --- sessions ----------------------------------------------------------------------------


def session_calls(client, brand_id, token) -> dict:
    headers = auth(token)
    return {
        "status": client.get(STATUS.format(brand_id), headers=headers),
        "ingame": client.get(INGAME.format(brand_id, "g1"), headers=headers),
        "info": client.get(INFO.format(brand_id), headers=headers),
        "start": client.post(
            START_GAME.format(brand_id), json={"return_url": "/"}, headers=headers
        ),
    }


def test_a_player_excluded_after_login_has_no_session(app, client, runner, brand_id, player):
    token = gateway_login(client, brand_id).json["auth_token"]
    before = session_calls(client, brand_id, token)
    assert {name: r.status_code for name, r in before.items()} == dict.fromkeys(before, 200)

    done = runner.invoke(
        args=["exclusions", "add", str(player), "--kind", "timeout", "--duration", "24h",
              "--reason", "asked in chat"]
    )  # fmt: skip
    assert done.exit_code == 0, done.output

    after = session_calls(client, brand_id, token)
    assert {name: (r.status_code, r.json) for name, r in after.items()} == dict.fromkeys(
        after, (401, INVALID_TOKEN)
    )


def test_a_web_session_of_an_excluded_player_is_no_gateway_session(app, client, brand_id, player):
    """The web login lets an excluded player in (to withdraw and see why); its token, which
    the player's cookie holds, opens nothing at the gateway."""
    exclude(app, player, "self-exclusion", "6m")
    web = app.test_client()
    page = submit_form(web, "/login", {"identifier": EMAIL, "password": PASSWORD})
    assert page.status_code == 302  # logged in on the web
    with web.session_transaction() as cookie:  # signed, not encrypted: the player reads it
        token = cookie["_user_id"]

    calls = session_calls(client, brand_id, token)

    assert {name: (r.status_code, r.json) for name, r in calls.items()} == dict.fromkeys(
        calls, (401, INVALID_TOKEN)
    )


def test_a_password_reset_gives_an_excluded_player_no_gateway_session(
    app, client, brand_id, player
):
    exclude(app, player, "timeout", "30d")
    assert client.post(FORGOT.format(brand_id), json={"mail": EMAIL}).status_code == 201
    link = last_link(app, "/reset-password")

    response = client.post(
        f"{VERIFY.format(brand_id)}?hash={token_of(link)}", json={"new_password": "new12345"}
    )

    assert (response.status_code, response.json) == (
        200,
        {"message_format": "password_successfully_changed"},
    )
    refused = login(client, brand_id, password="new12345", email=EMAIL)
    assert refused.json["message_format"] == "player_timed_out"  # the new password, still out


def test_after_a_time_out_the_status_shows_the_opt_outs_it_set(
    app, client, brand_id, player, clock
):
    """Nothing in the seed's online status or player info names an exclusion (an excluded
    player cannot call them); what an exclusion leaves behind shows: the marketing opt-outs."""
    exclude(app, player, "timeout", "24h")
    clock.travel(timedelta(hours=24, seconds=1))
    token = gateway_login(client, brand_id).json["auth_token"]

    status = client.get(STATUS.format(brand_id), headers=auth(token))

    assert status.status_code == 200
    assert status.json["chat_opt_out"] is True
    spec = json.loads(document.PATH.read_text(encoding="utf-8"))
    assert set(status.json) == set(spec["components"]["schemas"]["GatewayOnlineStatus"]["required"])


def test_start_game_refuses_an_under_age_player_without_a_token(app, client, player, brand_id):
    from datetime import date

    from portal.casino.models import CasinoToken

    token = gateway_login(client, brand_id).json["auth_token"]
    with app.app_context():
        found = db.session.get(Player, player)
        found.birthdate = date.today() - timedelta(days=365 * 17)
        db.session.commit()
    answer = client.post(START_GAME.format(brand_id), json={}, headers=auth(token))
    assert answer.status_code == 403
    body = answer.get_json()
    assert body == {"errMsg": "player under age", "message_format": "player_under_age"}
    assert messages.text("player_under_age") == "You must be 18 or older to play."
    spec = json.loads(document.PATH.read_text(encoding="utf-8"))
    path = "/gateway/games/{version}/start-game/{brand_id}/{game}/{lang}"
    schema = spec["paths"][path]["post"]["responses"]["403"]["content"]["application/json"]
    validator = jsonschema_rs.validator_for({**schema["schema"], "components": spec["components"]})
    assert validator.is_valid(body)
    with app.app_context():
        assert db.session.query(CasinoToken).count() == 0


def test_a_gateway_session_ends_at_the_players_session_time_limit(
    app, client, brand_id, player, clock
):
    with app.app_context():
        found = db.session.get(Player, player)
        operations.set_limit(found, "session", "session", "", 30)
        db.session.commit()
    token = gateway_login(client, brand_id).json["auth_token"]
    assert client.get(STATUS.format(brand_id), headers=auth(token)).status_code == 200
    clock.travel(timedelta(minutes=29))
    assert client.get(STATUS.format(brand_id), headers=auth(token)).status_code == 200
    clock.travel(timedelta(minutes=2))
    for path in (STATUS, INFO):
        answer = client.get(path.format(brand_id), headers=auth(token))
        assert (answer.status_code, answer.json) == (401, INVALID_TOKEN)
    answer = client.post(START_GAME.format(brand_id), json={}, headers=auth(token))
    assert answer.status_code == 401
    fresh = gateway_login(client, brand_id).json["auth_token"]  # a new session counts anew
    assert client.get(STATUS.format(brand_id), headers=auth(fresh)).status_code == 200
