"""The casino in a real browser: the player's page embeds the BETCORE sandbox's WebFrame,
whose game calls the portal's /betcore API with RS256 JWTs; the balance moves."""

from decimal import Decimal

import pytest

from portal.accounts.models import Player
from portal.extensions import db
from portal.wallet import queries

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(sandboxed_site):
    return sandboxed_site


def test_the_player_plays_the_sandbox_game_and_the_balance_moves(browser, site, app, tmp_path):
    from playwright.sync_api import expect

    url, player_id = site
    sandbox = _sandbox(app)
    sandbox.force_rolls(6, 1)  # a win, then a loss
    page = browser.new_page()
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Casino", exact=True).click()

    frame = page.frame_locator('[data-testid="webframe"]')
    expect(frame.locator("#balance")).to_have_text("100.00")
    frame.get_by_role("button", name="Roll").click()
    expect(frame.locator("#result")).to_contain_text("You won")
    won = Decimal(frame.locator("#balance").inner_text())
    assert won > Decimal("100.00")
    frame.get_by_role("button", name="Roll").click()
    expect(frame.locator("#result")).to_have_text("You lost")
    lost = Decimal(frame.locator("#balance").inner_text())
    assert lost < won
    page.screenshot(path=str(tmp_path / "casino.png"), full_page=True)

    with app.app_context():
        ledger = queries.balance(db.session.get(Player, player_id), "EUR").real
    assert ledger == lost
    page.reload()
    expect(page.get_by_test_id("header-balance")).to_have_text(f"{lost} EUR")


def test_visitors_see_the_game_in_demo_mode(browser, site):
    from playwright.sync_api import expect

    url, _ = site
    page = browser.new_page()
    page.goto(url + "/casino")
    frame = page.frame_locator('[data-testid="webframe"]')
    expect(frame.get_by_text("Log in to play for real")).to_be_visible()


def _sandbox(app):
    """The BetcoreSandbox mounted by with_sandboxes (found through the dispatcher)."""
    return app.wsgi_app.mounts["/sandbox/betcore"].extensions["betcore_sandbox"]
