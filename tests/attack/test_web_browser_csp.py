"""The Content-Security-Policy in a real Chromium: the demo player opens /casino and
/sportsbook, the vendors' frames load (served from this site's /sandbox/, as `make run`
does, and from another origin, as in production), the page's own nonce'd script sizes the
casino frame, no CSP violation is reported, and both log-out buttons (the header's and the
reality-check dialog's, plain forms with no script) work."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from portal.accounts.models import Brand, Player, PlayerSession
from portal.extensions import db
from portal.sandbox.betcore import create_betcore_sandbox
from portal.sandbox.betsy import create_betsy_sandbox
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.attack.web_pages import watch
from tests.harness.live_server import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
VENDOR_SECRET = "vendor-stand-in-partner-secret-0123456789"


@pytest.fixture
def vendors_elsewhere(app, make_player):
    """The portal on one origin and both vendor stand-ins on another (another port), as in
    production: (portal url, vendors url). The demo player has 100.00 EUR."""
    player_id = make_player(email="demo@example.com", password="demo1234", login_name="demo")
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "100.00", reason="demo", operator="t", external_id="open")
        db.session.commit()
    with LiveServer(app) as portal:
        vendors = DispatcherMiddleware(
            NotFound(),
            {
                "/betcore": create_betcore_sandbox(portal.url, app.config["BETCORE_CLIENT_ID"]),
                "/betsy": create_betsy_sandbox(portal.url, VENDOR_SECRET),
            },
        )
        with LiveServer(vendors) as elsewhere:
            app.config.update(
                PUBLIC_URL=portal.url,
                BETCORE_API_URL=elsewhere.url + "/betcore",
                BETCORE_WEBFRAME_URL=elsewhere.url + "/betcore/webframe",
                BETCORE_CLIENT_SECRET="sandbox",
                BETSY_IFRAME_URL=elsewhere.url + "/betsy/iframe",
                BETSY_PARTNER_SECRET=VENDOR_SECRET,
            )
            yield portal.url, elsewhere.url


@pytest.fixture(params=["same-origin", "cross-origin"])
def site(request) -> str:
    if request.param == "same-origin":
        return request.getfixturevalue("sandboxed_site")[0]
    portal, vendors = request.getfixturevalue("vendors_elsewhere")
    assert portal != vendors
    return portal


def log_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Hello, demo")


def test_vendor_frames_load_and_the_header_logs_out(browser, app, site):
    from playwright.sync_api import expect

    page = browser.new_page()
    seen = watch(page)
    log_in(page, site)
    page.get_by_role("link", name="Casino", exact=True).click()
    expect(page.frame_locator('[data-testid="webframe"]').locator("#balance")).to_have_text(
        "100.00"
    )
    # The page's nonce'd script took the height the frame reported by postMessage.
    expect(page.get_by_test_id("webframe")).to_have_attribute("style", re.compile(r"height: \d"))
    page.get_by_role("link", name="Sports", exact=True).click()
    betsy = page.frame_locator('[data-testid="betsy-frame"]')
    expect(betsy.locator("#balance")).to_have_text("100.00")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(site + "/wallet")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert seen == {"dialogs": [], "csp": []}


def test_the_reality_check_dialog_logs_out_without_script(browser, sandboxed_site, app, brand_id):
    from playwright.sync_api import expect

    url, _ = sandboxed_site
    page = browser.new_page()
    seen = watch(page)
    log_in(page, url)
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = 30
        for session in db.session.scalars(select(PlayerSession)):
            session.reality_check_due_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page.goto(url + "/casino")
    dialog = page.get_by_test_id("reality-check")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    with app.app_context():
        assert all(s.revoked_at for s in db.session.scalars(select(PlayerSession)))
    assert seen == {"dialogs": [], "csp": []}
