"""A player in a real browser: Chromium driven by Playwright against a live server."""

import pytest

from tests.harness.live_server import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def site(app, brand_id):
    with LiveServer(app) as server:
        yield server.url


def test_player_registers_logs_out_and_logs_in(browser, site, tmp_path):
    page = browser.new_page()
    page.goto(site)
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Email").fill("browser@example.com")
    page.get_by_label("Login name (optional)").fill("surfer")
    page.get_by_label("Password").fill("wave2024")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("I am over 18 years old").check()
    page.get_by_label("I accept the terms and conditions").check()
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("text=Complete your registration")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Surfer")
    page.get_by_label("Date of birth (YYYY-MM-DD)").fill("1990-04-01")
    page.get_by_label("Country").select_option("PT")
    page.get_by_role("button", name="Complete registration").click()
    page.wait_for_selector("text=Hello, surfer")
    assert page.get_by_test_id("email").inner_text() == "browser@example.com"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("text=You are logged out.")

    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Email or login name").fill("browser@example.com")
    page.get_by_label("Password").fill("wrong-pass1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Wrong login name, email or password.")
    page.get_by_label("Password").fill("wave2024")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Hello, surfer")
    page.screenshot(path=str(tmp_path / "home.png"))


def test_registration_errors_are_shown_next_to_the_fields(browser, site):
    page = browser.new_page()
    page.goto(site + "/register")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("text=The email syntax is wrong.")
    assert page.locator(".has-error").count() >= 2
    assert page.get_by_text("The password must have at least 8 characters.").is_visible()
    assert page.get_by_text("You must confirm that you are over 18.").is_visible()
