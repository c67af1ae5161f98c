"""The player's time zone (portal/i18n.py, Player.time_zone): UTC until the player picks an
IANA zone on the account page; the pages show times in it (the cashier's deposit row, the
responsible-gambling history), a zone that does not exist is refused in words and nothing
changes. (Exports do not read the setting: the CRM feeds and the admin CSV write the stored
UTC values.)"""

from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import messages
from portal.accounts.models import Player, PlayerChange
from portal.extensions import db
from portal.payments.cli import method_row
from portal.payments.models import Deposit
from tests.conftest import page_text, submit_form
from tests.harness.payments import LIMITS

# 22:30 UTC on a summer evening: already the next day in Berlin (UTC+2), earlier in New York.
STARTED = datetime(2026, 7, 1, 22, 30)


@pytest.fixture
def player(make_player):
    return make_player()


@pytest.fixture
def deposit(app, brand_id, player):
    with app.app_context():
        method_row(brand_id, "sandbox", "EUR", LIMITS)
        db.session.add(
            Deposit(
                reference="D1",
                player_id=player,
                currency="EUR",
                amount=123450,
                provider="sandbox",
                status="success",
                created_at=STARTED,
            )
        )
        db.session.commit()


def log_in(client):
    data = {"identifier": "player@example.com", "password": "secret123"}
    return submit_form(client, "/login", data, page="/login")


def zone_of(app, player) -> str:
    with app.app_context():
        return db.session.get(Player, player).time_zone


def deposit_time(client) -> str:
    soup = BeautifulSoup(client.get("/cashier").get_data(as_text=True), "html.parser")
    shown = soup.find(attrs={"data-testid": "deposit-time"})
    return " ".join(shown.get_text().split())  # (CLDR puts a narrow space before PM)


def account_form(client) -> dict:
    """The account form as the page fills it in (every field the browser would send)."""
    soup = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    form = soup.find("form", attrs={"class": "card"})
    data = {}
    for field in form.find_all(["input", "select"]):
        name = field.get("name")
        if not name or name == "csrf_token":
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value", chosen.get_text()) if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "y")
        else:
            data[name] = field.get("value", "")
    return data


def test_times_are_in_utc_until_the_player_chooses_a_zone(app, client, player, deposit):
    assert zone_of(app, player) == "UTC"
    log_in(client)
    assert deposit_time(client) == "7/1/26, 10:30 PM"
    zones = BeautifulSoup(client.get("/account").get_data(as_text=True), "html.parser")
    chosen = zones.find("select", attrs={"name": "time_zone"}).find("option", selected=True)
    assert chosen["value"] == "UTC"


def test_a_player_in_berlin_sees_the_deposit_time_in_berlin(app, client, player, deposit):
    log_in(client)
    answer = submit_form(client, "/account", {**account_form(client), "time_zone": "Europe/Berlin"})
    assert answer.status_code == 302, page_text(answer)
    assert zone_of(app, player) == "Europe/Berlin"
    assert deposit_time(client) == "7/2/26, 12:30 AM"  # 22:30 UTC is 00:30 in Berlin
    page = client.get("/cashier").get_data(as_text=True)
    assert 'datetime="2026-07-01T22:30:00Z"' in page  # (the machine-readable moment: UTC)
    with app.app_context():
        change = db.session.scalar(select(PlayerChange).where(PlayerChange.field == "time_zone"))
        assert (change.old_value, change.new_value) == ("UTC", "Europe/Berlin")

    submit_form(client, "/account", {**account_form(client), "time_zone": "America/New_York"})
    assert deposit_time(client) == "7/1/26, 6:30 PM"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "CET1", "../../etc/passwd", "x" * 300])
def test_a_zone_that_does_not_exist_is_refused_in_words(app, client, player, deposit, zone):
    log_in(client)
    answer = submit_form(client, "/account", {**account_form(client), "time_zone": zone})
    assert answer.status_code == 422
    assert messages.text("time_zone_invalid", "en") in page_text(answer)
    soup = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    select_field = soup.find("select", attrs={"name": "time_zone"})
    assert select_field["aria-invalid"] == "true"
    assert zone_of(app, player) == "UTC"
    assert deposit_time(client) == "7/1/26, 10:30 PM"


def test_a_german_player_reads_the_zone_error_in_german(app, client, make_brand, make_player):
    german = make_brand("Zwei", languages=("de", "en"))
    app.config["SITE_BRAND_ID"] = german
    make_player("anna@example.com", brand=german, language="de")
    submit_form(
        client, "/login", {"identifier": "anna@example.com", "password": "secret123"}, page="/login"
    )
    answer = submit_form(client, "/account", {**account_form(client), "time_zone": "Nowhere/Else"})
    assert answer.status_code == 422
    assert messages.text("time_zone_invalid", "de") in page_text(answer)
