"""XSS: payloads in every field a player controls (login form, registration, personal
details, email change, custom fields, query parameters), a vendor controls (Betsy's
transaction id and bet metadata, BETCORE's bet data) or an operator types (an adjustment's
reason), then every page of tests/attack/web_pages.py is rendered: a payload never becomes
markup (no script without the nonce, no on* attribute, no javascript: URL, no injected
element) and `{{7*7}}` never renders as 49. Fields the doors refuse are also written
straight into the database, so the pages' escaping is tested whatever the validation.

Pages that join web_pages (admin, cashier) are rendered here with the same payloads; a
field they add that a player or vendor controls joins `fill_player_fields`/`vendor_bets`.
The Chromium test fills the profile with payloads in a real browser and fails on any dialog
or CSP violation."""

import json
import uuid
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import simplejson
from sqlalchemy import select

from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.coupons import line
from portal.coupons.models import Coupon, CouponSelection
from portal.crm import autologin
from portal.extensions import db
from portal.payments.models import Deposit, Withdrawal
from portal.sportsbook import betsy as jws
from portal.sportsbook import operations as sportsbook
from portal.traffic import recorder
from portal.traffic.models import VendorCall
from portal.wallet import operations as wallet
from tests.admin_helpers import log_in as admin_log_in
from tests.attack.web_pages import (
    admin_start_urls,
    crawl,
    log_in,
    page_problems,
    soup_of,
    start_urls,
    watch,
)
from tests.conftest import submit_form
from tests.gateway_flows import CUSTOM_FIELDS, login
from tests.harness.scale import scaled
from tests.harness.vendors import Betcore

SECRET = "betsy-partner-secret-for-the-xss-tests-0123456789abcdef"
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
]
TEMPLATE = "ssti{{7*7}}"  # rendered by a template engine it would read "ssti49"
SHORT_PAYLOAD = "<svg/onload=alert(1)"  # 20 characters: fits the postal code
REFLECTED = ("next", "game", "hash", "token", "currency", "kind", "from", "to", "page")
DETAILS = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1990-04-01", "country": "GB"}
TEXT_DETAILS = ("city", "address")  # free text: the forms take any payload
SHAPED_DETAILS = {"first_name": 100, "last_name": 100, "zip_code": 20}  # refused, then forced


class Payloads:
    """The payload each field gets: the i-th field named takes MARKUP[(i + shift) % 4]
    followed by TEMPLATE, so every field carries markup and a template expression, and over
    the four shifts of the long run every field has carried every payload. `limit` is the
    field's maximum length (shorter payloads where the full one does not fit)."""

    def __init__(self, shift: int):
        self.shift, self.fields = shift, {}

    def __call__(self, field: str, limit: int = 1000) -> str:
        index = self.fields.setdefault(field, len(self.fields))
        markup = MARKUP[(index + self.shift) % len(MARKUP)]
        for candidate in (f"{markup} {TEMPLATE}", markup, SHORT_PAYLOAD, TEMPLATE):
            if len(candidate) <= limit:
                return candidate
        raise AssertionError(f"no payload fits {field} ({limit} characters)")


def injected(response) -> list[str]:
    """Markup a payload made: page_problems (scripts without the nonce, on* attributes,
    javascript: URLs) plus elements no page of ours has and the template evaluated."""
    if response.mimetype != "text/html":
        return []
    soup = soup_of(response)
    problems = [p for p in page_problems(response) if "no-store" not in p]
    ours = [tag for tag in soup.find_all("svg") if "chart" in (tag.get("class") or [])]
    found = [tag for tag in soup.find_all(["svg", "img"]) if tag not in ours]  # admin charts
    problems += [f"an injected <{tag.name}>" for tag in found]
    problems += [f"alert in <script>: {s}" for s in soup.find_all("script") if "alert" in str(s)]
    if "ssti49" in response.get_data(as_text=True):
        problems.append("{{7*7}} rendered as 49")
    return problems


def shows(response, payload: str) -> bool:
    """The payload is on the page as text or as an attribute value (escaped, inert)."""
    soup = soup_of(response)
    values = [v for tag in soup.find_all(True) for v in tag.attrs.values() if isinstance(v, str)]
    return payload in soup.get_text() or payload in values


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


@pytest.fixture
def app(make_app, betcore):
    return make_app(
        BETSY_PARTNER_SECRET=SECRET, BETCORE_API_URL=betcore.server.url, BETCORE_JWKS_COOLDOWN=0
    )


def fill_player_fields(client, payload: Payloads) -> dict:
    """Payloads through the player's own forms: {page: response} of every form answer."""
    details = {**DETAILS, **{f: payload(f, 100) for f in TEXT_DETAILS}}
    answers = {"/account saved": submit_form(client, "/account", details)}
    assert answers["/account saved"].status_code == 302  # every free text field holds one
    refusals = {"birthdate": payload("birthdate"), "phone": payload("phone")}
    refusals |= {f: payload(f, limit) for f, limit in SHAPED_DETAILS.items()}
    for field, value in refusals.items():  # refused, and shown again in the form
        refused = submit_form(client, "/account", {**details, field: value})
        assert refused.status_code == 422, field
        answers[f"/account {field}"] = refused
    answers["/account/email"] = submit_form(client, "/account/email", {"email": payload("email")})
    answers["/account/password"] = submit_form(
        client,
        "/account/password",
        {"old_password": payload("old_password"), "new_password": payload("new_password")},
    )
    limit = {"action": "limit", "kind": "deposit", "period": "day", "currency": "EUR"}
    refused = submit_form(client, "/responsible-gambling", limit | {"value": payload("limit")})
    assert refused.status_code == 422  # (shown again in its form)
    answers["/responsible-gambling"] = refused
    return answers


def fill_visitor_forms(app, payload: Payloads) -> dict:
    client = app.test_client()
    registration = {
        "email": payload("register email"),
        "login_name": payload("login_name"),
        "password": payload("password"),
        "currency": payload("currency"),
    }
    identifier = {"identifier": payload("identifier"), "password": "x"}
    return {
        "/login": submit_form(client, "/login", identifier),
        "/register": submit_form(client, "/register", registration),
        "/forgot-password": submit_form(client, "/forgot-password", {"email": payload("forgot")}),
    }


def custom_fields(app, brand_id, payload: Payloads) -> None:
    token = login(app.test_client(), brand_id, "secret123", email="victim@example.com")
    custom = [{"id": "xss", "name": payload("custom name", 100), "value": payload("custom")}]
    stored = app.test_client().put(
        CUSTOM_FIELDS.format(brand_id),
        json={"strCustomFields": custom},
        headers={"x-auth-token": token.json["auth_token"]},
    )
    assert stored.status_code == 200, stored.json


def sign_and_send(client, method: str, path: str, body: dict):
    raw = simplejson.dumps(body, use_decimal=True).encode()
    headers = {"content-type": "application/json", jws.HEADER: jws.sign(raw, SECRET)}
    return client.open(f"/betsy{path}", method=method, data=raw, headers=headers)


def vendor_bets(app, betcore, player_id: int, payload: Payloads) -> str:
    """Betsy places and settles a bet whose transaction id and metadata are payloads;
    BETCORE sends payloads as bet data; an operator adjusts with one as the reason.
    Returns Betsy's transaction id (the bet's page shows it)."""
    client = app.test_client()
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "10.00", reason="funds", operator="ops", external_id="funds")
        token = sportsbook.issue_token(player, "EUR")
        db.session.commit()
    names = ("discipline", "tournament", "event", "market", "outcome", "stage")
    selection = {name: payload(name) for name in names} | {
        "tournamentId": "xss-t",
        "eventId": "xss-e",
        "eventDate": "2030-05-01T19:00:00Z",
        "coefficient": Decimal("2.50"),
    }
    tx = payload("transactionId", 64)
    bet = {
        "token": token,
        "transactionId": tx,
        "currency": "EUR",
        "amount": Decimal("1.00"),
        "userId": str(player_id),
        "coefficient": Decimal("2.50"),
        "ticketType": payload("ticketType", 20),
        "requestId": str(uuid.uuid4()),
        "metadata": [selection],
    }
    placed = sign_and_send(client, "POST", "/payment/bet", bet)
    assert placed.status_code == 200, placed.get_data(as_text=True)
    settle = {"type": 2, "transactionId": tx, "userId": str(player_id), "currency": "EUR"}
    settle |= {"amount": Decimal("2.50"), "resultType": "won", "requestId": str(uuid.uuid4())}
    assert sign_and_send(client, "PUT", "/payment/bet", settle).status_code == 200

    for field in ("BetId", "PromoCode", "TagId"):
        data = {"Amount": "1.00", "TaxAmount": "0", "BetId": 7001, "TagId": 1}
        data |= {"PartnerUserId": str(player_id), "TransactionType": -1}
        answer = betcore.call(client, "/payments/make", data | {field: payload(field)})
        assert answer["ErrorCode"] != 100500, answer  # refused or taken, never a crash
    with app.app_context():
        player = db.session.get(Player, player_id)
        reason = payload("reason")
        wallet.adjust(player, "EUR", "1.00", reason=reason, operator="ops", external_id="xss")
        db.session.commit()
    return tx


def vendor_coupons(app, player_id: int, payload: Payloads) -> int:
    """The line (an operator's file) and the calculation service's texts carry payloads:
    sport, tournament, event, market and outcome names; the service's betCode and refusal
    message. Returns the coupon's id (its page shows them)."""
    outcome = {"name": payload("line outcome", 200), "bet_code": "1|1|0", "odds": "2.00"}
    event = {
        "event_type": "line",
        "match_id": "777",
        "sport": payload("line sport", 100),
        "tournament": payload("line tournament", 200),
        "title": payload("line title", 300),
        "start": "2030-05-01 19:00:00",
        "markets": [{"name": payload("line market", 200), "outcomes": [outcome]}],
    }
    with app.app_context():
        line.load(line.parse(json.dumps([event])))
        coupon = Coupon(
            player_id=player_id,
            barcode=payload("betCode", 100),
            currency="EUR",
            stake=100,
            odds="2",
            rate_mode="reject",
            lang="en",
            status="refused",
            refusal_code=1,
            refusal_message=payload("errorMessage", 300),
        )
        coupon.selections = [
            CouponSelection(
                position=0,
                event_type="line",
                match_id="777",
                bet_code="1|1|0",
                odds="2.00",
                event=event["title"],
                market=payload("line market", 200),
                outcome=outcome["name"],
            )
        ]
        db.session.add(coupon)
        db.session.commit()
        return coupon.id


def vendor_payments(app, player_id: int, payload: Payloads) -> str:
    """A payment provider's texts (requisite, payment system, decline message) on a failed
    deposit, and an operator's reason on a declined withdrawal. Returns the reference."""
    with app.app_context():
        deposit = Deposit(
            reference="DXSS",
            player_id=player_id,
            provider="sandbox",
            currency="EUR",
            amount=500,
            status="fail",
            requisite=payload("requisite", 60),
            payment_system=payload("payment_system", 30),
            note=payload("provider message", 300),
        )
        withdrawal = Withdrawal(
            player_id=player_id,
            provider="sandbox",
            currency="EUR",
            amount=500,
            status="declined",
            requisite=payload("requisite", 60),
            reason=payload("decline reason", 300),
        )
        db.session.add_all([deposit, withdrawal])
        bonus = bonuses.create(
            payload("bonus name", 100), "XSS1", amount="1.00", wagering="1",
            max_conversion="1.00", days=1,
        )  # fmt: skip
        bonuses.grant(db.session.get(Player, player_id), bonus, "EUR")
        db.session.commit()
    return "DXSS"


def login_link(app, player_id: int) -> str:
    """A CRM campaign's live login link of the player (its page names them)."""
    with app.app_context():
        token = autologin.link_token(autologin.issue(db.session.get(Player, player_id), "xss"))
        db.session.commit()
    return f"/auto-login/{token}"


def force_refused_fields(app, player_id: int, payload: Payloads) -> str:
    """What the doors refuse (names and postal codes with symbols, login name, email
    syntax), written as a later door might.
    Returns the login name (the header greets the player with it)."""
    with app.app_context():
        player = db.session.get(Player, player_id)
        for field, limit in SHAPED_DETAILS.items():  # names and postal codes of another door
            setattr(player, field, payload(field, limit))
        player.login_name = name = payload("forced login_name", 50)
        player.pending_email = payload("forced pending_email")
        player.email = payload("forced email") + "@example.com"
        db.session.commit()
    return name


@pytest.mark.parametrize("shift", range(scaled(1, len(MARKUP))))
def test_payloads_never_become_markup(app, make_player, brand_id, betcore, shift):
    payload = Payloads(shift)
    player_id = make_player(email="victim@example.com", login_name="victim")
    client = log_in(app.test_client(), "victim", "secret123")
    answers = fill_player_fields(client, payload) | fill_visitor_forms(app, payload)
    custom_fields(app, brand_id, payload)
    tx = vendor_bets(app, betcore, player_id, payload)
    coupon_id = vendor_coupons(app, player_id, payload)
    vendor_payments(app, player_id, payload)

    link = login_link(app, player_id)
    login_name = force_refused_fields(app, player_id, payload)
    pages = crawl(client, start_urls(app))
    pages |= crawl(client, [f"/coupons/{coupon_id}"], limit=1)
    pages |= crawl(app.test_client(), [link], limit=1)  # greets the player by first name
    shown = ("/", "/account", "/wallet/history", "/coupons", "/cashier", "/bonuses")
    stored = {url: pages[url] for url in shown}
    stored["deposit"] = pages["/cashier/deposits/DXSS"]
    stored["coupon"] = pages[f"/coupons/{coupon_id}"]
    stored["sports bet"] = pages["/sportsbook/bets/1"]  # (linked from the history)
    stored["login link"] = pages[link]
    reflected = "?" + urlencode({name: payload(name) for name in REFLECTED})
    urls = [url.split("?")[0] + reflected for url in start_urls(app)]
    for who, browser in (("player", client), ("visitor", app.test_client())):
        found = crawl(browser, urls, limit=len(urls))
        pages |= {f"{url} ({who})": response for url, response in found.items()}

    recorder.for_app(app).flush()  # the vendor calls above, into the traffic log
    admin = app.test_client()
    admin_log_in(app, admin)
    with app.app_context():
        calls = db.session.scalars(select(VendorCall.id).where(VendorCall.vendor == "betsy"))
        traffic = [f"/admin/traffic/{call}" for call in calls]
    seen = [f"/admin/players/{player_id}", f"/admin/bets/coupons/{coupon_id}", *traffic]
    found = crawl(admin, seen + admin_start_urls(app), limit=scaled(150, 400))
    admin_pages = {f"{url} (admin)": response for url, response in found.items()}
    pages |= admin_pages

    broken = {url: found for url, r in (answers | pages).items() if (found := injected(r))}
    assert broken == {}
    # ... and the payloads did reach the pages (as text):
    assert shows(stored["/account"], payload("first_name"))
    assert shows(stored["/wallet/history"], payload("outcome"))  # the bet in words
    assert shows(stored["sports bet"], tx)  # Betsy's transaction id, on the bet's page
    assert shows(stored["/wallet/history"], payload("reason"))
    assert shows(stored["/"], login_name)  # the header greets the player by login name
    assert shows(stored["/coupons"], payload("line title", 300))  # the slip
    assert shows(stored["coupon"], payload("betCode", 100))
    assert shows(stored["/cashier"], payload("payment_system", 30))
    assert shows(stored["/cashier"], payload("decline reason", 300))
    assert shows(stored["deposit"], payload("provider message", 300))
    assert shows(stored["/bonuses"], payload("bonus name", 100))
    assert shows(answers["/responsible-gambling"], payload("limit"))
    assert shows(stored["login link"], payload("first_name"))
    # ... and on the back office's pages, as an admin reads them:
    admin_player = admin_pages[f"/admin/players/{player_id} (admin)"]
    assert shows(admin_player, payload("first_name"))
    assert shows(admin_player, payload("reason"))
    assert shows(admin_pages[f"/admin/bets/coupons/{coupon_id} (admin)"], payload("betCode", 100))
    assert traffic and all(f"{url} (admin)" in admin_pages for url in traffic)
    bodies = "".join(admin_pages[f"{url} (admin)"].get_data(as_text=True) for url in traffic)
    assert "transactionId" in bodies  # Betsy's bodies (with the payloads) are on the pages


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_browser_runs_no_payload(browser, sandboxed_site, app):
    url, player_id = sandboxed_site
    payload = Payloads(0)
    page = browser.new_page()
    seen = watch(page)
    page.goto(url + "/login")
    page.get_by_label("Email or login name").fill("demo")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    page.goto(url + "/account")
    page.get_by_label("First name").fill(payload("first_name"))  # refused: shown again
    page.get_by_label("Last name").fill("Lee")
    page.get_by_label("Date of birth (YYYY-MM-DD)").fill("1990-04-01")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_selector("text=letters, spaces, apostrophes and hyphens")
    assert page.get_by_label("First name").input_value() == payload("first_name")
    page.get_by_label("First name").fill("Ann")
    for field, label in {"city": "City", "address": "Address"}.items():
        page.get_by_label(label).fill(payload(field, 100))
    page.get_by_role("button", name="Save details").click()
    page.wait_for_selector("text=Your details are saved.")
    assert page.get_by_label("City").input_value() == payload("city", 100)
    with app.app_context():  # what the form refuses, as another door might write it
        player = db.session.get(Player, player_id)
        player.first_name, player.zip_code = payload("first_name"), payload("zip_code", 20)
        db.session.commit()

    with app.app_context():
        player = db.session.get(Player, player_id)
        reason = payload("reason")
        wallet.adjust(player, "EUR", "1", reason=reason, operator="ops", external_id="xss")
        db.session.commit()
    reflected = "?" + urlencode({name: payload(name) for name in REFLECTED})
    for path in start_urls(app):  # each page shows the stored payloads and reflects more
        page.goto(url + path.split("?")[0] + reflected)
    page.goto(url + "/wallet/history")
    assert seen == {"dialogs": [], "csp": []}
    assert reason in page.locator("body").inner_text()  # shown as text
