"""The message catalogs (portal/i18n.py): every text marked for translation in the code
and templates has a German translation, the compiled catalogs match their sources, and a
visitor's language switch is remembered."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_token, page_text

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de",)


def _extract(tmp_path) -> set:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "lazy_ngettext:1,2",
         "--ignore-dirs", ".*", "--no-location", "-o", str(pot), "."],  # (.*: not _macros)
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as source:
        return {message.id for message in read_po(source) if message.id}


def _catalog(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_every_text_has_a_german_translation(tmp_path):
    marked = _extract(tmp_path)
    assert len(marked) > 20
    for language in LANGUAGES:
        catalog = _catalog(language)
        translated = {
            message.id
            for message in catalog
            if message.id
            and "fuzzy" not in message.flags
            and all(message.string if isinstance(message.string, tuple) else [message.string])
        }
        missing = sorted(str(m) for m in marked - translated)
        assert not missing, f"{language}: {len(missing)} texts without a translation: {missing}"


def test_the_compiled_catalogs_are_current():
    for language in LANGUAGES:
        source = {m.id: m.string for m in _catalog(language) if m.id and m.string}
        mo_path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.mo"
        with mo_path.open("rb") as compiled:
            built = {m.id: m.string for m in read_mo(compiled) if m.id}
        assert built == source, "run `make translations` (messages.mo is stale)"


def test_a_visitor_switches_to_german_and_it_is_remembered(app, make_brand, client):
    app.config["SITE_BRAND_ID"] = make_brand("Zwei", languages=("en", "de"))
    home = client.get("/")
    assert 'lang="en"' in home.get_data(as_text=True) and "Log in" in page_text(home)
    answer = client.post(
        "/language",
        data={"language": "de", "next": "/login", "csrf_token": csrf_token(home.get_data(True))},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert "Max-Age=31536000" in answer.headers["Set-Cookie"]
    page = client.get("/login")
    assert 'lang="de"' in page.get_data(as_text=True)
    assert "Anmelden" in page_text(page) and "Datenschutzerklärung" in page_text(page)


def test_the_browser_language_is_used_until_the_visitor_chooses(app, make_brand, client):
    app.config["SITE_BRAND_ID"] = make_brand("Zwei", languages=("en", "de"))
    page = client.get("/", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in page.get_data(as_text=True)


def test_a_language_the_brand_does_not_offer_is_refused(app, brand_id, client):
    home = client.get("/login")
    assert "language-switch" not in home.get_data(as_text=True)  # one language: no switch
    answer = client.post(
        "/language", data={"language": "de", "csrf_token": csrf_token(home.get_data(True))}
    )
    assert answer.status_code == 400  # the default test brand speaks English only
    answer = client.post(
        "/language", data={"language": "xx", "csrf_token": csrf_token(home.get_data(True))}
    )
    assert answer.status_code == 400
    assert client.post("/language", data={"language": "en"}).status_code == 400  # no CSRF


def test_amounts_follow_the_locale(app):
    from decimal import Decimal

    from flask_babel import force_locale

    from portal.i18n import amount

    with app.test_request_context("/"):
        assert amount(Decimal("1234.50")) == "1,234.50"
        assert amount(Decimal("0.00000001")) == "0.00000001"
        with force_locale("de"):
            assert amount(Decimal("1234.50")) == "1.234,50"
