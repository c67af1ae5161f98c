"""A new visitor's journey in Chromium at desktop and phone sizes (issue 16's acceptance):
the lobby, the footer's links, the switch to German, registration with reading the terms
it asks for, registration step two, and the pages a new player goes through next, every
one of them German: `<html lang="de">` and no English text of the catalogs left on it."""

import os
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.accounts import documents, operations
from portal.extensions import db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
CATALOG = Path(__file__).resolve().parent.parent / "translations/de/LC_MESSAGES/messages.po"


def english_texts() -> set[str]:
    """The catalog's English texts of two words or more whose German differs, without
    placeholders or markup: none of them may show on a German page."""
    with CATALOG.open("rb") as source:
        catalog = read_po(source)
    found = set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        if "%(" in message.id or "<" in message.id or len(message.id.split()) < 2:
            continue
        found.add(message.id)
    return found


ENGLISH = english_texts()


def english_shown(page) -> list[str]:
    shown = re.sub(r"\s+", " ", page.evaluate("document.body.innerText"))
    return sorted(text for text in ENGLISH if text in shown)


def assert_german(page, where: str) -> None:
    """The page is German; with PORTAL_SCREENSHOTS=DIR its screenshot goes there."""
    if directory := os.environ.get("PORTAL_SCREENSHOTS"):
        name = f"{page.viewport_size['width']}-{re.sub(r'[^a-z0-9]+', '-', where)}.png"
        page.screenshot(path=str(Path(directory) / name), full_page=True)
    assert page.evaluate("document.documentElement.lang") == "de", where
    left = english_shown(page)
    assert not left, f"{where} ({page.url}) shows English: {left}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where}: {width} px wide"


def open_menu_if_folded(page) -> None:
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()


@pytest.fixture
def german_site(app, sandboxed_site):
    """The stand-ins' site with a brand in English and German, its terms and privacy
    policy published in both, and a licence line."""
    url, _player = sandboxed_site
    with app.app_context():
        brand = operations.get_brand(app.config["SITE_BRAND_ID"])
        operations.update_brand(
            brand, languages=["en", "de"], legal_text="Lizenz Nr. 42", contact_email="a@b.example"
        )
        for language, terms, privacy in (
            ("en", ("Terms", "Play fair."), ("Privacy", "We keep your data safe.")),
            ("de", ("AGB", "Spielen Sie fair."), ("Datenschutz", "Ihre Daten sind sicher.")),
        ):
            translation = {"version": 1} if language == "de" else {}  # of the same version 1
            for doc_type, (title, content) in (("tnc", terms), ("privacy", privacy)):
                documents.publish(
                    brand, doc_type, language=language, title=title, content=content, **translation
                )
        db.session.commit()
    return url


@pytest.mark.parametrize("size", SIZES)
def test_a_visitor_reads_the_terms_switches_to_german_registers_and_plays(
    browser, german_site, size
):
    from playwright.sync_api import expect

    url = german_site
    width, height = SIZES[size]
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": height})

    # The lobby offers the three ways in; the footer links the texts and the contact.
    page.goto(url + "/")
    expect(page.get_by_test_id("lobby-sportsbook")).to_be_visible()
    expect(page.get_by_test_id("lobby-coupons")).to_be_visible()
    assert page.locator('[data-testid="lobby-game"]').count() >= 1
    footer = page.get_by_test_id("footer")
    expect(footer.get_by_role("link", name="Contact")).to_have_attribute(
        "href", "mailto:a@b.example"
    )
    expect(footer.get_by_test_id("legal-text")).to_have_text("Lizenz Nr. 42")
    assert len(english_shown(page)) >= 5  # (the check below can see English)
    footer.get_by_role("link", name="Terms and conditions").click()
    expect(page.get_by_role("heading", name="Terms")).to_be_visible()
    expect(page.get_by_text("Play fair.")).to_be_visible()
    page.get_by_test_id("footer").get_by_role("link", name="Privacy policy").click()
    expect(page.get_by_text("We keep your data safe.")).to_be_visible()
    page.get_by_test_id("footer").get_by_role("link", name="Responsible gambling").click()
    assert page.url.endswith("/responsible-gambling")
    expect(page.locator("main h1")).to_have_text("Responsible gambling")

    # The switch to German: every page from here on is German.
    page.goto(url + "/")
    page.get_by_test_id("language-switch").get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_german(page, "lobby")
    page.get_by_test_id("footer").get_by_role(
        "link", name="Allgemeine Geschäftsbedingungen"
    ).click()
    expect(page.get_by_text("Spielen Sie fair.")).to_be_visible()
    assert_german(page, "terms")

    # Registration links the texts it asks for; the player reads them in a new tab.
    page.goto(url + "/register")
    assert_german(page, "registration")
    with page.expect_popup() as opened:
        page.get_by_test_id("documents-to-accept").get_by_role("link").first.click()
    terms = opened.value
    expect(terms.get_by_text("Spielen Sie fair.")).to_be_visible()
    assert_german(terms, "terms from the registration")
    terms.close()
    page.get_by_label("E-Mail").fill(f"reise-{size}@example.com")
    page.get_by_label("Passwort").fill("reise2024x")
    page.get_by_label("Ich bin über 18 Jahre alt").check()
    page.get_by_label("Ich akzeptiere die Allgemeinen Geschäftsbedingungen").check()
    page.locator("main form button[type=submit]").click()

    # Step two, in German, then the pages a new player opens.
    expect(page.locator("main h1")).to_be_visible()
    assert "/register/details" in page.url, page.url
    assert_german(page, "registration step two")
    page.get_by_label("Vorname").fill("Renate")
    page.get_by_label("Nachname").fill("Reise")
    page.get_by_label("Geburtsdatum", exact=False).fill("1980-05-17")
    page.get_by_label("Land").select_option("DE")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    assert_german(page, "lobby as a player")
    for path, name in (
        ("/casino", "casino"),
        ("/sportsbook", "sportsbook"),
        ("/coupons", "bet slip"),
        ("/coupons/mine", "coupons"),
        ("/cashier", "cashier"),
        ("/wallet", "wallet"),
        ("/wallet/history", "history"),
        ("/bonuses", "bonuses"),
        ("/responsible-gambling", "responsible gambling"),
        ("/account", "account"),
        ("/account/password", "password change"),
    ):
        page.goto(url + path)
        assert_german(page, name)

    open_menu_if_folded(page)
    page.get_by_role("button", name="Abmelden").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_german(page, "after logging out")
