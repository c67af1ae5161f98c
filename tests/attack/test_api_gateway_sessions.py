"""Dead or misplaced gateway tokens on every endpoint that takes `x-auth-token`.

A token after logout, after a password change made in another session, after a reset by
mail link, after a temporary password set by support, after the cancel link of an email
change, past its idle or absolute expiry (moved back in time on the session row), of a
blocked player, or of brand 1 used on brand 2's paths: every endpoint answers 401
{"errMsg": "invalid input - invalid token"} and nothing changes.

tests/test_gateway_accounts.py checks each of these on logout alone (and the online,
details and sign-tnc tests check another brand's token on their endpoints); this sweep
asks every endpoint, with a body that would change something.
"""

from datetime import timedelta

import pytest

from portal.accounts.models import Player
from portal.extensions import db
from tests.attack.api_support import changed_tables, database_state
from tests.attack.mail_links import email_change_links, press, reset_link
from tests.conftest import BACKENDS
from tests.gateway_flows import (
    ACKNOWLEDGE,
    CHANGE,
    CUSTOM_FIELDS,
    DETAILS,
    EMAIL_UPDATE,
    INFO,
    INGAME,
    INVALID_TOKEN,
    RESEND,
    SIGN,
    STATUS,
    STEP_TWO,
    auth,
    login,
    register,
    shift_session,
)
from tests.harness.scale import scaled

# The session checks are the same SQL on both backends, and tests/test_gateway_accounts.py
# runs each of them on both: one backend in the short run.
pytestmark = pytest.mark.parametrize("database_url", scaled(["sqlite"], BACKENDS), indirect=True)


def endpoints(brand: int, player_id: int) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of every gateway endpoint behind a session token."""
    return [
        ("GET", DETAILS.format(brand), None),
        ("PUT", DETAILS.format(brand), {"city": "Elsewhere"}),
        ("GET", CUSTOM_FIELDS.format(brand), None),
        ("PUT", CUSTOM_FIELDS.format(brand),
         {"strCustomFields": [{"id": "k", "name": "n", "value": "v"}]}),
        ("PUT", EMAIL_UPDATE.format(brand), {"email": "thief@example.com"}),
        ("POST", CHANGE.format(brand), {"old_password": "abc12345", "new_password": "thief123"}),
        ("POST", RESEND.format(brand), None),
        ("POST", f"/gateway/reg-step-two/1/{brand}", STEP_TWO),
        ("POST", SIGN, {"brand_id": brand, "player_id": player_id, "language": "en",
                        "type": "tnc"}),
        ("GET", STATUS.format(brand), None),
        ("GET", INGAME.format(brand, "g1"), None),
        ("GET", INFO.format(brand), None),
        ("POST", ACKNOWLEDGE.format(brand), None),
        ("POST", f"/gateway/games/1/start-game/{brand}/dice/en", {}),
        ("POST", f"/gateway/games/1/start-game/{brand}/sportsbook/en", {}),
        ("POST", f"/gateway/logout/1/{brand}/player", None),
    ]  # fmt: skip


def call(client, method, path, body, token):
    kwargs = {"json": body} if body is not None else {}
    return client.open(path, method=method, headers=auth(token), **kwargs)


def set_status(app, player_id, status) -> None:
    with app.app_context():
        db.session.get(Player, player_id).status = status
        db.session.commit()


# Each scenario: (app, client, runner, brand_id, other_brand, player_id) -> (token, brand)
def _logged_out(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    assert client.post(f"/gateway/logout/1/{brand}/player", headers=auth(token)).status_code == 200
    return token, brand


def _password_changed_elsewhere(app, client, runner, brand, other, player_id):
    token, elsewhere = (login(client, brand).json["auth_token"] for _ in range(2))
    body = {"old_password": "abc12345", "new_password": "fresh123"}
    assert client.post(CHANGE.format(brand), json=body, headers=auth(elsewhere)).status_code == 202
    return token, brand


def _password_reset_by_mail(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    link = reset_link(app, client, brand)
    assert press(app.test_client(), link, {"new_password": "fresh123"}).status_code == 302
    return token, brand


def _temporary_password(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    args = ["players", "temporary-password", str(player_id), "--password", "temp1234"]
    assert runner.invoke(args=args).exit_code == 0
    return token, brand


def _email_change_cancelled(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    _, cancel = email_change_links(app, client, brand, token)
    assert press(app.test_client(), cancel).status_code == 200
    return token, brand


def _idle(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    idle = app.config["SESSION_IDLE_MINUTES"]
    shift_session(app, token, last_seen_at=timedelta(minutes=idle, seconds=1))
    return token, brand


def _past_absolute_expiry(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    shift_session(app, token, expires_at=timedelta(seconds=1))
    return token, brand


def _blocked(app, client, runner, brand, other, player_id):
    token = login(client, brand).json["auth_token"]
    set_status(app, player_id, "blocked")
    return token, brand


def _other_brand(app, client, runner, brand, other, player_id):
    return login(client, brand).json["auth_token"], other


SCENARIOS = {
    "logged_out": _logged_out,
    "password_changed_elsewhere": _password_changed_elsewhere,
    "password_reset_by_mail": _password_reset_by_mail,
    "temporary_password_by_support": _temporary_password,
    "email_change_cancelled": _email_change_cancelled,
    "idle": _idle,
    "past_absolute_expiry": _past_absolute_expiry,
    "blocked_player": _blocked,
    "brand_1_token_on_brand_2": _other_brand,
}


@pytest.fixture
def john(client, brand_id, make_brand):
    """John, registered on brand 1 (both steps); brand 2 exists too. (player id, brand 2)"""
    other = make_brand(name="Brand Two")
    player_id = register(client, brand_id).json["player_id"]
    return player_id, other


def test_a_live_token_is_accepted_by_every_endpoint_of_the_sweep(app, client, brand_id, john):
    """The control: with a live token no endpoint of the sweep answers 401."""
    player_id, _ = john
    token = login(client, brand_id).json["auth_token"]
    answers = [
        (method, path, call(client, method, path, body, token).status_code)
        for method, path, body in endpoints(brand_id, player_id)
    ]
    assert [a for a in answers if a[2] == 401] == []
    assert answers[-1][2] == 200  # the logout, last


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_dead_or_misplaced_token_is_refused_everywhere(
    app, client, runner, brand_id, john, scenario
):
    player_id, other = john
    token, brand = SCENARIOS[scenario](app, client, runner, brand_id, other, player_id)
    before = database_state(app)
    wrong = []
    for method, path, body in endpoints(brand, player_id):
        response = call(client, method, path, body, token)
        if (response.status_code, response.json) != (401, INVALID_TOKEN):
            wrong.append((method, path, response.status_code, response.json))
    assert wrong == []
    assert changed_tables(before, database_state(app)) == {}
