"""Languages, locale formats and time zones of the player door (Flask-Babel).

Every text of the player pages and mails is marked for gettext (`_()` in templates,
`gettext`/`lazy_gettext` in Python) and translated in `translations/<lang>/LC_MESSAGES/
messages.po`; `make translations` extracts new texts and compiles the catalogs, and
tests/test_translations.py fails while a text has no German translation or a compiled
catalog is stale. The back office (/admin) and the vendor doors stay English.

Which language a page is in: a logged-in player's own language setting; otherwise the
visitor's choice from the language switch (cookie `portal_lang`, a year); otherwise the
browser's Accept-Language among the brand's languages; otherwise the brand's default.
Times are shown in the player's time zone (a setting, UTC by default); exports stay UTC.

Mails are written in the recipient's language (`in_language_of(player)`), also when no
page asked for them (a vendor call, the CLI, the back office). Texts the core keeps in
code-keyed dicts for several doors are marked with `N_` (extracted, not translated there)
and translated where a page shows them (`gettext(WORDS[code])`).

Filters for the player pages: `amount` (a Decimal, or minor units with a currency:
`t.amount | amount(t.currency)`) and `when` (a moment, stored as naive UTC). Both are for
reading only: form inputs, CSV and JSON keep machine-readable values ("1234.50").
"""

from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, parse_decimal
from flask import Flask, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_time,
    get_locale,
)

LANGUAGE_COOKIE = "portal_lang"
SUPPORTED = ("en", "de")
DEFAULT = "en"
# The player door's blueprints (None: static files, unknown URLs); the others speak English.
PLAYER_BLUEPRINTS = ("player", "live", None)
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_language, timezone_selector=select_time_zone)
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["language_name"] = language_name
    app.jinja_env.globals["site_languages"] = site_languages


def site_languages() -> list[str]:
    """The languages the site offers: the site brand's, as far as catalogs exist."""
    from portal.accounts.errors import BrandNotFound
    from portal.player.blueprint import site_brand

    try:
        offered = site_brand().language_list
    except BrandNotFound:
        offered = [DEFAULT]
    return [code for code in offered if code in SUPPORTED] or [DEFAULT]


def select_language() -> str:
    if not has_request_context():
        return DEFAULT
    from flask_login import current_user

    if request.blueprint not in PLAYER_BLUEPRINTS:
        return DEFAULT  # back office, vendor doors: English
    if getattr(current_user, "is_authenticated", False):
        language = current_user.player.language
        if language in SUPPORTED:
            return language
    offered = site_languages()
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in offered:
        return cookie
    return request.accept_languages.best_match(offered) or offered[0]


def select_time_zone() -> str:
    if not has_request_context():
        return "UTC"
    from flask_login import current_user

    if getattr(current_user, "is_authenticated", False):
        zone = getattr(current_user.player, "time_zone", None)
        if zone:
            return zone
    return "UTC"


def page_language() -> str:
    return str(get_locale() or DEFAULT)


def language_name(code: str) -> str:
    """A language's name in itself ("Deutsch"), as a switch shows it."""
    return Locale.parse(code).get_display_name(code).capitalize()


def N_(text: str) -> str:  # noqa: N802 (gettext's conventional name for "mark only")
    """Marks a text for the catalogs without translating it here (see the docstring)."""
    return text


def player_language(player) -> str:
    """The language a player's pages and mails are in (one with a catalog)."""
    language = getattr(player, "language", None)
    return language if language in SUPPORTED else DEFAULT


@contextmanager
def in_language_of(player):
    """Texts rendered inside are in the player's language, with or without a request."""
    with force_locale(player_language(player)):
        yield


def amount(value, currency: str | None = None) -> str:
    """An amount in the page's locale with the digits it has (102.00 → "102,00" in
    German); never exponent notation. With a currency, `value` is in its minor units
    (1250 EUR → "12.50")."""
    if value is None:
        return ""
    if currency is not None:
        from portal import money

        value = money.from_minor(value, currency)
    value = Decimal(value)
    places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=get_locale() or DEFAULT)


def typed_amount(text) -> str:
    """What a player typed as an amount, as a plain decimal ("10,50" on a German page ->
    "10.50"; "1.234,50" -> "1234.50"). A plain decimal ("10.50") is taken as it is in every
    language; what is neither is returned unchanged, for the core to refuse in words."""
    typed = str(text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not typed or typed.replace(".", "", 1).lstrip("-").isdigit():
        return typed
    locale = get_locale() or DEFAULT
    if get_decimal_symbol(locale) != ",":
        return typed
    try:
        return format(parse_decimal(typed, locale=locale, strict=True), "f")
    except NumberFormatError:
        return typed


def when(value: datetime | None, style: str = "medium") -> str:
    """A moment (stored as naive UTC) in the page's locale and the player's time zone.
    `style`: Babel's short/medium/long/full, or "minutes" (the medium date with the time
    to the minute: "Dec 1, 2026, 1:16 PM", "01.12.2026, 13:16")."""
    if value is None:
        return ""
    if style == "minutes":
        joined = (get_locale() or Locale.parse(DEFAULT)).datetime_formats["medium"]
        return joined.format(format_time(value, "short"), format_date(value, "medium"))
    return format_datetime(value, style)


def day(value: datetime | None, style: str = "medium") -> str:
    """The day of a moment (naive UTC) in the page's locale and the player's time zone."""
    if value is None:
        return ""
    return format_date(value, style)


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones a player may choose (read once: the list is read from disk)."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))


def valid_time_zone(name: str) -> bool:
    if name not in time_zones():
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True
