"""Keep secrets out of access logs: the query parameters and path segments that carry them.

Mail links carry secrets in their query (`/reset-password?hash=`, `/verify-email?token=`,
the gateway's `verify/password?hash=`), and so do the vendor frames' URLs (`?token=`). The
CRM campaigns' login links carry theirs in the path (`/auto-login/<token>`).
The development server's request log (portal.devserver) and gunicorn's access log
(gunicorn.conf.py) pass every URL they write through ``redact``.

The vendor traffic log (portal.traffic) keeps request and response bodies through
``mask_body``, which applies the same rule to JSON keys and form fields (plus card data),
and masks JWTs and card numbers wherever they appear. The cashier's card masking
(portal.payments.providers) is the one defined here.
"""

import json
import logging
import re
from urllib.parse import parse_qsl, unquote_plus

REDACTED = "[redacted]"
# A parameter is secret when its name (decoded, any case) contains one of these.
SECRET_NAME_PARTS = ("token", "secret", "password", "passwd", "key", "hash", "jwt", "signature")
# name=value after the start of the text, "?", "&" or ";" (a query string, a request line,
# a Referer). The value stops at the next separator, space, quote or fragment.
_PARAMETER = re.compile(r"(?P<lead>^|[?&;])(?P<name>[^=&;?#\s\"']+)=(?P<value>[^&;#\s\"']*)")
# A path segment that is a secret: what follows these prefixes, up to the next separator
# (the CRM's login links; the coupon service's results webhook, /betcalc/<secret>/api/...).
_SECRET_SEGMENT = re.compile(r"(?P<lead>/auto-login/|/betcalc/)[^/?#\s\"']+")


def is_secret_name(name: str) -> bool:
    decoded = unquote_plus(name).casefold()
    return any(part in decoded for part in SECRET_NAME_PARTS)


def redact(text: str) -> str:
    """`text` with the value of every secret-bearing query parameter and path segment
    replaced."""
    text = _SECRET_SEGMENT.sub(rf"\g<lead>{REDACTED}", text)
    if "=" not in text:
        return text

    def replace(match: re.Match) -> str:
        if not match["value"] or not is_secret_name(match["name"]):
            return match[0]
        return f"{match['lead']}{match['name']}={REDACTED}"

    return _PARAMETER.sub(replace, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts a record's string arguments (or, for a record
    without arguments, its message), e.g. gunicorn's "Error handling request <uri>"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif not record.args and isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


REDACTING_FILTER = RedactingFilter()


# --- bodies of vendor calls (the vendor traffic log, portal.traffic) -------------------------

# A key of a JSON body (or form field) is secret by the same rule as a query parameter;
# card data by these names too.
CARD_NAME_PARTS = ("card", "pan", "cvv", "cvc", "expiry", "requisite")
# A JWT or compact JWS (three base64url parts, the first a JSON header) anywhere in a text.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
# A run of 13 to 19 digits (spaces or dashes allowed): a card number.
_CARD_NUMBER = re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")
BODY_LIMIT = 20_000  # characters of a body kept in the log


def mask_card_number(number: str) -> str:
    """A card number as it may be stored or shown: its first six and last four digits."""
    digits = "".join(c for c in number if c.isdigit())
    return digits[:6] + "*" * max(len(digits) - 10, 0) + digits[-4:]


def masked_card_numbers(text: str) -> str:
    """`text` with any run of 13 to 19 digits (a card number) masked to 6 + 4 digits."""
    return _CARD_NUMBER.sub(lambda found: mask_card_number(found.group()), text)


def is_secret_field(name: str) -> bool:
    lowered = name.casefold()
    return is_secret_name(name) or any(part in lowered for part in CARD_NAME_PARTS)


def mask_value(value):
    """A decoded JSON value with every secret field's value replaced (recursively), and
    JWTs and card numbers masked in every string."""
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret_field(str(key)) and value[key] else mask_value(value[key])
            for key in value
        }
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_text(text: str) -> str:
    """Free text (an error, a URL, a body that is not JSON): secret parameters, JWTs and
    card numbers masked."""
    return masked_card_numbers(_JWT.sub("[redacted jwt]", redact(text)))


def mask_body(body: bytes | str | None, mimetype: str = "") -> str | None:
    """A request or response body as the vendor traffic log keeps it: JSON with its secret
    fields masked, a form with its secret fields masked, any other text masked as text;
    at most BODY_LIMIT characters."""
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text:
        return ""
    stripped = text.lstrip()
    masked = None
    if stripped[:1] in ("{", "["):
        try:
            masked = json.dumps(mask_value(json.loads(text)), ensure_ascii=False)
        except ValueError:
            masked = None
    if masked is None and "form-urlencoded" in mimetype:
        pairs = parse_qsl(text, keep_blank_values=True)
        masked = "&".join(
            f"{name}={REDACTED if is_secret_field(name) and value else mask_text(value)}"
            for name, value in pairs
        )
    if masked is None:
        masked = mask_text(text)
    if len(masked) > BODY_LIMIT:
        masked = masked[:BODY_LIMIT] + f"… [{len(masked) - BODY_LIMIT} more characters]"
    return masked
