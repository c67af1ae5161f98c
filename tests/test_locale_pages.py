"""A German player's pages in the German catalog: amounts read in the German format on
the history and the bet pages, amounts typed with a decimal comma are taken (cashier,
limits, bet slip), refused requests are explained in German, a new language applies from
the page that saves it; and what visitors and crawlers get from /terms and robots.txt."""

from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import Player
from portal.coupons import line
from portal.extensions import db
from portal.limits.models import PlayerLimit
from portal.payments.cli import method_row
from portal.payments.models import Deposit
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.conftest import csrf_token, page_text, submit_form
from tests.harness.payments import LIMITS


@pytest.fixture
def brand(make_brand):
    return make_brand("Zwei", languages=("de", "en"))


@pytest.fixture
def site(app, brand):
    app.config["SITE_BRAND_ID"] = brand
    return app


@pytest.fixture
def anna(site, brand, make_player):
    """A German player with 1,234.50 EUR."""
    player_id = make_player("anna@example.com", brand=brand, language="de")
    with site.app_context():
        method_row(brand, "sandbox", "EUR", LIMITS)
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "1234.50", reason="t", operator="t", external_id="d1")
        db.session.commit()
    return player_id


def log_in(client, email="anna@example.com"):
    return submit_form(client, "/login", {"identifier": email, "password": "secret123"})


def test_the_history_shows_amounts_in_german(site, anna, client):
    log_in(client)
    text = page_text(client.get("/wallet/history"))
    assert "1.234,50 EUR" in text and "1234.50" not in text


def test_a_deposit_typed_with_a_decimal_comma_is_taken(site, anna, client):
    log_in(client)
    for typed, minor in (("10,50", 1050), ("1.000,00", 100000), ("12.25", 1225)):
        data = {"amount": typed, "currency": "EUR", "provider": "sandbox"}
        answer = submit_form(client, "/cashier", data, page="/cashier")
        assert answer.status_code == 302, (typed, page_text(answer))
        with site.app_context():
            newest = db.session.scalars(select(Deposit).order_by(Deposit.id.desc())).first()
            assert newest.amount == minor, typed
    refused = submit_form(
        client, "/cashier", {"amount": "10,5,0", "currency": "EUR", "provider": "sandbox"}
    )
    assert refused.status_code == 422


def test_a_limit_typed_with_a_decimal_comma_is_taken(site, anna, client):
    log_in(client)
    data = {"action": "limit", "kind": "deposit", "period": "day", "currency": "EUR",
            "value": "12,50"}  # fmt: skip
    answer = submit_form(client, "/responsible-gambling", data)
    assert answer.status_code == 302, page_text(answer)
    with site.app_context():
        assert db.session.scalar(select(PlayerLimit.value)) == 1250


def test_the_slip_reads_a_decimal_comma_and_shows_german_figures(site, anna, client):
    with site.app_context():
        line.load(line.demo_events(utcnow()))
        db.session.commit()
        event = line.demo_events(utcnow())[0]
    outcome = event.outcomes[0]
    bet = f"{event.event_type}#{event.match_id}|{outcome.bet_code}#{outcome.odds}"
    log_in(client)
    data = {"selection": bet, "stake": "3,5", "preview": "1", "rate_mode": "reject"}
    answer = submit_form(client, "/coupons", data, page="/coupons")
    win = (Decimal("3.5") * Decimal(str(outcome.odds))).quantize(Decimal("0.01"))
    shown = page_text(answer)
    assert format(win, "f").replace(".", ",") in shown, shown
    assert 'data-decimal-symbol=","' in answer.get_data(as_text=True)


def test_refused_requests_are_explained_in_the_page_language(site, anna, client):
    log_in(client)
    with site.test_request_context("/"), force_locale("de"):
        not_found = _("This page does not exist, or it is not yours to see.")
        expired = _(
            "The form has expired or did not come from this site. Please open the page again "
            "and retry."
        )
    assert not_found != "This page does not exist, or it is not yours to see."
    answer = client.get("/no-such-page")
    assert answer.status_code == 404 and not_found in page_text(answer)
    assert "The requested URL" not in page_text(answer)
    answer = client.post("/account", data={"first_name": "X"})  # no CSRF token
    assert answer.status_code == 400 and expired in page_text(answer)
    assert expired.startswith("Das Formular")


def test_a_new_language_applies_from_the_page_that_saves_it(site, brand, make_player, client):
    make_player("ben@example.com", brand=brand, language="en")
    log_in(client, "ben@example.com")
    page = client.get("/account").get_data(as_text=True)
    data = {"language": "de", "time_zone": "UTC", "csrf_token": csrf_token(page)}
    answer = client.post("/account", data=data, follow_redirects=True)
    assert "Ihre Angaben sind gespeichert." in page_text(answer), page_text(answer)


def test_a_visitor_opening_terms_reads_the_terms(site, client):
    answer = client.get("/terms")
    assert answer.status_code == 302 and answer.headers["Location"] == "/documents/tnc"


def test_robots_keep_crawlers_off_personal_links_and_pages(client):
    robots = client.get("/robots.txt").get_data(as_text=True)
    for path in ("/reset-password", "/verify-email", "/confirm-email", "/cancel-email-change",
                 "/auto-login/", "/coupons/", "/casino/rounds/", "/sportsbook/bets/",
                 "/register/details", "/account", "/wallet"):  # fmt: skip
        assert f"Disallow: {path}\n" in robots, path
    assert "Disallow: /documents" not in robots and "Disallow: /\n" not in robots
