"""The back office in a real browser: a new admin enrols TOTP (key read from the page, the
code computed as an authenticator app does), finds the demo player, adjusts the balance
with a reason and approves the player's pending withdrawal; the player sees both."""

import pyotp
import pytest

from portal.admin import users
from portal.bonuses import operations as bonuses  # noqa: F401 (the cashier's bonus hooks)
from portal.extensions import db
from portal.payments.cli import method_row
from tests.admin_helpers import PASSWORD, audit_entries

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
        users.create("boss@example.com", PASSWORD, "admin")  # enrols at the first login
        db.session.commit()
    return sandboxed_site


def _player_withdraws(page, url):
    from playwright.sync_api import expect

    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Cashier", exact=True).click()
    page.get_by_label("Amount").first.fill("50.00")
    page.get_by_role("button", name="Deposit").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay 50.00 EUR").click()
    expect(page.get_by_test_id("deposit-status")).to_have_text("Completed")
    page.get_by_role("link", name="Cashier", exact=True).click()
    page.get_by_label("Amount").nth(1).fill("20.00")
    page.get_by_role("button", name="Request withdrawal").click()
    row = page.get_by_test_id("withdrawals").locator("tbody tr").first
    expect(row).to_contain_text("Waiting for approval")
    expect(page.get_by_test_id("header-balance")).to_have_text("130.00 EUR")


def test_an_admin_enrols_adjusts_a_balance_and_approves_a_withdrawal(browser, site, app, tmp_path):
    from playwright.sync_api import expect

    url, player_id = site
    player = browser.new_page()
    _player_withdraws(player, url)

    admin_context = browser.browser.new_context()
    admin = admin_context.new_page()
    admin.goto(url + "/admin/")
    expect(admin.get_by_role("heading", name="Back office login")).to_be_visible()
    admin.get_by_label("Email").fill("boss@example.com")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Continue").click()
    expect(admin.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    expect(admin.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    admin.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)
    secret = admin.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    admin.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    admin.get_by_role("button", name="Turn on").click()
    expect(admin.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    admin.get_by_role("link", name="Continue").click()

    admin.get_by_role("navigation", name="Sections").get_by_role("link", name="Players").click()
    admin.get_by_label("Id, email, login, name or phone").fill("demo")
    admin.get_by_role("button", name="Search").click()
    admin.get_by_role("link", name="demo@example.com").click()
    form = admin.get_by_test_id("adjust-form")
    form.get_by_label("Amount").fill("25.00")
    form.get_by_label("Currency").select_option("EUR")
    form.get_by_label("Reason").fill("Goodwill for a slow payout")
    form.get_by_role("button", name="Adjust").click()
    expect(admin.locator(".flash.success")).to_be_visible()
    admin.screenshot(path=str(tmp_path / "player.png"), full_page=True)

    admin.get_by_role("navigation", name="Sections").get_by_role("link", name="Money").click()
    admin.goto(url + "/admin/money/withdrawals")
    row = admin.get_by_test_id("withdrawals-table").locator("tbody tr", has_text="20.00 EUR")
    row.get_by_label("Reason to approve").fill("Checked the card")
    row.get_by_role("button", name="Approve").click()
    expect(admin.locator(".flash")).to_be_visible()
    admin.screenshot(path=str(tmp_path / "withdrawals.png"), full_page=True)

    player.reload()
    expect(player.get_by_test_id("header-balance")).to_have_text("155.00 EUR")
    row = player.get_by_test_id("withdrawals").locator("tbody tr").first
    expect(row).to_contain_text("Completed")
    player.screenshot(path=str(tmp_path / "player-cashier.png"), full_page=True)

    actions = [entry["action"] for entry in audit_entries(app)]
    assert "admin.login" in actions
    assert "player.adjust_balance" in actions and "withdrawal.approve" in actions
    admin_context.close()
