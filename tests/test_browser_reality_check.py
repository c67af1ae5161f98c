"""The reality check and the session time limit while playing, in a real Chromium: the
player stays on /casino (the BETCORE sandbox's game in its frame, served by the app under
test), and the dialog comes up over the game without a page load when the check is due;
nothing the player types or clicks reaches the game until they continue. A session that
reaches its time limit ends on the page the player is on."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Brand, Player, PlayerSession
from portal.casino.models import CasinoToken
from portal.extensions import db
from portal.limits import operations
from portal.timeutil import utcnow
from tests.attack.web_pages import watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
FRAME = '[data-testid="webframe"]'
IN_DIALOG = "document.getElementById('reality-check').contains(document.activeElement)"


@pytest.fixture
def app(make_app):
    return make_app(REALITY_CHECK_POLL_SECONDS=1)  # the pages ask every second at most


@pytest.fixture
def expect(browser):
    from playwright.sync_api import expect

    return expect


def log_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Hello, demo")


def set_reality_check(app, brand_id, minutes: int) -> None:
    with app.app_context():
        db.session.get(Brand, brand_id).reality_check_minutes = minutes
        db.session.commit()


def make_due(app, played_minutes: int = 31) -> None:
    """The check of the player's session is due now (as if they had played that long)."""
    with app.app_context():
        for session in db.session.scalars(select(PlayerSession)):
            session.created_at = utcnow() - timedelta(minutes=played_minutes)
            session.reality_check_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def seen_by_game(page) -> dict:
    """The keys and pointer presses the sandbox's game page has received."""
    html = page.frame_locator(FRAME).locator("html")
    return {
        "keys": html.get_attribute("data-keys"),
        "pointers": html.get_attribute("data-pointers"),
    }


def test_the_check_comes_up_over_the_game_and_holds_every_input(
    browser, expect, app, sandboxed_site, brand_id, tmp_path
):
    url, _ = sandboxed_site
    set_reality_check(app, brand_id, 30)
    page = browser.new_page()
    seen = watch(page)
    log_in(page, url)
    page.get_by_role("link", name="Casino", exact=True).click()
    game = page.frame_locator(FRAME)
    expect(game.locator("#balance")).to_have_text("100.00")
    dialog = page.get_by_test_id("reality-check")
    expect(dialog).to_be_hidden()

    game.locator("h1").click()  # the player is in the game: it gets their keys
    page.keyboard.press("a")
    assert seen_by_game(page) == {"keys": "1", "pointers": "1"}
    page.evaluate("window.stayedOnThePage = true")

    make_due(app)
    expect(dialog).to_be_visible(timeout=10_000)
    assert page.evaluate("window.stayedOnThePage") is True  # no page load
    expect(dialog).to_contain_text("You have been playing for 31 minutes.")
    expect(dialog).to_contain_text("0.00 EUR")
    assert page.evaluate("document.getElementById('reality-check').matches(':modal')")
    expect(page.locator("main")).to_have_attribute("inert", "")
    expect(page.locator("header")).to_have_attribute("inert", "")
    assert page.evaluate(f"document.querySelector('{FRAME}').closest('[inert]') !== null")
    assert page.evaluate(IN_DIALOG)
    frame = page.frame(url=lambda u: "/webframe" in u)
    assert frame.evaluate("document.hasFocus()") is False

    # keys: Enter and Space at the first focus (the heading: nothing happens), then Tab and
    # Shift+Tab around the dialog's buttons
    for key in ["Enter", " ", "x", *["Tab"] * 7, *["Shift+Tab"] * 5]:
        page.keyboard.press(key)
        assert page.evaluate(IN_DIALOG), key
    focused = page.evaluate("document.activeElement.textContent")
    assert focused in ("Continue playing", "Stop playing (log out)")
    for _ in range(3):
        page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.getElementById('reality-check').open")

    # the pointer: whatever point of the game one aims at, the dialog (or its backdrop,
    # which hit-tests as the dialog) is there
    box = page.locator(FRAME).bounding_box()
    points = [
        (box["x"] + 20, box["y"] + 20),
        (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2),
        (box["x"] + box["width"] - 20, box["y"] + 100),
    ]
    for x, y in points:
        hit = page.evaluate(f"document.elementFromPoint({x}, {y}).closest('dialog')?.id")
        assert hit == "reality-check", (x, y)
        page.mouse.click(x, y)
    assert seen_by_game(page) == {"keys": "1", "pointers": "1"}  # nothing reached the game
    expect(dialog).to_be_visible()
    page.screenshot(path=str(tmp_path / "reality-check-over-game.png"))

    page.keyboard.press("Shift+Tab")  # whichever button had the focus, back to ...
    if page.evaluate("document.activeElement.textContent") != "Continue playing":
        page.keyboard.press("Tab")
    page.get_by_role("button", name="Continue playing").click()
    expect(dialog).to_be_hidden()
    assert page.evaluate("window.stayedOnThePage") is True
    expect(page.locator("main")).not_to_have_attribute("inert", "")
    with app.app_context():
        session = db.session.scalar(select(PlayerSession))
        assert session.reality_check_due_at > utcnow() + timedelta(minutes=29)

    game.locator("h1").click()  # the game is the player's again
    page.keyboard.press("b")
    assert seen_by_game(page) == {"keys": "2", "pointers": "2"}
    game.get_by_role("button", name="Roll").click()
    expect(game.locator("#result")).to_contain_text("You")
    page.screenshot(path=str(tmp_path / "after-continue.png"))
    assert seen == {"dialogs": [], "csp": []}


def test_sportsbook_and_coupon_pages_get_the_check_too(
    browser, expect, app, sandboxed_site, brand_id
):
    url, _ = sandboxed_site
    set_reality_check(app, brand_id, 30)
    page = browser.new_page()
    log_in(page, url)
    dialog = page.get_by_test_id("reality-check")
    for link, frame in [("Sports", '[data-testid="betsy-frame"]'), ("Bet slip", None)]:
        page.get_by_role("link", name=link, exact=True).click()
        page.evaluate("window.stayedOnThePage = true")
        make_due(app)
        expect(dialog).to_be_visible(timeout=10_000)
        assert page.evaluate("window.stayedOnThePage") is True
        expect(page.locator("main")).to_have_attribute("inert", "")
        if frame:
            assert page.evaluate(f"document.querySelector('{frame}').closest('[inert]') !== null")
        page.get_by_role("button", name="Continue playing").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("main")).not_to_have_attribute("inert", "")


def test_the_session_limit_ends_the_session_on_the_page(
    browser, expect, app, sandboxed_site, clock, tmp_path
):
    url, player_id = sandboxed_site
    with app.app_context():
        operations.set_limit(db.session.get(Player, player_id), "session", "session", "", 1)
        db.session.commit()
    page = browser.new_page()
    seen = watch(page)
    log_in(page, url)
    page.get_by_role("link", name="Casino", exact=True).click()
    expect(page.frame_locator(FRAME).locator("#balance")).to_have_text("100.00")
    dialog = page.get_by_test_id("reality-check")
    page.evaluate("window.stayedOnThePage = true")

    clock.travel(timedelta(seconds=61))  # the live server runs in this process: its clock too
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("Your session time limit of 1 minute is reached.")
    expect(dialog.get_by_role("button")).to_have_count(0)  # no "continue" here
    assert page.evaluate("window.stayedOnThePage") is True
    expect(page.locator("main")).to_have_attribute("inert", "")
    with app.app_context():
        assert all(s.revoked_at for s in db.session.scalars(select(PlayerSession)))
        assert all(t.expires_at <= utcnow() for t in db.session.scalars(select(CasinoToken)))
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    page.screenshot(path=str(tmp_path / "session-limit.png"))

    dialog.get_by_role("link", name="OK").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(url + "/wallet")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()  # logged out
    log_in(page, url)  # a new session: a new count
    page.goto(url + "/wallet")
    expect(page.get_by_test_id("who")).to_have_text("demo")
    assert seen == {"dialogs": [], "csp": []}
