from decimal import Decimal

import pytest

from portal.money import (
    InvalidAmount,
    UnknownCurrency,
    digits,
    format_amount,
    from_minor,
    is_currency,
    parse_amount,
    to_minor,
)


@pytest.mark.parametrize(
    ("currency", "places"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("BTC", 8), ("USDT", 8)]
)
def test_digits(currency, places):
    assert digits(currency) == places


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "DEM", "eur", "EURO", "", None])
def test_not_currencies(code):
    assert not is_currency(code)


def test_unknown_currency_has_no_digits():
    with pytest.raises(UnknownCurrency):
        digits("XXX")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("12.50", "EUR", 1250), ("12.5", "EUR", 1250), ("12.500", "EUR", 1250), ("100", "JPY", 100),
     ("0.00000001", "BTC", 1), ("-3.10", "EUR", -310), (" 7 ", "KWD", 7000)],
)  # fmt: skip
def test_parse_and_convert(text, currency, minor):
    assert to_minor(parse_amount(text, currency), currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.234", "EUR"), ("0.1", "JPY"), ("0.000000001", "BTC"), ("1E+2", "EUR"), ("nan", "EUR"),
     ("Infinity", "EUR"), ("", "EUR"), ("1,50", "EUR"), (1.5, "EUR"), (True, "EUR")],
)  # fmt: skip
def test_refused_amounts(text, currency):
    with pytest.raises(InvalidAmount):
        parse_amount(text, currency)


def test_minor_units_back_to_decimal_keep_the_currency_digits():
    assert from_minor(1250, "EUR") == Decimal("12.50")
    assert format_amount(1250, "EUR") == "12.50"
    assert format_amount(5, "JPY") == "5"
    assert format_amount(1, "BTC") == "0.00000001"
    assert format_amount(-310, "EUR") == "-3.10"


@pytest.mark.parametrize("text", ["١٠٠", "٠", "１０", "1٫5", "१.00"])
def test_only_ascii_digits_make_an_amount(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text, "EUR")
