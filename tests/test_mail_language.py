"""Mails are written in the recipient player's language (portal/accounts/mail.py): the
subject and the body, also when no page of theirs asks (the CLI, a vendor call, the back
office, a page in another language). The German texts come from a small catalog built
here, so the test does not wait for the site's catalog to be translated."""

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select

from portal.accounts import credentials
from portal.accounts.models import OutboundMail, Player
from portal.extensions import db
from tests.gateway_flows import register
from tests.pseudo_catalog import forget_loaded_catalogs

GERMAN = {
    "Hello %(name)s,": "Hallo %(name)s,",
    "Welcome to %(brand)s": "Willkommen bei %(brand)s",
    "Please confirm your email address": "Bitte bestätigen Sie Ihre E-Mail-Adresse",
    "Reset your password": "Setzen Sie Ihr Passwort zurück",
    "Your password was changed": "Ihr Passwort wurde geändert",
    "Confirm your new email address": "Bestätigen Sie Ihre neue E-Mail-Adresse",
    "Your email address is being changed": "Ihre E-Mail-Adresse wird geändert",
    "If you did not ask for this, ignore this mail.": "Falls Sie das nicht wollten, "
    "ignorieren Sie diese Mail.",
}


@pytest.fixture
def german_app(make_app, tmp_path):
    """The site with a German catalog holding the mails' texts above."""
    catalog = Catalog(locale="de")
    for english, german in GERMAN.items():
        catalog.add(english, german)
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as target:
        write_mo(target, catalog)
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    forget_loaded_catalogs(app)
    yield app
    forget_loaded_catalogs(app)


@pytest.fixture
def two_players(german_app, make_brand, make_player):
    brand = make_brand("Zwei", languages=("en", "de"))
    german = make_player("anna@example.com", brand=brand, language="de")
    english = make_player("bob@example.com", brand=brand, language="en")
    with german_app.app_context():  # (their welcome mails came from another app)
        db.session.execute(delete(OutboundMail))
        db.session.commit()
    forget_loaded_catalogs(german_app)
    return german, english


def _mails(app, address) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboundMail).where(OutboundMail.recipient == address).order_by(OutboundMail.id)
        ).all()
        return [(m.subject, m.body) for m in rows]


def _send_every_mail(app, player_id: int) -> None:
    """Every templated mail a player gets, sent outside any page (as the CLI does)."""
    with app.app_context():
        player = db.session.get(Player, player_id)
        credentials.send_welcome(player)
        player.email_verified_at = None
        credentials.send_activation(player)
        credentials.request_password_reset(player.brand, player.email)
        credentials.change_password(player, "secret123", "another99")
        credentials.request_email_change(player, f"new-{player.email}")
        db.session.commit()


def test_a_german_player_gets_every_mail_in_german(german_app, two_players):
    german, english = two_players
    _send_every_mail(german_app, german)
    _send_every_mail(german_app, english)

    subjects = [subject for subject, _ in _mails(german_app, "anna@example.com")]
    assert subjects == [
        "Willkommen bei Zwei",
        "Bitte bestätigen Sie Ihre E-Mail-Adresse",
        "Setzen Sie Ihr Passwort zurück",
        "Ihr Passwort wurde geändert",
        "Ihre E-Mail-Adresse wird geändert",
    ]
    confirm = _mails(german_app, "new-anna@example.com")
    assert [subject for subject, _ in confirm] == ["Bestätigen Sie Ihre neue E-Mail-Adresse"]
    for _, body in [*_mails(german_app, "anna@example.com"), *confirm]:
        assert body.startswith("Hallo anna@example.com,"), body
    activation = _mails(german_app, "anna@example.com")[1][1]
    assert "Falls Sie das nicht wollten, ignorieren Sie diese Mail." in activation

    subjects = [subject for subject, _ in _mails(german_app, "bob@example.com")]
    assert subjects[:2] == ["Welcome to Zwei", "Please confirm your email address"]
    assert all(
        body.startswith("Hello bob@example.com,")
        for _, body in _mails(german_app, "bob@example.com")
    )


def test_a_mail_sent_while_a_page_is_in_english_is_in_the_recipients_language(
    german_app, two_players
):
    """The back office (English) resends an activation mail to a German player."""
    german, _ = two_players
    with german_app.test_request_context("/admin/players"), force_locale("en"):
        player = db.session.get(Player, german)
        player.email_verified_at = None
        credentials.send_activation(player)
        db.session.commit()
        assert gettext("Hello %(name)s,", name="x") == "Hello x,"  # the page stays English
    [(subject, body)] = _mails(german_app, "anna@example.com")
    assert subject == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert body.startswith("Hallo anna@example.com,")


def test_registering_in_german_through_the_gateway_gives_a_german_welcome(german_app, make_brand):
    """A vendor door's requests are in English; its player chose German."""
    brand = make_brand("Zwei", languages=("en", "de"))
    answer = register(german_app.test_client(), brand, complete=False, language="de")
    assert answer.status_code == 201, answer.json
    [(subject, body)] = _mails(german_app, "john@example.com")
    assert subject == "Willkommen bei Zwei" and body.startswith("Hallo john_doe,")
