"""Personal login links for CRM campaigns (portal.crm.autologin): issued by POST
/crm/auto-logins, opened at /auto-login/<token> where only the page's button (a POST with
CSRF) logs the player in, once, before it expires, unless a newer link, an operator or an
exclusion revoked it, and never for a blocked, excluded or closed player. Every use and
refused use is a login of channel auto-login; the auto-logins feed shows each player's
current token, and none once it is spent."""

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import LoginEvent, Player
from portal.crm import autologin
from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.limits import operations as limits
from portal.timeutil import utcnow
from tests.conftest import csrf_token, page_text

AUTH = {"Authorization": "Basic " + base64.b64encode(b"crm:secret").decode()}
CRM = dict(CRM_FEED_USER="crm", CRM_FEED_PASSWORD="secret", CRM_SETTLE_SECONDS=0)
USED = "This login link has already been used."
REFUSED_PLAYER = "This account cannot be logged in with a link."
NOT_VALID = "This login link is not valid."
NO_LONGER = "This login link is no longer valid"
THREADS = 6


@pytest.fixture
def app(make_app):
    return make_app(**CRM)


@pytest.fixture
def rita(app, make_player) -> int:
    player_id = make_player(email="rita@example.com", login_name="rita_r")
    with app.app_context():
        db.session.get(Player, player_id).first_name = "Rita"
        db.session.commit()
    return player_id


# --- helpers -----------------------------------------------------------------------------


def campaign(client, *player_ids, name="spring") -> dict:
    body = {"player_ids": [str(p) for p in player_ids], "campaign": name}
    response = client.post("/crm/auto-logins", json=body, headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def new_link(client, player_id) -> str:
    """A campaign's link for one player: its token."""
    (link,) = campaign(client, player_id)["links"]
    return link["login_token"]


def press_button(client, token):
    """Open the link and press its button, as a player does."""
    page = client.get(f"/auto-login/{token}")
    assert page.status_code == 200, page_text(page)
    return client.post(f"/auto-login/{token}", data={"csrf_token": csrf_token(page.text)})


def post_link(client, token):
    """Post the link's form with a valid CSRF token from another page (a link whose page
    shows no button, replayed)."""
    token_page = client.get("/login").get_data(as_text=True)
    return client.post(f"/auto-login/{token}", data={"csrf_token": csrf_token(token_page)})


def logged_in_as(client) -> str | None:
    """The email the account page shows, or None when it sends us to log in."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return response.text.split('data-testid="account-email">')[1].split("<")[0]


def events(app) -> list[tuple]:
    with app.app_context():
        found = db.session.scalars(select(LoginEvent).order_by(LoginEvent.id))
        return [(e.player_id, e.channel, e.success, e.reason) for e in found]


def link_row(app, token) -> AutoLogin:
    with app.app_context():
        row = db.session.get(AutoLogin, int(token.split("-")[0]))
        db.session.expunge(row)
        return row


def feed(client, clock, name: str, since) -> tuple[list[dict], object]:
    """The feed's JSON rows of [since, a second from now), answered at once (the window is
    over and settled once the clock moves on): (rows, the window's end)."""
    clock.travel(timedelta(seconds=1))
    until = utcnow().replace(microsecond=0)
    query = {"from": f"{since:%Y-%m-%d %H:%M:%S}", "to": f"{until:%Y-%m-%d %H:%M:%S}"}
    response = client.get(f"/crm/{name}", query_string={**query, "format": "json"}, headers=AUTH)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json, until


def start():
    """The start of a first window: this second."""
    return utcnow().replace(microsecond=0)


# --- the page ----------------------------------------------------------------------------


def test_opening_the_link_spends_nothing_its_button_logs_in(app, client, rita):
    token = new_link(client, rita)
    for _ in range(2):  # a mail scanner, a link preview, then the player
        page = client.get(f"/auto-login/{token}")
        assert page.status_code == 200
        assert "Log in as Rita" in page_text(page)
        assert "rita@example.com" not in page.text  # (links get forwarded)
    assert link_row(app, token).used_at is None
    assert events(app) == []

    response = press_button(client, token)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert logged_in_as(client) == "rita@example.com"
    assert events(app) == [(rita, "auto-login", True, None)]
    row = link_row(app, token)
    assert row.used_at is not None
    assert row.ip == "127.0.0.1"


def test_a_post_without_its_csrf_token_is_refused_and_spends_nothing(app, client, rita):
    token = new_link(client, rita)
    client.get(f"/auto-login/{token}")
    response = client.post(f"/auto-login/{token}", data={})
    assert response.status_code == 400
    assert logged_in_as(client) is None
    assert link_row(app, token).used_at is None
    assert press_button(client, token).status_code == 302


def test_a_link_logs_in_once(app, client, rita):
    token = new_link(client, rita)
    assert press_button(client, token).status_code == 302

    stranger = app.test_client()  # the same link again, from another browser
    again = post_link(stranger, token)
    assert again.status_code == 410
    assert USED in page_text(again)
    assert logged_in_as(stranger) is None
    opened = stranger.get(f"/auto-login/{token}")
    assert (opened.status_code, USED in page_text(opened)) == (410, True)
    assert "csrf_token" not in opened.text  # no button
    assert events(app) == [
        (rita, "auto-login", True, None),
        (rita, "auto-login", False, "link_used"),
    ]
    assert logged_in_as(client) == "rita@example.com"  # the first login stays


def test_a_link_expires_after_crm_auto_login_days(app, client, rita, clock):
    token = new_link(client, rita)
    days = timedelta(days=app.config["CRM_AUTO_LOGIN_DAYS"])
    clock.travel(days - timedelta(minutes=1))
    assert client.get(f"/auto-login/{token}").status_code == 200
    clock.travel(timedelta(minutes=1))
    opened = client.get(f"/auto-login/{token}")
    assert (opened.status_code, "This login link has expired." in page_text(opened)) == (410, True)
    assert post_link(client, token).status_code == 410
    assert logged_in_as(client) is None
    assert events(app) == [(rita, "auto-login", False, "link_expired")]


def test_a_new_link_revokes_the_previous_one(app, client, rita):
    first = new_link(client, rita)
    second = new_link(client, rita)
    assert first != second
    opened = client.get(f"/auto-login/{first}")
    assert (opened.status_code, NO_LONGER in page_text(opened)) == (410, True)
    assert post_link(client, first).status_code == 410
    assert logged_in_as(client) is None
    assert press_button(client, second).status_code == 302
    assert logged_in_as(client) == "rita@example.com"


def test_a_revoked_link_logs_nobody_in(app, client, rita):
    token = new_link(client, rita)
    with app.app_context():
        player = db.session.get(Player, rita)
        assert autologin.revoke(player) == 1
        db.session.commit()
        assert autologin.revoke(player) == 0  # nothing open any more
    assert client.get(f"/auto-login/{token}").status_code == 410
    assert post_link(client, token).status_code == 410
    assert logged_in_as(client) is None
    assert events(app) == [(rita, "auto-login", False, "link_revoked")]


def stop(app, player_id, who: str) -> None:
    """Block the player, or exclude them as the core does (portal.limits.operations)."""
    with app.app_context():
        player = db.session.get(Player, player_id)
        if who == "blocked":
            player.status = "blocked"
        else:
            kind, duration = who.split(":")
            limits.exclude(player, kind, duration or None, reason="asked by phone")
        db.session.commit()


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("blocked", "blocked"),
        ("timeout:24h", "excluded"),
        ("self-exclusion:6m", "excluded"),
        ("closure:", "excluded"),
    ],
)
def test_no_link_logs_in_a_blocked_or_excluded_player(app, client, rita, who, reason):
    token = new_link(client, rita)
    stop(app, rita, who)

    answer = campaign(client, rita)
    assert answer == {"links": [], "refused": [{"player_id": str(rita), "reason": reason}]}
    with app.app_context(), pytest.raises(autologin.AutoLoginRefused) as refused:
        autologin.issue(db.session.get(Player, rita))
    assert refused.value.reason == reason

    opened = client.get(f"/auto-login/{token}")
    assert (opened.status_code, REFUSED_PLAYER in page_text(opened)) == (403, True)
    assert "Rita" not in page_text(opened)
    posted = post_link(client, token)
    assert (posted.status_code, REFUSED_PLAYER in page_text(posted)) == (403, True)
    assert logged_in_as(client) is None
    assert events(app) == [(rita, "auto-login", False, f"link_{reason}")]
    assert link_row(app, token).used_at is None


def test_an_exclusion_revokes_the_links_for_good(app, client, rita, clock):
    """A time-out ends the player's links (the feed says so); once it has run out, the old
    link stays dead and a new one works and is the feed's token again."""
    since = start()
    old = new_link(client, rita)
    stop(app, rita, "timeout:24h")
    rows, since = feed(client, clock, "auto-logins", since)
    assert [(r["player_id"], r["login_token"]) for r in rows] == [(str(rita), None)]
    assert link_row(app, old).revoked_at is not None

    clock.travel(timedelta(hours=24, minutes=1))
    assert client.get(f"/auto-login/{old}").status_code == 410
    since = start()
    token = new_link(client, rita)
    rows, _ = feed(client, clock, "auto-logins", since)
    assert [(r["player_id"], r["login_token"]) for r in rows] == [(str(rita), token)]
    assert press_button(client, token).status_code == 302
    assert logged_in_as(client) == "rita@example.com"
    with app.app_context():
        assert db.session.get(Player, rita).status == "active"  # (the time-out tidied away)


def test_a_tampered_token_is_not_found(app, client, rita, make_player):
    token = new_link(client, rita)
    bob_token = new_link(client, make_player(email="bob@example.com"))
    row_id, signature = token.split("-", 1)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    tampered = [
        f"{row_id}-{flipped}",  # a wrong signature
        f"{bob_token.split('-')[0]}-{signature}",  # another row's id
        f"{row_id}-",
        row_id,
        "x" + token,
        token + "x" * 80,
        f"{int(row_id) + 100}-{signature}",  # no such row
    ]
    for bad in tampered:
        opened = client.get(f"/auto-login/{bad}")
        assert (opened.status_code, NOT_VALID in page_text(opened)) == (404, True), bad
        assert post_link(client, bad).status_code == 404, bad
    assert logged_in_as(client) is None
    assert events(app) == []  # (nobody's link: no player's login)
    assert press_button(client, token).status_code == 302


def test_the_signature_depends_on_the_secret_key(app, make_app, client, rita):
    token = new_link(client, rita)
    rekeyed = make_app(**CRM, SECRET_KEY="another-secret-key").test_client()
    assert rekeyed.get(f"/auto-login/{token}").status_code == 404
    assert post_link(rekeyed, token).status_code == 404
    assert logged_in_as(rekeyed) is None
    assert press_button(client, token).status_code == 302


def test_a_link_logs_in_only_on_its_brands_site(app, make_app, make_brand, make_player, client):
    """A site serves one brand (SITE_BRAND_ID): a campaign asking it for another brand's
    player is refused, and that brand's link neither logs in nor is spent here."""
    other_brand = make_brand("Other Casino")
    rex = make_player(email="rex@example.com", brand=other_brand)
    assert campaign(client, rex) == {
        "links": [],
        "refused": [{"player_id": str(rex), "reason": "other_brand"}],
    }
    other_site = make_app(**CRM, SITE_BRAND_ID=other_brand).test_client()
    token = new_link(other_site, rex)

    assert client.get(f"/auto-login/{token}").status_code == 404
    assert post_link(client, token).status_code == 404
    assert logged_in_as(client) is None
    assert link_row(app, token).used_at is None
    assert press_button(other_site, token).status_code == 302
    assert logged_in_as(other_site) == "rex@example.com"


# --- the campaign request and the feeds ---------------------------------------------------


def test_a_campaign_request_answers_each_players_link(app, client, rita, make_player):
    bob = make_player(email="bob@example.com")
    answer = campaign(client, rita, bob, rita, 999999, name="spring")
    tokens = [link["login_token"] for link in answer["links"]]
    assert answer["links"] == [
        {"player_id": str(p), "login_token": t, "login_url": f"http://portal.test/auto-login/{t}"}
        for p, t in zip((rita, bob), tokens, strict=True)
    ]
    assert answer["refused"] == [{"player_id": "999999", "reason": "unknown"}]
    assert link_row(app, tokens[0]).campaign == "spring"
    bobs_page = client.get(f"/auto-login/{tokens[1]}")  # no name to show: no email either
    assert "This link logs you in to Test Casino. Log in" in page_text(bobs_page)
    assert "bob@example.com" not in bobs_page.text

    anonymous = client.post("/crm/auto-logins", json={"player_ids": [str(rita)]})
    assert anonymous.status_code == 401
    for body in ({"player_ids": []}, {"player_ids": ["x"]}, {"player_ids": [1], "campaign": 5}):
        assert client.post("/crm/auto-logins", json=body, headers=AUTH).status_code == 400


def test_every_use_is_a_login_of_the_logins_feed(app, client, rita, clock):
    since = start()
    token = new_link(client, rita)
    press_button(client, token)
    post_link(app.test_client(), token)  # a second time: refused
    rows, _ = feed(client, clock, "logins", since)
    assert [(r["player_id"], r["traffic_source"], r["is_success"]) for r in rows] == [
        (str(rita), "auto-login", True),
        (str(rita), "auto-login", False),
    ]


def test_the_auto_logins_feed_shows_the_current_token_and_none_once_spent(
    app, client, rita, make_player, clock
):
    since = start()
    bob = make_player(email="bob@example.com")
    first, bobs = new_link(client, rita), new_link(client, bob)
    rows, since = feed(client, clock, "auto-logins", since)
    assert [(r["id"], r["player_id"], r["login_token"]) for r in rows] == [
        (first.split("-")[0], str(rita), first),
        (bobs.split("-")[0], str(bob), bobs),
    ]
    assert all(r["updated_at"] < f"{since:%Y-%m-%d %H:%M:%S}" for r in rows)

    press_button(client, first)  # used: no token
    rows, since = feed(client, clock, "auto-logins", since)
    assert [(r["id"], r["player_id"], r["login_token"]) for r in rows] == [
        (first.split("-")[0], str(rita), None)
    ]

    second = new_link(client, rita)  # a new one: its token
    rows, since = feed(client, clock, "auto-logins", since)
    assert [(r["player_id"], r["login_token"]) for r in rows] == [(str(rita), second)]

    with app.app_context():  # revoked: no token
        autologin.revoke(db.session.get(Player, rita))
        db.session.commit()
    rows, since = feed(client, clock, "auto-logins", since)
    assert [(r["id"], r["player_id"], r["login_token"]) for r in rows] == [
        (second.split("-")[0], str(rita), None)
    ]
    assert feed(client, clock, "auto-logins", since)[0] == []  # nothing changed since


def test_campaign_requests_at_once_leave_one_open_link(app, rita):
    """Parallel requests for the same player take turns (issue locks the player): each
    revokes the one before, and exactly one link is left to log in with."""
    barrier = threading.Barrier(THREADS)

    def ask():
        client = app.test_client()
        barrier.wait()
        return new_link(client, rita)

    with ThreadPoolExecutor(THREADS) as pool:
        tokens = list(pool.map(lambda _: ask(), range(THREADS)))
    assert len(set(tokens)) == THREADS
    with app.app_context():
        open_links = db.session.scalars(
            select(AutoLogin.id).where(AutoLogin.revoked_at.is_(None))
        ).all()
    assert open_links == [max(int(t.split("-")[0]) for t in tokens)]
