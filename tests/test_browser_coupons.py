"""Coupons in a real browser: the demo player picks outcomes on the bet slip, sees the
potential win, places the coupon, and sees it paid once the calculation service's sandbox
console settles it (the result posted to the bet-result blueprint)."""

import os

import pytest

from portal.coupons import line
from portal.extensions import db
from portal.timeutil import utcnow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(sandboxed_site, app):
    with app.app_context():
        line.load(line.demo_events(utcnow()))
        db.session.commit()
    return sandboxed_site


def test_the_player_places_a_coupon_and_sees_it_paid(browser, site, tmp_path):
    from playwright.sync_api import expect

    url, _ = site
    page = browser.new_page()
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Bet slip").click()

    page.get_by_label("Arsenal", exact=True).check()
    page.get_by_label("Sinner").check()
    page.get_by_label("Stake (EUR)").fill("10")
    expect(page.locator("#total-odds")).to_have_text("3.99")  # 2.10 x 1.90, as the player picks
    expect(page.locator("#potential-win")).to_have_text("39.90")
    page.get_by_label("Real Madrid").check()  # exact decimals, as the server rounds them
    expect(page.locator("#total-odds")).to_have_text("5.7855")
    expect(page.locator("#potential-win")).to_have_text("57.86")  # 57.855, half to even
    page.get_by_label("Real Madrid").uncheck()
    page.screenshot(path=str(tmp_path / "slip.png"), full_page=True)
    page.get_by_role("button", name="Place coupon").click()
    expect(page.get_by_test_id("coupon-status")).to_have_text("Open")
    expect(page.get_by_test_id("header-balance")).to_have_text("90.00 EUR")
    coupon_url = page.url

    console = browser.new_page()
    console.goto(url + "/sandbox/betcalc/console")
    console.get_by_role("button", name="Won").first.click()
    expect(console.locator(".answers").first).to_contain_text('"applied":1')

    page.goto(coupon_url)
    expect(page.get_by_test_id("coupon-status")).to_have_text("Won")
    expect(page.get_by_test_id("coupon-paid")).to_have_text("39.90 EUR")
    expect(page.get_by_test_id("header-balance")).to_have_text("129.90 EUR")
    page.screenshot(path=str(tmp_path / "coupon.png"), full_page=True)
    if os.environ.get("PORTAL_SCREENSHOTS"):
        page.screenshot(path=os.environ["PORTAL_SCREENSHOTS"] + "/coupon.png", full_page=True)
