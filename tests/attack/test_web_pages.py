"""Every HTML page, crawled as a visitor and as a logged-in player (tests/attack/web_pages.py
finds them): a Content-Security-Policy with a fresh nonce that every <script> carries, no
inline event handler, `javascript:` URL or style attribute, frames only from the origins
the policy names, and `Cache-Control: no-store`."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Brand, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests.attack.web_pages import (
    crawl,
    csp_directives,
    html_rules,
    log_in,
    nonce_of,
    page_problems,
    soup_of,
    start_urls,
)
from tests.gateway_flows import FORGOT, last_link, register

BETCORE_FRAME = "https://webframe.betcore.example/frame"
BETSY_FRAME = "https://sports.betsy.example:8443/iframe"


@pytest.fixture
def app(make_app):
    return make_app(BETCORE_WEBFRAME_URL=BETCORE_FRAME, BETSY_IFRAME_URL=BETSY_FRAME)


@pytest.fixture
def links(app, brand_id):
    """A live password-reset link and a live activation link (path and query)."""
    register(app.test_client(), brand_id)  # mails the activation link
    forgot = app.test_client().post(FORGOT.format(brand_id), json={"mail": "john@example.com"})
    assert forgot.status_code == 201
    return [
        last_link(app, path).removeprefix("http://portal.test")
        for path in ("/reset-password", "/verify-email")
    ]


def reality_check_due(app, brand_id) -> None:
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = 30
        for session in db.session.scalars(select(PlayerSession)):
            session.reality_check_due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def assert_pages_keep_the_rules(pages: dict) -> None:
    html = {url: r for url, r in pages.items() if r.mimetype == "text/html"}
    broken = {url: problems for url, r in html.items() if (problems := page_problems(r))}
    assert not broken, broken
    nonces = [nonce_of(r) for r in html.values()]
    assert len(set(nonces)) == len(nonces), "a nonce was used twice"


def test_visitor_pages(app, client, links):
    pages = crawl(client, start_urls(app) + links)
    assert_pages_keep_the_rules(pages)
    assert {"/login", "/register", "/casino", "/sportsbook", *links} <= set(pages)
    shown = pages[links[0]].get_data(as_text=True)
    assert "Choose a new password" in shown  # the live link's page, not an error page


def test_player_pages(app, client, make_player, brand_id):
    make_player(email="crawler@example.com", login_name="crawler")
    log_in(client, "crawler", "secret123")
    reality_check_due(app, brand_id)  # its dialog (with a log-out button) on every page
    pages = crawl(client, start_urls(app))
    assert_pages_keep_the_rules(pages)
    assert 'data-testid="reality-check"' in pages["/"].get_data(as_text=True)
    personal = {"/", "/account", "/wallet", "/wallet/history", "/casino", "/sportsbook"}
    assert personal <= set(pages)
    for url in personal:
        assert pages[url].status_code == 200, url
        assert "crawler" in pages[url].get_data(as_text=True), url  # logged in, not redirected
    every_route = {rule.rule for rule in html_rules(app) if not rule.arguments}
    assert every_route <= set(pages)


def test_vendor_frames_are_allowed_and_nothing_else(app, client, make_player):
    make_player(email="framed@example.com")
    log_in(client, "framed@example.com", "secret123")
    origins = ["https://webframe.betcore.example", "https://sports.betsy.example:8443"]
    for url, origin in zip(("/casino", "/sportsbook"), origins, strict=True):
        response = client.get(url)
        policy = csp_directives(response.headers["Content-Security-Policy"])
        assert policy["frame-src"] == ["'self'", *origins]
        frame = soup_of(response).find("iframe")
        assert frame["src"].startswith(origin + "/")  # the page frames the vendor's page
        assert page_problems(response) == []
