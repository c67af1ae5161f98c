"""The accessibility audit and the phone layout of every player page, in Chromium.

Every page of the player blueprint is opened at 1366x900 and at 390x844, logged out and
logged in (and in the states a player passes through: registration step two, new terms to
accept, a time-out's restricted mode). On each one axe-core (axe-playwright-python, which
bundles it) runs, and every violation of impact serious or critical fails the test with
its rule, the elements and the page; at 390 px the page must not scroll sideways
(`scrollWidth <= innerWidth`). Each page's title names the page and then the brand once
("Wallet – Lucky Star"; the home page may be the brand alone), and no id is used twice.

The pages come from the app's url_map: `test_every_player_page_is_audited` fails while a
GET route of the player blueprint is neither in PAGES nor in NOT_PAGES. A new page joins
PAGES with the login state it needs; a route with parameters names them in braces
("/coupons/{coupon}") and `_seed` puts the real value under that name (a row it makes).

Screenshots of every page at both sizes: PORTAL_SCREENSHOTS=/some/dir.
"""

import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import abort

from portal.accounts import documents, operations, tokens
from portal.accounts.models import Brand, Player
from portal.bonuses import operations as bonuses
from portal.coupons import line
from portal.coupons import operations as coupons
from portal.crm import autologin
from portal.extensions import db
from portal.limits import operations as limits
from portal.payments import deposits, withdrawals
from portal.payments.cli import method_row
from portal.payments.providers import Callback
from portal.timeutil import utcnow
from portal.wallet import operations as wallet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

BRAND = "Lucky Star"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
BLOCKING = {"serious", "critical"}
# axe's options: the vendors' game frames are theirs, not audited here.
AXE_OPTIONS = {"resultTypes": ["violations"], "iframes": False}
PASSWORD = "secret123"
# Who is logged in: the visitor is not; the others log in with PASSWORD (the demo player
# of the sandboxed_site fixture with its own).
PLAYERS = {
    "player": "demo",  # ready to play, with money, bets, a bonus, payments
    "newcomer": "newcomer@example.com",  # registration step two still to do
    "unsigned": "unsigned@example.com",  # new terms to accept
    "excluded": "excluded@example.com",  # a time-out: restricted mode
}

# (login state, path): every player page. A path may name seeded values in braces.
PAGES = [
    ("visitor", "/"),
    ("visitor", "/login"),
    ("visitor", "/register"),
    ("visitor", "/forgot-password"),
    ("visitor", "/reset-password?hash={reset}"),
    ("visitor", "/reset-password?hash=0-not-a-link"),  # the page of a link that does not work
    ("visitor", "/documents/tnc"),
    ("visitor", "/documents/privacy"),
    ("visitor", "/documents/tnc?version=1"),
    ("visitor", "/responsible-gambling"),
    ("visitor", "/casino"),
    ("visitor", "/casino/sandbox-missing"),
    ("visitor", "/sportsbook"),
    ("visitor", "/sportsbook/unavailable"),
    ("visitor", "/coupons"),
    ("visitor", "/verify-email?token={link}"),
    ("visitor", "/confirm-email?token={link}"),
    ("visitor", "/cancel-email-change?token={link}"),
    ("visitor", "/auto-login/{auto_login}"),
    ("visitor", "/auto-login/0-not-a-link"),
    ("visitor", "/no-such-page"),  # 404
    ("visitor", "/logout"),  # 405: the page of a refused request
    ("visitor", "/test-error/429"),
    ("visitor", "/test-error/500"),
    ("player", "/"),
    ("player", "/account"),
    ("player", "/account/email"),
    ("player", "/account/password"),
    ("player", "/wallet"),
    ("player", "/wallet/history"),
    ("player", "/cashier"),
    ("player", "/cashier/deposits/{deposit}"),
    ("player", "/bonuses"),
    ("player", "/responsible-gambling"),
    ("player", "/casino"),
    ("player", "/sportsbook"),
    ("player", "/coupons"),
    ("player", "/coupons/mine"),
    ("player", "/coupons/{coupon}"),
    ("player", "/casino/rounds/{round}"),
    ("player", "/sportsbook/bets/{bet}"),
    ("player", "/terms"),  # nothing left to accept
    ("player", "/verify-email-required"),
    ("player", "/no-such-page"),
    ("newcomer", "/register/details"),
    ("unsigned", "/terms"),
    ("excluded", "/responsible-gambling"),
    ("excluded", "/cashier"),
    ("excluded", "/wallet"),
]
# Forms audited once more as their errors show: sent empty (the first submit button of main).
SENT_EMPTY = [
    ("visitor", "/login"),
    ("visitor", "/register"),
    ("visitor", "/forgot-password"),
    ("player", "/account"),
    ("player", "/account/password"),
    ("newcomer", "/register/details"),
]
# GET routes of the player blueprint that answer no HTML page of their own.
NOT_PAGES = {
    "player.favicon": "redirects to the icon",
    "player.robots": "robots.txt",
    "player.responsible_gambling_status": "JSON for the reality check's script",
}


# --- the site ----------------------------------------------------------------------------


@pytest.fixture
def brand_id(make_brand):
    """The site's brand, in two languages (the footer's language switch shows)."""
    return make_brand(BRAND, languages=("en", "de"))


def _error_page(status: int):
    """A refused request's page at a real status (the limiter's 429; a 500 from a failure)."""
    if status == 500:
        raise RuntimeError("a failure, for the error page's audit")
    abort(status)


@pytest.fixture
def site(request, app, brand_id, make_player):
    """(url, seed): the portal with the vendor stand-ins, and the values PAGES name."""
    app.add_url_rule("/test-error/<int:status>", "test_error", _error_page)
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        operations.update_brand(
            brand,
            legal_text="Licensed by the Test Gaming Authority, licence 0001.",
            contact_email="help@example.com",
        )
        db.session.commit()
    # Before any document: the terms this player has signed are none (new terms to accept).
    make_player(email=PLAYERS["unsigned"], password=PASSWORD)
    with app.app_context():
        brand = db.session.get(Brand, brand_id)
        for version in (1, 2):
            for doc_type, title in (("tnc", "Terms and Conditions"), ("privacy", "Privacy")):
                documents.publish(
                    brand,
                    doc_type,
                    language="en",
                    title=title,
                    content=f"Version {version}.\n\n1. Play fair.\n2. " + "Long text. " * 80,
                    version=version,
                )
        db.session.commit()
    make_player(email=PLAYERS["newcomer"], password=PASSWORD, complete=False)
    excluded = make_player(email=PLAYERS["excluded"], password=PASSWORD)
    url, player_id = request.getfixturevalue("sandboxed_site")  # demo@example.com, 100 EUR
    with app.app_context():
        seed = _seed(db.session.get(Player, player_id), db.session.get(Brand, brand_id))
        limits.exclude(db.session.get(Player, excluded), "timeout", "24h")
        db.session.commit()
    return url, seed


def _seed(player: Player, brand: Brand) -> dict:
    """The player's money, bets and bonuses, and the values PAGES name."""
    limits_ = {"min_deposit": "5.00", "max_deposit": "1000.00"}
    method_row(
        brand.id, "sandbox", "EUR", limits_ | {"min_withdrawal": "5.00", "max_withdrawal": "500.00"}
    )
    card = "424242******4242"
    paid = deposits.start(player, "50.00", "EUR", "sandbox")
    db.session.flush()
    deposits.apply_callback(
        "sandbox",
        Callback("TX-1", paid.reference, "success", Decimal("50.00"), "EUR", requisite=card),
    )
    waiting = deposits.start(player, "20.00", "EUR", "sandbox")
    wallet.adjust(
        player, "USD", "25.00", reason="a second currency", operator="test", external_id="usd"
    )
    bonuses.create(
        "Ten to try", "FREE10", amount="10.00", wagering="5", max_conversion="20", days=30
    )
    bonuses.create("Five more", "MORE5", amount="5.00", wagering="5", max_conversion="20", days=30)
    bonuses.assign(player, "FREE10", "EUR")
    withdrawals.ask(player, "10.00", "EUR", "sandbox", card)  # (forfeits FREE10: history)
    bonuses.assign(player, "MORE5", "EUR")
    db.session.commit()
    line.load(line.demo_events(utcnow()))
    db.session.commit()
    event = line.demo_events(utcnow())[0]
    bets = [
        f"{event.event_type}#{event.match_id}|{outcome.bet_code}#{outcome.odds}"
        for outcome in event.outcomes[:1]
    ]
    coupon = coupons.place(player, coupons.Slip(bets, "5.00"), "en")
    round_id, bet_id = _play(player)
    link = autologin.link_token(autologin.issue(player))
    reset = tokens.issue(player, "reset", player.email, lifetime=timedelta(hours=1))
    db.session.commit()
    return {
        "coupon": coupon.id,
        "round": round_id,
        "bet": bet_id,
        "deposit": waiting.reference,
        "auto_login": link,
        "reset": reset,
        "link": "0-a-link-is-checked-when-its-button-is-pressed",
    }


def _play(player: Player) -> tuple[int, int]:
    """A casino round lost in BETCORE's frame and a sports bet lost at Betsy, as their
    doors would record them: (round id, bet id)."""
    from sqlalchemy import select

    from portal.casino import operations as casino
    from portal.casino.models import CasinoBet
    from portal.sportsbook import operations as sportsbook
    from portal.sportsbook.models import SportsBet
    from tests.test_betsy_api import SETTLE, Who
    from tests.test_betsy_api import bet as betsy_bet

    casino.authenticate(casino.issue_token(player, "EUR", 7), 7)
    for kind, amount in ((-1, "1.00"), (1, "0")):
        casino.make_payment(
            {"Amount": amount, "TaxAmount": "0", "BetId": 7001, "PartnerUserId": str(player.id),
             "TransactionType": kind, "PromoCode": None, "TagId": 7}
        )  # fmt: skip
    who = Who(player.id, sportsbook.issue_token(player, "EUR"))
    sportsbook.place_bet(betsy_bet(who, "audit-bet", Decimal("2.00")))
    sportsbook.settle(
        {"type": SETTLE, "transactionId": "audit-bet", "userId": str(player.id),
         "currency": "EUR", "amount": Decimal("0"), "resultType": "lost", "requestId": "audit"}
    )  # fmt: skip
    db.session.commit()
    return db.session.scalar(select(CasinoBet.id)), db.session.scalar(select(SportsBet.id))


# --- the audit ---------------------------------------------------------------------------

PAGE_FACTS = """() => {
  const ids = {};
  document.querySelectorAll("[id]").forEach((e) => { ids[e.id] = (ids[e.id] || 0) + 1; });
  return {
    title: document.title,
    width: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    duplicateIds: Object.keys(ids).filter((id) => ids[id] > 1),
    main: document.querySelectorAll("main#content").length,
    h1: document.querySelectorAll("h1").length,
  };
}"""


def _log_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.locator("#identifier").fill(email)
    page.locator("#password").fill("demo1234" if email == "demo" else PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not log in"


def _slug(state: str, path: str) -> str:
    return state + re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].lower()).rstrip("-")


def _audit(page, size: str, state: str, path: str) -> list[str]:
    """What is wrong with the page now shown, each said with the page it is on."""
    where = f"{size} {state} {path}"
    problems = []
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            for node in violation["nodes"]:
                problems.append(
                    f"{where}: {violation['id']} ({violation['impact']}) at "
                    f"{node['target']}: {node.get('failureSummary', '')[:200]}"
                )
    facts = page.evaluate(PAGE_FACTS)
    if size == "phone" and facts["width"] > facts["viewport"]:
        problems.append(f"{where}: {facts['width']} px wide in a {facts['viewport']} px viewport")
    if facts["duplicateIds"]:
        problems.append(f"{where}: ids used more than once: {facts['duplicateIds']}")
    if facts["main"] != 1 or facts["h1"] != 1:
        problems.append(f"{where}: {facts['main']} main#content, {facts['h1']} h1")
    title = facts["title"]
    named = title.endswith(f" – {BRAND}") or (path == "/" and title == BRAND)
    if not named or title.count(BRAND) != 1:
        problems.append(f"{where}: the title {title!r} is not 'Page – {BRAND}'")
    return problems


def _paths(state: str, seed: dict) -> list[str]:
    return [path.format(**seed) for who, path in PAGES if who == state]


@pytest.mark.parametrize("size", SIZES)  # (one test per size: the two run side by side)
def test_every_player_page_passes_the_audit(chromium, site, size):
    from axe_playwright_python.sync_playwright import Axe

    from tests.harness.browser import BrowserUnavailable
    from tests.harness.requirements import unavailable

    if isinstance(chromium, BrowserUnavailable):
        unavailable(f"Chromium is not available: {chromium.reason}")
    url, seed = site
    axe = Axe()
    shots = os.environ.get("PORTAL_SCREENSHOTS")
    problems = []
    width, height = SIZES[size]
    for state in ("visitor", *PLAYERS):
        context = chromium.new_context(viewport={"width": width, "height": height})
        context.add_init_script(script=axe.axe_script)  # (in every page it opens)
        page = context.new_page()
        if state != "visitor":
            _log_in(page, url, PLAYERS[state])
        for path in _paths(state, seed):
            page.goto(url + path)
            found = page.url.removeprefix(url)
            if found != path:
                problems.append(f"{size} {state} {path}: sent on to {found}")
                continue
            problems += _audit(page, size, state, path)
            if shots:
                page.screenshot(path=f"{shots}/{size}-{_slug(state, path)}.png", full_page=True)
        for who, path in SENT_EMPTY:
            if who == state:
                page.goto(url + path)
                with page.expect_navigation():
                    page.locator("main form button[type=submit]").first.click()
                problems += _audit(page, size, state, f"{path} (sent empty)")
                if shots:
                    name = _slug(state, path) + "-errors"
                    page.screenshot(path=f"{shots}/{size}-{name}.png", full_page=True)
        context.close()
    assert not problems, "\n".join(problems)


def test_every_player_page_is_audited(app):
    """Every GET route of the player blueprint is in PAGES, or in NOT_PAGES with a reason."""
    adapter = app.url_map.bind("portal.test")
    audited = set()
    for _, path in PAGES:
        filled = re.sub(r"\{\w+\}", "1", path.split("?")[0])
        try:
            audited.add(adapter.match(filled, method="GET")[0])
        except Exception:  # noqa: S112 (the error pages' paths match no route, as meant)
            continue
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("player.") and "GET" in rule.methods
    }
    forgotten = routes - audited - set(NOT_PAGES)
    assert not forgotten, f"GET routes neither audited (PAGES) nor NOT_PAGES: {sorted(forgotten)}"
    assert not set(NOT_PAGES) - routes, "NOT_PAGES names routes that are gone"


def test_the_header_menu_folds_on_a_phone_and_opens_by_keyboard(chromium, site):
    """At 390 px the menu hides behind its button (the balance stays in sight); the button
    opens it by keyboard and says so (aria-expanded); Escape closes it and the focus goes
    back to the button. The skip link is the first stop of the keyboard and leads to main.
    Without JavaScript the whole menu shows, wrapped, and the page still fits."""
    from playwright.sync_api import expect

    from tests.harness.browser import BrowserUnavailable
    from tests.harness.requirements import unavailable

    if isinstance(chromium, BrowserUnavailable):
        unavailable(f"Chromium is not available: {chromium.reason}")
    url, _ = site
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _log_in(page, url, PLAYERS["player"])
    page.goto(url + "/wallet")
    menu = page.locator("#site-menu")
    button = page.locator("button[aria-controls=site-menu]")
    cashier = menu.locator("a[href='/cashier']")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(cashier).to_be_hidden()
    expect(page.get_by_test_id("header-balance")).to_be_visible()
    balances = page.get_by_test_id("balances")  # too wide for a phone: rows as blocks
    expect(balances).to_have_class(re.compile(r"\bstacked\b"))
    expect(balances.locator("td[data-testid=real-EUR]")).to_have_attribute(
        "data-label", "Real money"
    )
    expect(balances.get_by_role("row")).to_have_count(3)  # (still a table to a screen reader)
    page.set_viewport_size({"width": 1000, "height": 844})  # a wider screen: a table again
    expect(balances).not_to_have_class(re.compile(r"\bstacked\b"))
    page.set_viewport_size({"width": 390, "height": 844})
    expect(balances).to_have_class(re.compile(r"\bstacked\b"))

    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(page.locator("a.logo")).to_be_focused()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(cashier).to_be_visible()
    if shots := os.environ.get("PORTAL_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/phone-menu-open.png")
    page.keyboard.press("Tab")
    expect(menu.locator("a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(cashier).to_be_hidden()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    context.close()

    desktop = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = desktop.new_page()
    _log_in(page, url, PLAYERS["player"])
    expect(page.locator("button[aria-controls=site-menu]")).to_be_hidden()
    expect(page.locator("#site-menu a[href='/cashier']")).to_be_visible()
    desktop.close()

    scriptless = chromium.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = scriptless.new_page()
    _log_in(page, url, PLAYERS["player"])
    for path in ("/wallet", "/cashier", "/wallet/history", "/coupons/mine"):
        page.goto(url + path)
        expect(page.locator("button[aria-controls=site-menu]")).to_be_hidden()
        expect(page.locator("#site-menu a[href='/cashier']")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} without JavaScript: {width} px wide"
        if shots:
            page.screenshot(path=f"{shots}/phone-no-script{_slug('', path)}.png", full_page=True)
    scriptless.close()
