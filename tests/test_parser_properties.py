"""Properties (hypothesis) of the parsers of outside input.

- amounts (portal/money.py): format -> parse -> minor units round trips; exponent
  notation, floats, too many decimals, non-ASCII digits and inner whitespace refused; signs
  and surrounding whitespace mean what they say; no accepted amount leaves the database's
  BigInteger range once in minor units (also through wallet.minor_units, which the vendor
  doors call);
- identifiers: BETCORE's BetId/CashbackId/TagId/PartnerUserId (portal/casino/operations.py)
  and Betsy's userId/transactionId/player ids (portal/sportsbook/operations.py): any JSON
  value is either an id in range or the door's own refusal, never another exception;
- timestamps: Betsy's eventDate (portal/sportsbook/selections.py ``moment``);
- bet strings (portal/coupons/betstrings.py, what the slip and the line accept): a written
  bet string parses to itself, and any value parses or raises BadBetString.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal import money
from portal.casino import operations as casino
from portal.casino.betcore import BetcoreError
from portal.coupons.betstrings import MAX_ODDS, BadBetString, BetString, parse
from portal.sportsbook import operations as sportsbook
from portal.sportsbook.betsy import BetsyError
from portal.sportsbook.selections import moment
from tests.harness import hypothesis_printing

hypothesis_printing.restore()  # see tests/harness/hypothesis_printing.py

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "BTC", "USDT"])
NON_ASCII_DIGITS = st.characters(categories=["Nd", "No"]).filter(lambda c: not c.isascii())
ASCII_WHITESPACE = st.text(" \t\n\r", min_size=1, max_size=3)


def written(minor: int, currency: str, trim: bool, zeros: int) -> str:
    """An amount as a vendor may write it: 12.50, 12.5, 0012.50."""
    text = format(money.from_minor(minor, currency), "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" * zeros + text


def amounts(currency: str):
    """Valid amounts of the currency: at most its decimals, at most MAX_MINOR_UNITS."""
    return st.builds(
        written,
        st.integers(0, money.MAX_MINOR_UNITS),
        st.just(currency),
        st.booleans(),
        st.integers(0, 2),
    )


AMOUNTS = CURRENCIES.flatmap(lambda c: st.tuples(st.just(c), amounts(c)))
DIGIT_STRINGS = st.builds(
    lambda integer, fraction: integer + (f".{fraction}" if fraction else ""),
    st.text("0123456789", min_size=1, max_size=40),
    st.text("0123456789", max_size=12),
)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=False),
    st.text(),
    st.from_regex(r"-?[0-9]{0,25}", fullmatch=True),
    st.text(NON_ASCII_DIGITS, min_size=1, max_size=12),
    st.sampled_from(["²", "١٢٣", "１２", " 1", "1 ", "+1", "0", "00", "1e3", "abc\ud800def"]),
)
JSON_VALUES = st.one_of(
    JSON_SCALARS,
    st.lists(JSON_SCALARS, max_size=2),
    st.dictionaries(st.text(max_size=3), JSON_SCALARS, max_size=2),
)


# --- amounts ----------------------------------------------------------------------------------


@given(CURRENCIES, st.integers(0, money.MAX_MINOR_UNITS))
def test_minor_units_format_parse_round_trip(currency, minor):
    text = money.format_amount(minor, currency)
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)?", text)  # plain: never 1E-8
    assert money.to_minor(money.parse_amount(text, currency), currency) == minor
    assert money.parse_amount(text, currency) == money.from_minor(minor, currency)


@given(AMOUNTS)
def test_parse_to_minor_and_back_keep_the_value(given_amount):
    currency, text = given_amount
    value = money.parse_amount(text, currency)
    assert value == Decimal(text)
    assert money.from_minor(money.to_minor(value, currency), currency) == value


@given(CURRENCIES, st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,3})?[eE][+-]?[0-9]{1,3}", fullmatch=True))
def test_exponent_notation_is_refused(currency, text):
    with pytest.raises(money.InvalidAmount):
        money.parse_amount(text, currency)


@given(CURRENCIES, st.floats())
def test_floats_are_refused(currency, number):
    with pytest.raises(money.InvalidAmount):
        money.parse_amount(number, currency)


@given(CURRENCIES, st.integers(0, 10**9), st.integers(1, 5), st.integers(1, 9))
def test_more_decimals_than_the_currency_has_are_refused(currency, whole, extra, last):
    places = money.digits(currency) + extra
    text = f"{whole}.{'0' * (places - 1)}{last}"
    with pytest.raises(money.InvalidAmount):
        money.parse_amount(text, currency)


@given(AMOUNTS)
def test_signs_mean_what_they_say(given_amount):
    currency, text = given_amount
    value = money.parse_amount(text, currency)
    assert money.parse_amount(f"+{text}", currency) == value
    assert money.parse_amount(f"-{text}", currency) == -value


@given(AMOUNTS, ASCII_WHITESPACE, ASCII_WHITESPACE)
def test_surrounding_whitespace_is_ignored_inner_whitespace_refused(given_amount, left, right):
    currency, text = given_amount
    assert money.parse_amount(f"{left}{text}{right}", currency) == money.parse_amount(
        text, currency
    )
    if len(text) > 1:
        with pytest.raises(money.InvalidAmount):
            money.parse_amount(f"{text[0]}{left}{text[1:]}", currency)


@given(CURRENCIES, st.text(NON_ASCII_DIGITS, min_size=1, max_size=8), st.booleans())
def test_non_ascii_digits_are_refused(currency, digits, with_ascii):
    """ "١٢٣" is not "123": a vendor amount is ASCII digits (str.isdigit and Decimal accept
    Arabic-Indic or full-width digits; a plain decimal must not)."""
    text = f"1{digits}" if with_ascii else digits
    with pytest.raises(money.InvalidAmount):
        money.parse_amount(text, currency)


@given(CURRENCIES, st.one_of(st.text(), DIGIT_STRINGS, DIGIT_STRINGS.map("-".__add__)))
def test_any_text_is_an_amount_in_range_or_refused(currency, text):
    """Never another exception, and nothing accepted overflows a BigInteger column once in
    minor units (99999999999999999999 EUR must be refused, not crash the database)."""
    try:
        value = money.parse_amount(text, currency)
    except money.InvalidAmount:
        return
    assert BIGINT_MIN <= money.to_minor(value, currency) <= BIGINT_MAX


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_vendor_amounts_are_positive_minor_units_in_range_or_refused(ctx, make_player):
    """wallet.minor_units, which BETCORE's and Betsy's amounts go through."""
    from portal.accounts.models import Player
    from portal.extensions import db
    from portal.wallet import errors as wallet_errors
    from portal.wallet import operations as wallet

    player = db.session.get(Player, make_player())

    @settings(max_examples=100)
    @given(st.sampled_from(["EUR", "USD"]), st.one_of(JSON_SCALARS, DIGIT_STRINGS), st.booleans())
    def check(currency, amount, allow_zero):
        try:
            minor = wallet.minor_units(player, currency, amount, allow_zero=allow_zero)
        except (wallet_errors.InvalidAmount, wallet_errors.CurrencyNotAllowed):
            return
        assert (0 if allow_zero else 1) <= minor <= BIGINT_MAX

    check()


# --- BETCORE identifiers -----------------------------------------------------------------------


def refused_with(code, function, *args):
    """The value `function` returns, or None when it refused with BetcoreError `code`."""
    try:
        return function(*args)
    except BetcoreError as exc:
        assert exc.code == code, (args, exc.code)
        return None


@given(JSON_VALUES)
def test_bet_id_is_a_positive_64_bit_integer_or_100400(value):
    """BetId and CashbackId."""
    bet_id = refused_with(100400, casino._bet_id, value)
    assert bet_id is None or (type(bet_id) is int and 0 < bet_id <= BIGINT_MAX)


@given(st.integers(1, BIGINT_MAX))
def test_bet_ids_in_range_read_as_themselves(number):
    assert casino._bet_id(number) == casino._bet_id(str(number)) == number


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=BIGINT_MAX + 1)))
def test_bet_ids_out_of_range_are_refused(number):
    for value in (number, str(number)):
        assert refused_with(100400, casino._bet_id, value) is None


@given(JSON_VALUES)
def test_tag_id_is_absent_or_a_64_bit_integer_or_100400(value):
    tag = refused_with(100400, casino._tag, value)
    assert tag is None or (type(tag) is int and 0 <= tag <= BIGINT_MAX)
    if value is None:
        assert tag is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_partner_user_id_is_a_player_or_102145(ctx, make_player):
    player_id = make_player()

    @settings(max_examples=100)
    @given(st.one_of(JSON_VALUES, st.just(player_id), st.just(str(player_id))))
    def check(value):
        player = refused_with(102145, casino.find_player, value)
        if player is not None:
            assert player.id == player_id and str(value) == str(player_id)

    check()


# --- Betsy identifiers -------------------------------------------------------------------------


def betsy_refused(codes, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except BetsyError as exc:
        assert exc.code in codes, (args, exc.code)
        return None


@given(JSON_VALUES)
def test_betsy_user_id_is_a_nonempty_string_or_5(value):
    user_id = betsy_refused({5}, sportsbook._user_id, {"userId": value})
    assert user_id is None or (isinstance(user_id, str) and user_id)


@given(JSON_VALUES)
def test_betsy_transaction_id_is_1_to_64_characters_or_5(value):
    text = betsy_refused({5}, sportsbook._text, {"transactionId": value}, "transactionId", 64)
    assert text is None or (isinstance(text, str) and 0 < len(text) <= 64)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_betsy_player_id_is_a_player_or_5(ctx, make_player):
    """The userId of settle, unsettle and rollback, read as our player id."""
    player_id = make_player()

    @settings(max_examples=100)
    @given(st.one_of(JSON_VALUES, st.just(player_id), st.just(str(player_id))))
    def check(value):
        player = betsy_refused({5, 9, 14}, sportsbook._player, value)
        if player is not None:
            assert player.id == player_id and str(value) == str(player_id)

    check()


# --- timestamps --------------------------------------------------------------------------------


@given(st.one_of(JSON_VALUES, st.datetimes().map(datetime.isoformat)))
def test_event_date_is_a_naive_utc_moment_or_none(value):
    when = moment(value)
    assert when is None or (isinstance(when, datetime) and when.tzinfo is None)


OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(timezones=OFFSETS))
@example(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))
@example(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-1))))
def test_event_dates_with_an_offset_are_read_as_utc(aware):
    """Any ISO 8601 moment with an offset (Betsy sends Z or +hh:mm): the same instant in
    UTC, or None when that instant is outside what a datetime holds (year 1 at +01:00)."""
    try:
        expected = aware.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        expected = None
    assert moment(aware.isoformat()) == expected
    if aware.utcoffset() == timedelta(0):
        assert moment(aware.replace(tzinfo=None).isoformat() + "Z") == expected


# --- bet strings -------------------------------------------------------------------------------

PART = st.builds(
    lambda minus, integer, fraction: f"{minus}{integer}{fraction}",
    st.sampled_from(["", "-"]),
    st.integers(0, 10**8),
    st.sampled_from(["", ".5", ".25", ".0", ".75"]),
)
ODDS = st.integers(0, 4).flatmap(  # written with 0 to 4 decimals, in (1, MAX_ODDS]
    lambda places: st.integers(10**places + 1, int(MAX_ODDS) * 10**places).map(
        lambda units: format(Decimal(units).scaleb(-places), "f")
    )
)
BETS = st.builds(
    BetString,
    event_type=st.sampled_from(["line", "live"]),
    match_id=st.integers(1, 2**63 - 1).map(str),
    bet_code=st.lists(PART, min_size=1, max_size=10).map("|".join),
    odds=ODDS,
)
NEAR_BETS = st.from_regex(
    r"(line|live|LINE|lines|)#?[0-9٠-٩²]{0,21}(\|[-0-9.٣ eE]{0,9}){0,11}#?[-+0-9.eE ]{0,10}#?",
    fullmatch=True,
)


@given(BETS)
def test_a_written_bet_string_parses_to_itself(bet):
    text = str(bet)
    assert parse(text) == bet and str(parse(text)) == text
    assert text.isascii() and " " not in text


@given(st.one_of(st.text(), NEAR_BETS, BETS.map(str).map(lambda t: t + " ")))
def test_any_string_parses_or_raises_bad_bet_string(text):
    try:
        bet = parse(text)
    except BadBetString as exc:
        assert isinstance(exc, ValueError) and str(exc)
        return
    assert text.isascii() and len(text) <= 200 and " " not in text
    assert bet.event_type in ("line", "live") and bet.match_id.isdigit()
    assert 1 < bet.odds_value <= MAX_ODDS and bet.bet_code
    assert parse(str(bet)) == bet and str(bet) == text


@given(JSON_VALUES)
def test_anything_but_a_string_is_refused(value):
    if not isinstance(value, str):
        with pytest.raises(BadBetString):
            parse(value)


def test_the_seeds_examples_parse():
    assert parse("line#586464528|17|954|2.5#4.27") == BetString(
        "line", "586464528", "17|954|2.5", "4.27"
    )
    live = parse("live#579216393|1|1|0#2.1")
    assert live.event_type == "live" and live.bet_code == "1|1|0"
    assert live.odds_value == Decimal("2.1")
    assert str(parse("live#586464528|87|4|0#1.12")) == "live#586464528|87|4|0#1.12"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("line#586464528|17#1", "above 1"),
        ("line#586464528|17#1e5", "a decimal such as 4.27"),
        ("line#586464528|17#4.27 ", "a decimal such as 4.27"),
        ("line#586464528|17#4.00001", "a decimal such as 4.27"),
        ("line#586464528|17#-4.27", "a decimal such as 4.27"),
        ("line#5٨6|17#4.27", "digits only"),
        ("line#586464528#4.27", "a bet code must follow"),
        ("line#586464528||#4.27", "pipe-separated parts"),
        ("bet#586464528|17#4.27", "line or live"),
        ("line#586464528|17|4.27", "event_type#match_ID|bet_code#odds"),
        ("line#586464528|17#100001", "at most 100000"),
    ],
)
def test_refusals_say_why(text, reason):
    with pytest.raises(BadBetString, match=re.escape(reason)):
        parse(text)
