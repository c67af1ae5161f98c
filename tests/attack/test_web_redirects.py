"""Open redirects: every parameter that names where to go next (`?next=` of the login, the
`next` field of the reality-check form, the gateway start-game's `return_url`) keeps the
player on this site, however the address is disguised. A Location is judged as a browser
reads it: control characters dropped, backslashes taken as slashes."""

import re
from urllib.parse import quote, urlsplit

import pytest

from portal.accounts.models import Brand, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests.conftest import csrf_token
from tests.gateway_flows import login

TARGETS = [
    "//evil.test",
    "/\\evil.test",
    "https://evil.test",
    "%2F%2Fevil.test",
    "/%09/evil.test",
    "\\\\evil.test",
    "javascript:alert(1)",
    "http:evil.test",
    "https:evil.test",
    "//evil.test@portal.test",
    "/\t/evil.test",
    "/\n/evil.test",
    " //evil.test",
    "\x00//evil.test",
    "/%2F/evil.test",
    "/%5Cevil.test",
    "http://localhost@evil.test/",
    "https://evil.test/?x=http://localhost/",
]
HOST = "localhost"  # the test client's


_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def stays_on_site(location: str) -> bool:
    """Whether a browser following `location` (from a page of http://localhost) stays here."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip(_C0_AND_SPACE)).replace("\\", "/")
    if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", cleaned):
        parts = urlsplit(cleaned)
        return parts.scheme in ("http", "https") and parts.netloc == HOST
    return not cleaned.startswith("//")  # a path (relative or absolute) on this host


def test_the_judge_itself():
    for location in ("/account", "http://localhost/casino", "%2F%2Fevil.test", "/%09/x"):
        assert stays_on_site(location), location
    for location in (
        "//evil.test",
        "/\\evil.test",
        "\\\\evil.test",
        " /\t/evil.test",
        "https://evil.test",
        "http:evil.test",
        "javascript:alert(1)",
        "http://localhost@evil.test/",
    ):
        assert not stays_on_site(location), location


@pytest.fixture
def player(make_player, brand_id):
    make_player(email="victim@example.com", login_name="victim")
    return {"identifier": "victim", "password": "secret123"}


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "raw"])
def test_login_next_never_leaves_the_site(app, player, encoded):
    landings = []
    for target in TARGETS:
        client = app.test_client()
        # As a link would carry it: percent-encoded, or pasted into the URL as it is.
        url = "/login?next=" + (quote(target, safe="") if encoded else target)
        page = client.get(url)
        if page.status_code == 400:  # refused outright: a NUL character
            assert "\x00" in target
            continue
        token = csrf_token(page.get_data(as_text=True))
        response = client.post(url, data={**player, "csrf_token": token})
        assert response.status_code == 302, target
        landings.append((target, response.location))
    assert [(t, loc) for t, loc in landings if not stays_on_site(loc)] == []
    client = app.test_client()  # and a local target still works
    token = csrf_token(client.get("/login?next=/wallet").get_data(as_text=True))
    response = client.post("/login?next=/wallet", data={**player, "csrf_token": token})
    assert response.location == "/wallet"


def test_reality_check_next_never_leaves_the_site(app, player, brand_id):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={**player, "csrf_token": token})
    token = csrf_token(client.get("/account").get_data(as_text=True))  # the new session's
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = 30
        db.session.commit()
    off_site = []
    for target in TARGETS:
        with app.app_context():
            db.session.query(PlayerSession).update({"reality_check_due_at": utcnow()})
            db.session.commit()
        response = client.post("/reality-check", data={"csrf_token": token, "next": target})
        if "\x00" in target:
            assert response.status_code == 400  # refused outright
            continue
        assert response.status_code == 302, target
        if not stays_on_site(response.location):
            off_site.append((target, response.location))
    assert off_site == []


def test_start_game_return_url_is_not_followed(app, make_player, brand_id):
    make_player(email="john@example.com", password="abc12345")
    auth = {"x-auth-token": login(app.test_client(), brand_id).json["auth_token"]}
    for game in ("dice", "sportsbook"):
        for target in TARGETS:
            response = app.test_client().post(
                f"/gateway/games/1/start-game/{brand_id}/{game}/en",
                json={"return_url": target},
                headers=auth,
            )
            if "\x00" in target:
                assert response.status_code == 400  # refused outright
                continue
            assert response.status_code == 200, response.json
            assert "evil" not in response.json["url"], (game, target)
