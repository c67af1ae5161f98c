"""Keep secrets out of access logs: the query parameters and path segments that carry them.

Mail links carry secrets in their query (`/reset-password?hash=`, `/verify-email?token=`,
the gateway's `verify/password?hash=`), and so do the vendor frames' URLs (`?token=`). The
CRM campaigns' login links carry theirs in the path (`/auto-login/<token>`).
The development server's request log (portal.devserver) and gunicorn's access log
(gunicorn.conf.py) pass every URL they write through ``redact``.
"""

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# A parameter is secret when its name (decoded, any case) contains one of these.
SECRET_NAME_PARTS = ("token", "secret", "password", "passwd", "key", "hash", "jwt", "signature")
# name=value after the start of the text, "?", "&" or ";" (a query string, a request line,
# a Referer). The value stops at the next separator, space, quote or fragment.
_PARAMETER = re.compile(r"(?P<lead>^|[?&;])(?P<name>[^=&;?#\s\"']+)=(?P<value>[^&;#\s\"']*)")
# A path segment that is a secret: what follows these prefixes, up to the next separator.
_SECRET_SEGMENT = re.compile(r"(?P<lead>/auto-login/)[^/?#\s\"']+")


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
