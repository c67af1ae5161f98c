"""In Chromium: a page that comes back with errors puts the focus on the first field with
one (static/forms.js), and the limited login page says when to try again."""

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


@pytest.fixture
def expect(browser):
    from playwright.sync_api import expect

    return expect


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_focus_lands_on_the_first_error(browser, site, make_player, expect, tmp_path):
    page = browser.new_page()
    page.goto(site + "/register")
    page.get_by_label("Email").fill("new@example.com")
    page.get_by_label("Password", exact=True).fill("abc")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("The password must have at least 8 characters.")).to_be_visible()
    expect(page.locator("#password")).to_be_focused()  # the email was fine
    assert page.locator("#password").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(tmp_path / "register.png"), full_page=True)

    make_player()
    page.goto(site + "/login")
    page.get_by_label("Email or login name").fill("player@example.com")
    page.get_by_label("Password").fill("wrong-pass1")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong login name, email or password.")
    expect(page.locator("#identifier")).to_be_focused()  # a form error: its first field

    page.get_by_label("Password").fill("secret123")
    page.get_by_role("button", name="Log in").click()
    page.goto(site + "/account/password")
    page.get_by_label("Current password").fill("wrong-pass1")
    page.get_by_label("New password").fill("aaaa")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#old_password")).to_be_focused()
    expect(page.locator("#new_password-errors")).to_contain_text(
        "The password must contain both letters and digits."
    )
    page.screenshot(path=str(tmp_path / "change-password.png"), full_page=True)
    assert focused_id(page) == "old_password"


def test_a_clean_page_keeps_the_focus_where_it_is(browser, site):
    page = browser.new_page()
    page.goto(site + "/login")
    assert focused_id(page) in ("", None)


def test_the_limited_login_says_when_to_try_again(browser, make_app, make_player, expect, tmp_path):
    make_player()
    limited = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per 5 minutes")
    with LiveServer(limited) as server:
        page = browser.new_page()
        for _ in range(3):
            page.goto(server.url + "/login")
            page.get_by_label("Email or login name").fill("player@example.com")
            page.get_by_label("Password").fill("wrong-pass1")
            page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Too many attempts")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("Please try again in 5 minutes.")
        page.screenshot(path=str(tmp_path / "limited.png"), full_page=True)
