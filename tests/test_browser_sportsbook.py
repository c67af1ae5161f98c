"""The sportsbook in a real browser: the player bets in the Betsy sandbox's iframe, the
sandbox's operator console settles it through the signed API, the wallet shows the win."""

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


def test_the_player_bets_and_sees_the_bet_settled(browser, site, app, tmp_path):
    from playwright.sync_api import expect

    url, player_id = site
    page = browser.new_page()
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Sports", exact=True).click()

    frame = page.frame_locator('[data-testid="betsy-frame"]')
    expect(frame.locator("#balance")).to_have_text("100.00")
    frame.get_by_role("button", name="Place bet").click()
    expect(frame.locator("#result")).to_contain_text("Bet placed")
    expect(frame.locator("#balance")).to_have_text("95.00")

    console = browser.new_page()
    console.goto(url + "/sandbox/betsy/console")
    console.get_by_role("button", name="Settle won").first.click()
    expect(console.get_by_text("Settle won")).not_to_have_count(0)
    page.screenshot(path=str(tmp_path / "sportsbook.png"), full_page=True)

    with app.app_context():
        real = queries.balance(db.session.get(Player, player_id), "EUR").real
    assert real > Decimal("100.00")  # the stake came back with the winnings
    page.goto(url + "/wallet/history")
    expect(page.get_by_role("cell", name="Win", exact=True)).to_be_visible()
    expect(page.get_by_test_id("header-balance")).to_have_text(f"{real} EUR")
