"""The player's pages of the cashier, bonuses, responsible gambling, account, documents,
auto-login links and the play refusals speak the page's language: with a pseudo-German
catalog (every marked text comes out as ‹text›, tests/pseudo_catalog.py) nothing readable
is left outside the marks but the player's own data; amounts are in the page's locale
(1.234,50 in German) while form inputs keep what the player typed, machine-readable."""

import re
from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from flask import render_template
from flask_babel import force_locale

from portal.accounts.models import Player
from portal.bonuses import operations as bonuses
from portal.extensions import db
from portal.limits.words import refusal_words
from portal.payments.cli import method_row
from portal.payments.models import Deposit, Withdrawal
from portal.wallet import operations as wallet
from tests.conftest import csrf_token, page_text, submit_form
from tests.gateway_flows import publish
from tests.harness.payments import LIMITS
from tests.pseudo_catalog import forget_loaded_catalogs, write_pseudo_catalog

RG = "/responsible-gambling"
# Words a page may show untranslated: the player's and the brand's data, currency codes,
# the payment provider, a masked card, the support organisations' names.
DATA_WORDS = {
    "Zwei", "anna", "example", "com", "EUR", "USD", "Sandbox", "sandbox",
    "BeGambleAware", "GamCare", "begambleaware", "org", "gamcare", "uk",
    "Free", "ten", "Terms", "text", "tnc", "de",  # a bonus's name, a document's title and text
    "Deutsch", "English",  # the language switch names each language in itself
}  # fmt: skip


@pytest.fixture
def brand(make_brand):
    return make_brand("Zwei", languages=("de", "en"))


@pytest.fixture
def pseudo_app(make_app, tmp_path, brand):
    """The site of brand Zwei with the pseudo-German catalog."""
    app = make_app(
        BABEL_TRANSLATION_DIRECTORIES=str(write_pseudo_catalog(tmp_path)), SITE_BRAND_ID=brand
    )
    forget_loaded_catalogs(app)
    yield app
    forget_loaded_catalogs(app)


@pytest.fixture
def anna(pseudo_app, brand, make_player):
    """A German player with a deposit of 1,234.50 EUR, a pending withdrawal and a bonus."""
    player = make_player("anna@example.com", brand=brand, language="de")
    forget_loaded_catalogs(pseudo_app)  # (make_player's welcome mail loaded the real one)
    with pseudo_app.app_context():
        method_row(brand, "sandbox", "EUR", LIMITS)
        card = {"provider": "sandbox", "requisite": "424242******4242", "currency": "EUR"}
        db.session.add_all(
            [
                Deposit(reference="D1", player_id=player, amount=123450, status="success", **card),
                Deposit(reference="D2", player_id=player, amount=500, status="new", **card),
                Withdrawal(player_id=player, amount=2500, **card),
            ]
        )
        holder = db.session.get(Player, player)
        wallet.adjust(holder, "EUR", "1234.50", reason="t", operator="t", external_id="d1")
        bonuses.create("Free ten", "FREE10", amount="10.00", wagering="5",
                       max_conversion="8.00", days=7)  # fmt: skip
        bonuses.claim(holder, "FREE10", "EUR")
        db.session.commit()
    return player


def log_in(client, email="anna@example.com"):
    data = {"identifier": email, "password": "secret123"}
    return submit_form(client, "/login", data, page="/login")


def deposit(client, amount: str):
    data = {"amount": amount, "currency": "EUR", "provider": "sandbox"}
    return submit_form(client, "/cashier", data, page="/cashier")


def untranslated(html: str) -> set[str]:
    """The words of a page's text outside ‹›-marked texts (and outside the lists of
    countries, zones and the like, which are named by the locale's own data)."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select("option, code, script, style, [data-testid='who']"):
        element.decompose()
    text = soup.get_text(" ")
    for attribute in ("aria-label", "title", "placeholder", "alt"):
        text += " " + " ".join(str(e[attribute]) for e in soup.find_all(attrs={attribute: True}))
    text += " " + (soup.title.get_text() if soup.title else "")
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"‹[^‹›]*›", " ", text)
    return set(re.findall(r"[^\W\d_]{2,}", text)) - DATA_WORDS


def assert_all_marked(response):
    assert response.status_code < 500
    html = response.get_data(as_text=True)
    assert 'lang="de"' in html
    assert untranslated(html) == set(), response.request.path


def test_every_text_of_the_players_pages_comes_from_the_catalog(pseudo_app, anna):
    client = pseudo_app.test_client()
    log_in(client)
    submit_form(client, RG, {"action": "limit", "kind": "deposit", "period": "day",
                             "currency": "EUR", "value": "2000"}, page=RG)  # fmt: skip
    submit_form(client, RG, {"action": "limit", "kind": "deposit", "period": "day",
                             "currency": "EUR", "value": "3000", "do": "set"}, page=RG)  # fmt: skip
    for path in ("/account", "/account/email", "/cashier", "/cashier/deposits/D1",
                 "/cashier/deposits/D2", "/bonuses", RG):  # fmt: skip
        assert_all_marked(client.get(path))
    refused = deposit(client, "0")
    assert refused.status_code == 422
    assert_all_marked(refused)
    wrong = submit_form(client, RG, {"action": "timeout", "duration": "24h"}, page=RG)
    assert wrong.status_code == 422
    assert_all_marked(wrong)
    submit_form(client, RG, {"action": "timeout", "duration": "24h", "confirm": "y"}, page=RG)
    log_in(client)
    assert_all_marked(client.get(RG))  # the exclusion, its notice and the history
    assert_all_marked(client.get("/cashier"))  # deposits closed


def test_the_pages_of_a_missing_vendor_and_a_refused_play_come_from_the_catalog(pseudo_app):
    with pseudo_app.test_request_context("/casino"), force_locale("de"):
        for template in ("casino/unavailable.html", "sportsbook/unavailable.html"):
            assert untranslated(render_template(template)) == set(), template
        refused = render_template("limits/play_refused.html", words=refusal_words("closed"))
        assert untranslated(refused) == set()


def test_a_visitor_reads_the_public_pages_in_the_catalogs_language(pseudo_app, brand, anna):
    publish(pseudo_app, brand, "tnc", "de", content="Terms text")
    client = pseudo_app.test_client()
    client.set_cookie("portal_lang", "de")
    for path in (RG, "/documents/tnc", "/auto-login/nope"):
        assert_all_marked(client.get(path))


def test_amounts_are_in_the_pages_locale_and_inputs_stay_as_typed(pseudo_app, anna):
    client = pseudo_app.test_client()
    log_in(client)
    cashier = client.get("/cashier")
    rows = BeautifulSoup(cashier.get_data(as_text=True), "html.parser")
    assert "1.234,50 EUR" in rows.find(attrs={"data-deposit": "D1"}).get_text()
    assert "25,00 EUR" in rows.find(attrs={"data-testid": "withdrawals"}).get_text()
    refused = deposit(client, "5000.50")
    assert refused.status_code == 422
    soup = BeautifulSoup(refused.get_data(as_text=True), "html.parser")
    assert soup.find("input", id="deposit-amount")["value"] == "5000.50"  # as typed
    assert "(1.000,00 EUR)" in page_text(refused)  # the method's maximum, in words
    saved = submit_form(client, RG, {"action": "limit", "kind": "deposit", "period": "day",
                                     "currency": "EUR", "value": "1500.5"}, page=RG,
                        follow_redirects=True)  # fmt: skip
    limits = BeautifulSoup(saved.get_data(as_text=True), "html.parser")
    assert "1.500,50 EUR" in limits.find(attrs={"data-limit": "deposit-day-EUR"}).get_text()
    assert limits.find("input", id="deposit-value").get("value", "") == ""


def test_an_english_player_reads_amounts_the_english_way(app, client, make_player):
    player = make_player()
    with app.app_context():
        db.session.add(
            Deposit(reference="E1", player_id=player, amount=123450, status="success",
                    provider="sandbox", currency="EUR", created_at=datetime(2026, 3, 1, 9, 5))
        )  # fmt: skip
        db.session.commit()
    log_in(client, "player@example.com")
    page = client.get("/cashier/deposits/E1")
    assert "1,234.50 EUR" in page_text(page) and "Mar 1, 2026" in page_text(page)
    assert csrf_token(client.get("/cashier").get_data(as_text=True))
