"""Responsible gambling in a real browser: the demo player follows the footer link, sets a
deposit limit and sees it, takes a time-out, is logged out, logs in again and reads why and
until when, with play left out of the header and the cashier's deposit form hidden."""

import os

import pytest

from portal.payments.cli import method_row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(sandboxed_site, app, brand_id):
    from portal.extensions import db

    with app.app_context():
        limits = dict(min_deposit="5.00", max_deposit="5000.00", min_withdrawal="5.00",
                      max_withdrawal="5000.00")  # fmt: skip
        method_row(brand_id, "sandbox", "EUR", limits)
        db.session.commit()
    return sandboxed_site


def shots(tmp_path):
    """Where the screenshots go (RG_SCREENSHOTS keeps them for a look after the run)."""
    return os.environ.get("RG_SCREENSHOTS") or str(tmp_path)


def log_in(page, url):
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()


def test_a_deposit_limit_then_a_time_out(browser, site, tmp_path):
    from playwright.sync_api import expect

    url, _ = site
    page = browser.new_page()
    log_in(page, url)
    page.get_by_role("link", name="Cashier").click()
    page.get_by_role("link", name="Set a deposit limit").click()
    expect(page.get_by_role("heading", name="Responsible gambling", exact=True)).to_be_visible()

    form = page.get_by_test_id("limit-deposit")
    form.get_by_label("Period").select_option(label="per 7 days")
    form.get_by_label("Amount").fill("50")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(
        "Deposit limit per 7 days (EUR): 50.00 EUR, from now on."
    )
    row = page.get_by_test_id("limits").locator("tbody tr").first
    expect(row).to_contain_text("Deposit limit per 7 days (EUR)")
    expect(row).to_contain_text("50.00 EUR")
    page.screenshot(path=f"{shots(tmp_path)}/rg-limits.png", full_page=True)

    timeout = page.get_by_test_id("timeout-form")
    timeout.get_by_label("For").select_option(label="7 days")
    timeout.get_by_role("button", name="Start my time-out").click()
    expect(timeout.get_by_role("alert")).to_have_text(
        "Please tick the box to confirm that you understand."
    )
    timeout = page.get_by_test_id("timeout-form")
    timeout.get_by_label("For").select_option(label="7 days")
    timeout.get_by_label("I understand I cannot undo this").check()
    timeout.get_by_role("button", name="Start my time-out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(
        "You are logged out. You are taking a time-out until"
    )
    page.goto(url + "/casino")
    expect(page.locator("header nav").get_by_role("link", name="Log in")).to_be_visible()

    log_in(page, url)
    expect(page).to_have_url(url + "/responsible-gambling")
    expect(page.get_by_role("status")).to_contain_text("You are taking a time-out until")
    expect(page.get_by_role("status")).to_contain_text("You can still withdraw your money.")
    expect(page.get_by_test_id("exclusion")).to_contain_text("7 days")
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name="Casino")).to_have_count(0)
    expect(nav.get_by_role("link", name="Cashier")).to_be_visible()
    page.screenshot(path=f"{shots(tmp_path)}/rg-restricted.png", full_page=True)

    page.get_by_role("link", name="Cashier").click()
    expect(page.get_by_test_id("deposits-closed")).to_be_visible()
    expect(page.get_by_test_id("withdraw-form")).to_be_visible()
    page.screenshot(path=f"{shots(tmp_path)}/rg-cashier.png", full_page=True)


def test_a_self_excluded_player_reaches_no_game(browser, site, app):
    """Whatever game URL a self-excluded player opens, no game frame (and no vendor token)
    is given: each one lands on the responsible-gambling page."""
    from playwright.sync_api import expect
    from sqlalchemy import func, select

    from portal.accounts.models import Player
    from portal.casino.models import CasinoToken
    from portal.extensions import db
    from portal.limits import operations
    from portal.sportsbook.models import BetsyToken

    url, _ = site
    with app.app_context():
        demo = db.session.scalar(select(Player).where(Player.login_name == "demo"))
        operations.exclude(demo, "self-exclusion", "6m", reason="a long break")
        db.session.commit()
        tokens_before = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (CasinoToken, BetsyToken)
        ]
    page = browser.new_page()
    log_in(page, url)
    expect(page.get_by_role("status")).to_contain_text("You are self-excluded until")
    for path in ("/casino", "/sportsbook", "/coupons", "/bonuses", "/casino?game=lucky-dice"):
        page.goto(url + path)
        expect(page).to_have_url(url + "/responsible-gambling")
        expect(page.locator("iframe")).to_have_count(0)
    with app.app_context():
        tokens_after = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (CasinoToken, BetsyToken)
        ]
    assert tokens_after == tokens_before
