"""Betsy input at the edges of what the database can hold: every value gets a documented
refusal (5, validation error), never 100 (found by the outside audit: amounts beyond the
columns, lone surrogates in tokens, NUL characters and over-long fields on PostgreSQL)."""

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.sportsbook.models import SportsBet, SportsEvent, SportsTournament
from tests import test_betsy_api as base
from tests.test_betsy_api import SELECTIONS, balance, new_tx

# the fixtures of the Betsy tests
app, betsy, brand, new_player, player = (
    base.app,
    base.betsy,
    base.brand,
    base.new_player,
    base.player,
)

HUGE = "99999999999999999999"


def test_a_settle_beyond_the_columns_is_a_validation_error(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.settle(player, tx, Decimal(HUGE)).code() == 5
    assert betsy.settle(player, tx, HUGE).code() == 5
    assert betsy.place(player, new_tx(), Decimal(HUGE)).code() == 5
    assert balance(app, player) == Decimal("90.00")


def test_a_lone_surrogate_in_a_token_is_a_validation_error(app, betsy, player):
    assert betsy.profile("abcdefghij\ud800").code() == 5
    assert betsy.balance(player, token=player.token + "\ud800").code() == 5


@pytest.mark.parametrize("field", ["transactionId", "currency", "ticketType", "ip"])
def test_a_nul_character_in_a_field_is_a_validation_error(app, betsy, player, field):
    tx = new_tx()
    assert betsy.place(player, tx, **{field: "a\x00b"}).code() == 5
    assert balance(app, player) == Decimal("100.00")


def test_a_nul_character_in_metadata_is_a_validation_error(app, betsy, player):
    metadata = [{**SELECTIONS[0], "event": "Arsenal\x00Chelsea"}]
    assert betsy.place(player, new_tx(), metadata=metadata).code() == 5
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize(
    "change",
    [
        {"tournamentId": "7" * 101},
        {"eventId": "e" * 101},
        {"marketId": "m" * 101},
        {"coefficient": Decimal("100000000")},
        {"coefficient": Decimal("-2.5")},
        {"coefficient": "many"},
        {"coefficient": True},
    ],
)
def test_metadata_that_no_column_can_hold_is_a_validation_error(app, betsy, player, change):
    metadata = [{**SELECTIONS[0], **change}]
    assert betsy.place(player, new_tx(), metadata=metadata).code() == 5
    assert balance(app, player) == Decimal("100.00")


def test_a_bet_coefficient_that_no_column_can_hold_is_a_validation_error(app, betsy, player):
    assert betsy.place(player, new_tx(), coefficient=Decimal("1." + "1" * 30)).code() == 5
    assert betsy.place(player, new_tx(), coefficient=Decimal("0")).code() == 5
    assert balance(app, player) == Decimal("100.00")


def test_long_names_are_kept_cut_to_their_columns(app, betsy, player):
    long = {
        "tournamentId": "t-long",
        "tournament": "T" * 500,
        "eventId": "e-long",
        "event": "E" * 500,
        "market": "M" * 500,
        "outcome": "O" * 500,
        "stage": "S" * 50,
        "tournamentRegionCode": "R" * 50,
        "coefficient": Decimal("2.123456"),
    }
    tx = new_tx()
    betsy.place(player, tx, metadata=[{**SELECTIONS[0], **long}], ticketType="X" * 50).ok()
    with app.app_context():
        bet = db.session.query(SportsBet).filter_by(transaction_id=tx).one()
        (line,) = bet.selections
        assert (len(line.market), len(line.outcome), len(line.stage)) == (300, 300, 20)
        assert line.coefficient == Decimal("2.1235")
        assert len(bet.ticket_type) == 20
        assert len(db.session.get(SportsEvent, "e-long").title) == 300
        tournament = db.session.get(SportsTournament, "t-long")
        assert (len(tournament.name), len(tournament.country_code)) == (200, 20)


@pytest.mark.parametrize("user_id", ["²", "١", "99999999999999999999", "-1"])
def test_a_user_id_that_is_not_a_plain_player_id_is_a_validation_error(app, betsy, player, user_id):
    tx = new_tx()
    betsy.place(player, tx).ok()
    other = base.Who(user_id, player.token)
    assert betsy.settle(other, tx, Decimal("5.00")).code() == 5
    assert betsy.rollback(other, tx).code() == 5
    assert balance(app, player) == Decimal("90.00")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:00-01:00"])
def test_an_event_date_beyond_what_utc_can_hold_is_kept_empty(app, betsy, player, when):
    tx = new_tx()
    metadata = [{**SELECTIONS[0], "eventId": f"edge-{when[:4]}", "eventDate": when}]
    betsy.place(player, tx, metadata=metadata).ok()
    with app.app_context():
        assert db.session.get(SportsEvent, f"edge-{when[:4]}").start_date is None
