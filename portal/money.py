"""Currencies and amounts: Decimal at the edges, integer minor units in the database.

Fiat currencies are those legal tender today, with their ISO 4217 digits, from babel's
CLDR data; the cryptocurrencies of seed 003 have 8 decimals. Amounts are parsed from
strings and never pass through float.
"""

import re
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_precision, get_territory_currencies

# fmt: off
CRYPTO_CURRENCIES = frozenset({
    "BTC", "ETH", "USDT", "BNB", "SOL", "USDC", "XRP", "DOGE", "TON", "ADA",
    "SHIB", "AVAX", "TRX", "DOT", "LINK", "BCH", "UNI", "MATIC", "LTC", "NEAR",
})
# fmt: on
CRYPTO_DIGITS = 8
# The largest amount of one movement, in minor units: 10 trillion EUR, 10 million BTC.
# Balances and sums of many such amounts stay far inside the 64-bit columns.
MAX_MINOR_UNITS = 10**15
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]{1,30}(\.[0-9]{1,30})?")  # ASCII digits only


def _legal_tender() -> frozenset[str]:
    """ISO 4217 currencies that are legal tender in some territory today (CLDR): no
    withdrawn currencies (DEM), metals (XAU), funds or test codes (XXX, XTS)."""
    codes: set[str] = set()
    for territory in Locale("en").territories:
        codes.update(get_territory_currencies(territory, tender=True, non_tender=False))
    return frozenset(codes)


_FIAT = _legal_tender()


class InvalidAmount(ValueError):
    """An amount that is not a plain decimal number in its currency's digits."""


class UnknownCurrency(ValueError):
    """A currency code that is neither ISO 4217 nor in the supported crypto list."""


def is_currency(code: str) -> bool:
    return isinstance(code, str) and (code in CRYPTO_CURRENCIES or code in _FIAT)


@cache
def digits(currency: str) -> int:
    """How many decimals the currency has (EUR 2, JPY 0, KWD 3, BTC 8); looked up once per
    currency (babel's data is slow to ask per row of a feed of millions)."""
    if currency in CRYPTO_CURRENCIES:
        return CRYPTO_DIGITS
    if currency in _FIAT:
        return get_currency_precision(currency)
    raise UnknownCurrency(currency)


def parse_amount(text, currency: str) -> Decimal:
    """A Decimal from a string (or int/Decimal); refuse floats, NaN, and extra decimals."""
    if isinstance(text, bool | float):
        raise InvalidAmount("amounts must be given as strings, not floats")
    if not _PLAIN_DECIMAL.fullmatch(str(text).strip()):
        raise InvalidAmount(f"not a plain decimal number: {text!r}")
    amount = Decimal(str(text).strip())
    places = digits(currency)
    if -amount.normalize().as_tuple().exponent > places:  # trailing zeros are fine
        raise InvalidAmount(f"{currency} has {places} decimals: {text!r}")
    if abs(amount).scaleb(places) > MAX_MINOR_UNITS:
        raise InvalidAmount(f"too large: {text!r}")
    return amount


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal -> integer minor units; exact or an error, never rounded."""
    scaled = amount.scaleb(digits(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units -> Decimal with the currency's decimals (12.50, not 12.5)."""
    places = digits(currency)
    return (Decimal(minor).scaleb(-places)).quantize(Decimal(1).scaleb(-places))


def format_amount(minor: int, currency: str) -> str:
    """The plain decimal string vendors expect: '12.50', '0.00000001' (never '1E-8')."""
    return format(from_minor(minor, currency), "f")
