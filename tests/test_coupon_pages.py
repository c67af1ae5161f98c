"""The bet slip and the coupon pages, as a player's browser posts them (CSRF included).

No app context is held around the client's requests (each request has its own, as in a
browser's session: Flask-WTF keeps the CSRF token per app context)."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.wallet import queries
from tests.conftest import csrf_token, page_text, submit_form
from tests.test_coupons_flow import OVER, UNDER, open_account_and_line, served  # noqa: F401


@pytest.fixture
def player(app, make_player):
    player_id = make_player()
    with app.app_context():
        open_account_and_line(player_id)
    return SimpleNamespace(id=player_id, app=app)


def balance(player) -> Decimal:
    with player.app.app_context():
        found = queries.real_balance(player.id, "EUR")
        db.session.commit()
        return found


def _log_in(client):
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})


def test_guests_see_the_line_and_cannot_place(client, player):
    text = page_text(client.get("/coupons"))
    assert "Arsenal - Chelsea" in text and "Over 2.5" in text and "4.27" in text
    assert "Log in to bet" in text and "Place coupon" not in text
    assert client.post("/coupons", data={"selection": OVER}).status_code == 400  # no CSRF
    guest = submit_form(client, "/coupons", {"selection": OVER, "stake": "1", "place": "1"})
    assert guest.status_code == 302 and "/login" in guest.headers["Location"]


def test_the_slip_shows_the_potential_win_without_javascript(client, player):
    _log_in(client)
    preview = submit_form(
        client,
        "/coupons",
        {"selection": [OVER, "live#1000|1|1|0#2.10"], "stake": "10", "preview": "1"},
    )
    text = page_text(preview)
    assert "Total odds 8.967" in text and "potential win 89.67 EUR" in text
    assert balance(player) == Decimal("100.00")  # a preview places nothing


def test_a_coupon_placed_from_the_slip_is_shown_and_paid(client, served, player):  # noqa: F811 (a fixture)
    _, service = served
    _log_in(client)
    placed = submit_form(
        client,
        "/coupons",
        {"selection": OVER, "stake": "10.00", "rate_mode": "reject", "place": "1"},
    )
    assert placed.status_code == 302 and "/coupons/" in placed.headers["Location"]
    page = page_text(client.get(placed.headers["Location"]))
    assert "State Open" in page and "Potential win 42.70 EUR" in page
    service.settle(service.coupons()[0].bar_code, 2, amount_out=42.7)
    page = page_text(client.get(placed.headers["Location"]))
    assert "State Won" in page and "Paid 42.70 EUR" in page and "won 42.7 applied" in page
    assert "Won" in page_text(client.get("/coupons/mine"))
    assert balance(player) == Decimal("132.70")


def test_changed_odds_offer_a_button_to_place_again(client, served, player):  # noqa: F811 (a fixture)
    _, service = served
    _log_in(client)
    service.move_odds("586464528", "17|954|2.5", "4.50")
    refused = submit_form(client, "/coupons", {"selection": OVER, "stake": "10.00", "place": "1"})
    url = refused.headers["Location"]
    page = page_text(client.get(url))
    assert "The odds have changed. Your stake has been returned." in page
    assert "Accept the new odds and place again" in page and "4.50" in page
    assert balance(player) == Decimal("100.00")
    again = submit_form(
        client,
        "/coupons",
        {
            "selection": "line#586464528|17|954|2.5#4.50",
            "stake": "10.00",
            "rate_mode": "reject",
            "place": "1",
        },
        page=url,
    )
    assert "State Open" in page_text(client.get(again.headers["Location"]))
    assert balance(player) == Decimal("90.00")


def test_a_wrong_slip_says_why_in_words(client, served, player):  # noqa: F811 (a fixture)
    _log_in(client)
    answer = submit_form(
        client, "/coupons", {"selection": [OVER, UNDER], "stake": "1", "place": "1"}
    )
    assert answer.status_code == 422
    assert "Pick at most one outcome per match." in page_text(answer)
    answer = submit_form(client, "/coupons", {"selection": OVER, "stake": "5000", "place": "1"})
    assert "Your balance is too low for this stake." in page_text(answer)
    assert (
        client.post("/coupons", data={"selection": OVER, "stake": "1"}).status_code == 400
    )  # no CSRF


def test_another_players_coupon_is_not_shown(client, served, player, make_player):  # noqa: F811 (a fixture)
    _log_in(client)
    placed = submit_form(client, "/coupons", {"selection": OVER, "stake": "1.00", "place": "1"})
    client.post("/logout", data={})
    make_player(email="other@example.com")
    other = client.application.test_client()
    submit_form(other, "/login", {"identifier": "other@example.com", "password": "secret123"})
    assert other.get(placed.headers["Location"]).status_code == 404


def test_the_same_slip_form_sent_twice_places_one_coupon(client, served, player):  # noqa: F811 (a fixture)
    _, service = served
    _log_in(client)
    html = client.get("/coupons").get_data(as_text=True)
    key = re.search(r'name="slip" value="([^"]+)"', html).group(1)
    form = {
        "csrf_token": csrf_token(html),
        "slip": key,
        "selection": OVER,
        "stake": "10.00",
        "rate_mode": "reject",
        "place": "1",
    }
    first = client.post("/coupons", data=form)
    again = client.post("/coupons", data=form)  # a double click, or the back button
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert len(service.coupons()) == 1 and balance(player) == Decimal("90.00")
    fresh = client.get("/coupons").get_data(as_text=True)
    assert re.search(r'name="slip" value="([^"]+)"', fresh).group(1) != key


@pytest.mark.parametrize(
    ("arrange", "words"),
    [
        (lambda s: s.block("586464528"), "The bookmaker did not accept these selections"),
        (lambda s: s.remove("586464528", "17|954|2.5"), "An outcome is no longer offered."),
    ],
    ids=["blocked", "withdrawn"],
)
def test_a_refused_coupon_says_why_in_words(client, served, player, arrange, words):  # noqa: F811 (a fixture)
    _, service = served
    arrange(service)
    _log_in(client)
    placed = submit_form(client, "/coupons", {"selection": OVER, "stake": "10.00", "place": "1"})
    page = page_text(client.get(placed.headers["Location"]))
    assert "State Refused" in page and words in page
    assert "Your stake has been returned." in page and balance(player) == Decimal("100.00")
