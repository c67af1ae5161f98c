"""A CRM campaign's login link in a real browser: the player opens it, sees whom it logs in
(the first name, never the email) and a button, presses it and is logged in; opening the
link again says it has already been used."""

import os

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def shots(tmp_path):
    """Where the screenshots go (RG_SCREENSHOTS keeps them for a look after the run)."""
    return os.environ.get("RG_SCREENSHOTS") or str(tmp_path)


def test_a_login_link_logs_in_once_through_its_button(browser, sandboxed_site, app, tmp_path):
    from playwright.sync_api import expect

    from portal.accounts.models import Player
    from portal.crm import autologin
    from portal.extensions import db

    url, player_id = sandboxed_site
    with app.app_context():
        player = db.session.get(Player, player_id)
        player.first_name = "Dana"
        link = autologin.url_of(autologin.link_token(autologin.issue(player, "spring")))
        db.session.commit()
    assert link.startswith(url + "/auto-login/")

    page = browser.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("This link logs you in to Test Casino as Dana.")).to_be_visible()
    assert "demo@example.com" not in page.content()
    page.screenshot(path=f"{shots(tmp_path)}/auto-login.png", full_page=True)

    page.get_by_role("button", name="Log in as Dana").click()
    expect(page).to_have_url(url + "/")
    expect(page.get_by_test_id("who")).to_have_text("demo")
    page.get_by_test_id("who").click()
    expect(page.get_by_test_id("account-email")).to_have_text("demo@example.com")

    answer = page.goto(link)
    assert answer.status == 410
    expect(page.get_by_role("heading", name="This login link does not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("This login link has already been used.")
    expect(page.get_by_role("button", name="Log in as Dana")).to_have_count(0)
    expect(page.get_by_role("link", name="Continue to Test Casino")).to_be_visible()
    page.screenshot(path=f"{shots(tmp_path)}/auto-login-used.png", full_page=True)
