"""A player's account journeys in a real browser: Chromium driven by Playwright.

Registration step two, email activation, forgotten and changed passwords, email changes,
personal details, new terms, temporary passwords and the reality check. Mails are read from
the outbox table; their links point at PUBLIC_URL (http://portal.test), so a test opens the
link's path on the live server instead.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import documents, operations
from portal.accounts.models import Brand, OutboundMail, PlayerSession
from portal.extensions import db
from portal.timeutil import utcnow
from tests.harness.live_server import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

PUBLIC_URL = "http://portal.test"
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/[^\s]+)")


@pytest.fixture
def expect(browser):
    """Playwright's ``expect`` (imported here: the browser fixture has checked Playwright)."""
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def site(app, brand_id):
    with LiveServer(app) as server:
        yield server.url


@pytest.fixture
def strict(make_app, make_brand):
    """(app, url, brand id) of a site where only players with a confirmed address play."""
    strict_id = make_brand(name="Strict", require_verified_email=True)
    strict_app = make_app(SITE_BRAND_ID=strict_id)
    with LiveServer(strict_app) as server:
        yield strict_app, server.url, strict_id


# --- helpers ----------------------------------------------------------------------------


def mail_link(app, recipient: str, path: str) -> str:
    """The path (with query) of the link to `path` in the newest mail to `recipient`."""
    with app.app_context():
        mails = db.session.scalars(
            select(OutboundMail)
            .where(OutboundMail.recipient == recipient)
            .order_by(OutboundMail.id.desc())
        ).all()
    for message in mails:
        for link in LINK.findall(message.body):
            if link.split("?")[0] == path:
                return link
    raise AssertionError(f"no mail to {recipient} links to {path}")


def log_in(page, site: str, identifier: str, password: str) -> None:
    page.goto(site + "/login")
    page.get_by_label("Email or login name").fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def confirm_link(page, site: str, link: str, button: str) -> None:
    """Open a mail link and press its confirm button (the change happens on that POST)."""
    page.goto(site + link)
    page.get_by_role("button", name=button).click()


# --- journeys ---------------------------------------------------------------------------


def test_registration_step_two_shows_errors_then_completes(browser, expect, site, tmp_path):
    page = browser.new_page()
    page.goto(site)
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Email").fill("young@example.com")
    page.get_by_label("Login name (optional)").fill("rookie")
    page.get_by_label("Password").fill("goal2024x")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("I am over 18 years old").check()
    page.get_by_label("I accept the terms and conditions").check()
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Complete your registration")).to_be_visible()
    expect(page.get_by_text("Welcome! One more step: tell us who you are.")).to_be_visible()
    page.goto(site + "/")  # the unfinished player cannot skip step two
    expect(page).to_have_url(site + "/register/details")

    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Young")
    page.get_by_label("Date of birth (YYYY-MM-DD)").fill("2015-01-01")
    page.get_by_role("button", name="Complete registration").click()
    expect(page.get_by_text("You must be at least 18 years old to play.")).to_be_visible()
    expect(page.get_by_text("Please choose your country.")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Robin")  # kept after the error
    page.get_by_label("Date of birth (YYYY-MM-DD)").fill("1990-01-01")
    page.get_by_label("Country").select_option("IE")
    page.get_by_role("button", name="Complete registration").click()
    expect(page.get_by_role("heading", name="Hello, rookie")).to_be_visible()
    expect(page.get_by_text("Thank you, your registration is complete.")).to_be_visible()
    expect(page.get_by_test_id("email")).to_have_text("young@example.com")
    page.screenshot(path=str(tmp_path / "registered.png"), full_page=True)


def test_unconfirmed_player_of_a_strict_brand_activates_by_mail(browser, expect, strict, tmp_path):
    app, url, strict_id = strict
    with app.app_context():
        operations.register_player(
            operations.get_brand(strict_id),
            email="fresh@example.com",
            password="secret123",
            login_name="fresh",
            over18=True,
            complete=True,
        )
        db.session.commit()
    welcome_link = mail_link(app, "fresh@example.com", "/verify-email")

    page = browser.new_page()
    log_in(page, url, "fresh", "secret123")
    expect(page).to_have_url(url + "/verify-email-required")
    expect(page.get_by_role("heading", name="Please confirm your email address")).to_be_visible()
    expect(page.get_by_text("fresh@example.com")).to_be_visible()
    page.goto(url + "/account")  # nothing else is open yet
    expect(page).to_have_url(url + "/verify-email-required?next=/account")

    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text("We sent you a new confirmation link.")).to_be_visible()
    newest = mail_link(app, "fresh@example.com", "/verify-email")
    assert newest != welcome_link

    # The welcome mail's link was retired by the new one.
    confirm_link(page, url, welcome_link, "Confirm my email address")
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()

    confirm_link(page, url, newest, "Confirm my email address")
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    page.get_by_role("link", name="Continue").click()  # on to where the player was going
    expect(page).to_have_url(url + "/account")
    page.screenshot(path=str(tmp_path / "activated.png"), full_page=True)


def test_forgotten_password_is_reset_through_the_mailed_link(
    browser, expect, app, site, make_player, tmp_path
):
    make_player(email="forgetful@example.com", password="oldpass12", login_name="forgetful")
    page = browser.new_page()
    page.goto(site + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_role("button", name="Send link").click()
    expect(
        page.get_by_text("If an account uses this address, we have sent it a link")
    ).to_be_visible()

    link = mail_link(app, "forgetful@example.com", "/reset-password")
    page.goto(site + link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill("abc")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("The password must have at least 8 characters.")).to_be_visible()
    expect(page.get_by_text("The password must contain both letters and digits.")).to_be_visible()
    page.get_by_label("New password").fill("newpass34")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_text("Your password was changed. You are logged in.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, forgetful")).to_be_visible()
    page.screenshot(path=str(tmp_path / "reset.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    log_in(page, site, "forgetful@example.com", "oldpass12")
    expect(page.get_by_text("Wrong login name, email or password.")).to_be_visible()
    log_in(page, site, "forgetful@example.com", "newpass34")
    expect(page.get_by_role("heading", name="Hello, forgetful")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.goto(site + link)  # a used link says so as soon as it is opened
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(page.get_by_text("This link is not valid any more.")).to_be_visible()
    expect(page.get_by_label("New password")).to_have_count(0)


def test_password_change_logs_out_the_other_sessions(browser, expect, site, make_player, tmp_path):
    make_player(email="careful@example.com", password="secret123", login_name="careful")
    other = browser.browser.new_context().new_page()
    log_in(other, site, "careful", "secret123")
    expect(other.get_by_role("heading", name="Hello, careful")).to_be_visible()

    page = browser.browser.new_context().new_page()
    log_in(page, site, "careful", "secret123")
    page.get_by_test_id("who").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Current password").fill("notmypass9")
    page.get_by_label("New password").fill("better456")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is not correct.")).to_be_visible()

    page.get_by_label("Current password").fill("secret123")
    page.get_by_label("New password").fill("better456")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.screenshot(path=str(tmp_path / "password-changed.png"), full_page=True)

    other.reload()
    expect(other.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(other.get_by_text("Hello, careful")).to_have_count(0)
    page.reload()  # the session that changed the password stays
    expect(page.get_by_test_id("who")).to_have_text("careful")


def _request_email_change(page, expect, new_email: str) -> None:
    page.get_by_test_id("who").click()
    page.get_by_role("link", name="Change email").click()
    expect(page.get_by_role("heading", name="Change your email address")).to_be_visible()
    page.get_by_label("New email address").fill(new_email)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_text("We sent a confirmation link to your new address.")).to_be_visible()
    expect(page.get_by_test_id("account-email")).to_have_text("old@example.com")
    expect(page.get_by_test_id("pending-email")).to_have_text(new_email)
    expect(page.get_by_text("Waiting for confirmation:")).to_be_visible()


def test_email_change_confirmed_from_the_new_address(
    browser, expect, app, site, make_player, tmp_path
):
    make_player(email="old@example.com", password="secret123", login_name="mover")
    page = browser.new_page()
    log_in(page, site, "mover", "secret123")
    _request_email_change(page, expect, "new@example.com")

    confirm_link(
        page,
        site,
        mail_link(app, "new@example.com", "/confirm-email"),
        "Confirm my new email address",
    )
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()

    page.get_by_test_id("who").click()
    expect(page.get_by_test_id("account-email")).to_have_text("new@example.com")
    expect(page.get_by_test_id("pending-email")).to_have_count(0)
    expect(page.get_by_text("Waiting for confirmation:")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "email-changed.png"), full_page=True)


def test_email_change_cancelled_from_the_old_address(
    browser, expect, app, site, make_player, tmp_path
):
    make_player(email="old@example.com", password="secret123", login_name="mover")
    page = browser.new_page()
    log_in(page, site, "mover", "secret123")
    _request_email_change(page, expect, "new@example.com")
    confirm = mail_link(app, "new@example.com", "/confirm-email")

    confirm_link(
        page,
        site,
        mail_link(app, "old@example.com", "/cancel-email-change"),
        "Cancel the email change",
    )
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    expect(page.get_by_text("The change is cancelled.")).to_be_visible()

    # Cancelling ends every session (whoever asked for the change may hold one).
    page.goto(site + "/account")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(page, site, "mover", "secret123")
    page.get_by_test_id("who").click()
    expect(page.get_by_test_id("account-email")).to_have_text("old@example.com")
    expect(page.get_by_test_id("pending-email")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "email-change-cancelled.png"), full_page=True)

    # The new address's link was retired with the change.
    confirm_link(page, site, confirm, "Confirm my new email address")
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    page.goto(site + "/account")
    expect(page.get_by_test_id("account-email")).to_have_text("old@example.com")


def test_personal_details_are_saved_on_the_account_page(
    browser, expect, site, make_player, tmp_path
):
    make_player(email="local@example.com", login_name="local")
    page = browser.new_page()
    log_in(page, site, "local", "secret123")
    page.get_by_test_id("who").click()
    expect(page.get_by_label("No marketing email")).not_to_be_checked()
    page.get_by_label("City").fill("Porto")
    page.get_by_label("No marketing email").check()
    page.get_by_label("No text messages").check()
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()

    page.reload()
    expect(page.get_by_text("Your details are saved.")).to_have_count(0)  # a fresh page load
    expect(page.get_by_label("City")).to_have_value("Porto")
    expect(page.get_by_label("No marketing email")).to_be_checked()
    expect(page.get_by_label("No text messages")).to_be_checked()
    expect(page.get_by_label("No phone calls")).not_to_be_checked()
    expect(page.get_by_label("No chat messages")).not_to_be_checked()

    page.get_by_label("No text messages").uncheck()
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("No text messages")).not_to_be_checked()
    expect(page.get_by_label("No marketing email")).to_be_checked()
    expect(page.get_by_label("City")).to_have_value("Porto")
    page.screenshot(path=str(tmp_path / "details.png"), full_page=True)


def test_emptied_details_are_removed_on_the_account_page(
    browser, expect, site, make_player, tmp_path
):
    make_player(email="private@example.com", login_name="private")
    page = browser.new_page()
    log_in(page, site, "private", "secret123")
    page.get_by_test_id("who").click()
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Phone", exact=True).fill("351-912345678")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(page.get_by_label("Phone", exact=True)).to_have_value("351-912345678")

    page.get_by_label("City").fill("")
    page.get_by_label("Phone", exact=True).fill("")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "details-emptied.png"), full_page=True)
    page.reload()
    expect(page.get_by_label("Phone", exact=True)).to_have_value("")
    expect(page.get_by_label("City")).to_have_value("")


def test_header_names_the_brand_on_every_page(browser, expect, site, make_player, tmp_path):
    make_player(email="visitor@example.com", login_name="visitor")
    page = browser.new_page()
    log_in(page, site, "visitor", "secret123")
    logo = page.locator("header a.logo")
    expect(logo).to_have_text("Test Casino")
    for path in ("/account", "/account/email", "/account/password", "/terms"):
        page.goto(site + path)
        expect(logo).to_have_text("Test Casino")
    page.screenshot(path=str(tmp_path / "header.png"), full_page=True)


def test_new_terms_must_be_accepted_before_going_on(
    browser, expect, app, site, brand_id, make_player, tmp_path
):
    make_player(email="reader@example.com", login_name="reader")
    page = browser.new_page()
    log_in(page, site, "reader", "secret123")
    expect(page.get_by_role("heading", name="Hello, reader")).to_be_visible()

    with app.app_context():
        documents.publish(
            db.session.get(Brand, brand_id),
            "tnc",
            language="en",
            title="Terms of Play 2025",
            content="Be kind to the dealer.\nPlay responsibly.",
        )
        db.session.commit()

    page.reload()
    expect(page).to_have_url(site + "/terms")
    expect(page.get_by_role("heading", name="Please accept our current documents")).to_be_visible()
    expect(page.get_by_test_id("document-tnc")).to_contain_text("Terms of Play 2025")
    expect(page.get_by_text("Be kind to the dealer.")).to_be_visible()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_text("Please tick the box to accept.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "terms.png"), full_page=True)

    page.get_by_label("I have read and accept these documents").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_text("Thank you for accepting.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, reader")).to_be_visible()
    page.get_by_test_id("who").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_temporary_password_must_be_replaced_at_login(
    browser, expect, app, site, make_player, tmp_path
):
    player_id = make_player(email="helped@example.com", login_name="helped")
    result = app.test_cli_runner().invoke(
        args=["players", "temporary-password", str(player_id), "--password", "temp9876"]
    )
    assert result.exit_code == 0, result.output

    page = browser.new_page()
    log_in(page, site, "helped", "temp9876")
    expect(page).to_have_url(site + "/account/password")
    expect(page.get_by_text("Please choose a new password first.")).to_be_visible()
    page.locator("header a.logo").click()
    expect(page).to_have_url(site + "/account/password")  # home stays closed

    page.get_by_label("Current password").fill("temp9876")
    page.get_by_label("New password").fill("mine2468")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    page.locator("header a.logo").click()
    expect(page.get_by_role("heading", name="Hello, helped")).to_be_visible()
    page.screenshot(path=str(tmp_path / "temporary-replaced.png"), full_page=True)


def test_reality_check_is_acknowledged_once(
    browser, expect, app, site, brand_id, make_player, tmp_path
):
    make_player(email="steady@example.com", login_name="steady")
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = 30
        db.session.commit()
    page = browser.new_page()
    log_in(page, site, "steady", "secret123")
    expect(page.get_by_role("heading", name="Hello, steady")).to_be_visible()
    dialog = page.get_by_test_id("reality-check")
    expect(dialog).to_be_hidden()  # not due yet

    with app.app_context():
        session = db.session.scalar(select(PlayerSession))
        now = utcnow()
        session.created_at = now - timedelta(minutes=31)
        session.reality_check_due_at = now - timedelta(minutes=1)
        db.session.commit()

    page.reload()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Reality check")
    expect(dialog).to_contain_text("You have been playing for 31 minutes.")
    page.goto(site + "/account")  # on every page, not only home
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(dialog).to_be_visible()
    page.screenshot(path=str(tmp_path / "reality-check.png"), full_page=True)

    page.get_by_role("button", name="Continue playing").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(dialog).to_be_hidden()
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Hello, steady")).to_be_visible()
    expect(dialog).to_be_hidden()
