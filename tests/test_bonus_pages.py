"""The player's bonus page, as a browser posts it (CSRF included): claim a code, see the
bonus balance and the wagering progress, and the words for a code that cannot be claimed.
No app context is held around the client's requests (Flask-WTF keeps its token per one)."""

import pytest

from portal.bonuses import operations as bonuses
from portal.extensions import db
from tests.conftest import page_text, submit_form


@pytest.fixture
def player(app, make_player):
    player_id = make_player()
    with app.app_context():
        bonuses.create("Free ten", "FREE10", amount="10.00", wagering="5", max_conversion="8.00",
                       days=7)  # fmt: skip
        bonuses.create("Welcome", "WELCOME", percent="100", max_amount="50.00", wagering="30",
                       max_conversion="100.00", days=30)  # fmt: skip
        db.session.commit()
    return player_id


def test_a_player_claims_a_code_and_sees_the_wagering_progress(client, player):
    submit_form(client, "/login", {"identifier": "player@example.com", "password": "secret123"})
    for code, words in (
        ("nope", "This bonus code is not valid."),
        ("welcome", "enter its code in the cashier"),
    ):
        answer = submit_form(client, "/bonuses", {"code": code}, follow_redirects=True)
        assert words in page_text(answer)
    claimed = submit_form(client, "/bonuses", {"code": "free10"}, follow_redirects=True)
    text = page_text(claimed)
    assert "Free ten is yours" in text and "bonus money 10.00 EUR" in text
    assert "Wagered 0.00 of 50.00 EUR" in text
    assert 'max="5000"' in claimed.get_data(as_text=True)
    again = submit_form(client, "/bonuses", {"code": "free10"}, page="/wallet")
    assert again.status_code == 302
    assert "Bonuses" in page_text(client.get("/"))  # in the header
