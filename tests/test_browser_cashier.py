"""The cashier in a real browser: the demo player deposits with a test card on the sandbox
provider's page, sees the balance, claims a bonus, asks for a withdrawal and sees it
pending (with the sandbox provider mounted as `make run` mounts it)."""

import pytest

from portal.bonuses import operations as bonuses
from portal.extensions import db
from portal.payments.cli import method_row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(sandboxed_site, app, brand_id):
    with app.app_context():
        limits = dict(min_deposit="5.00", max_deposit="5000.00", min_withdrawal="5.00",
                      max_withdrawal="5000.00")  # fmt: skip
        method_row(brand_id, "sandbox", "EUR", limits)
        bonuses.create("Ten to try", "FREE10", amount="10.00", wagering="5",
                       max_conversion="20.00", days=30)  # fmt: skip
        db.session.commit()
    return sandboxed_site


def test_deposit_claim_a_bonus_and_withdraw(browser, site, tmp_path):
    from playwright.sync_api import expect

    url, _ = site
    page = browser.new_page()
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Cashier").click()

    page.get_by_label("Amount").first.fill("50.00")
    page.get_by_role("button", name="Deposit").click()
    expect(page.get_by_role("heading", name="Pay 50.00 EUR")).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.screenshot(path=str(tmp_path / "provider.png"), full_page=True)
    page.get_by_role("button", name="Pay 50.00 EUR").click()
    expect(page.get_by_test_id("deposit-status")).to_have_text("Completed")
    expect(page.get_by_test_id("header-balance")).to_have_text("150.00 EUR")

    page.get_by_role("link", name="Bonuses").click()
    page.get_by_label("Bonus code").fill("free10")
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_test_id("bonus-balance")).to_have_text("10.00")
    expect(page.get_by_test_id("wagering")).to_be_visible()
    page.screenshot(path=str(tmp_path / "bonuses.png"), full_page=True)

    page.get_by_role("link", name="Cashier").click()
    page.get_by_label("Amount").nth(1).fill("20.00")
    page.get_by_role("button", name="Request withdrawal").click()
    expect(page.get_by_text("Your withdrawal is requested")).to_be_visible()
    row = page.get_by_test_id("withdrawals").locator("tbody tr").first
    expect(row).to_contain_text("Waiting for approval")
    expect(row).to_contain_text("424242******4242")
    expect(page.get_by_test_id("header-balance")).to_have_text("130.00 EUR")
    page.screenshot(path=str(tmp_path / "cashier.png"), full_page=True)
