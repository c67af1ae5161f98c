"""JSON for every door: Decimal amounts become exact JSON numbers (936.04, never via float),
and keys keep the order the protocols document."""

import re
from decimal import Decimal

import simplejson
from flask.json.provider import DefaultJSONProvider


class PortalJSONProvider(DefaultJSONProvider):
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return simplejson.dumps(obj, use_decimal=False, **kwargs)

    def loads(self, s, **kwargs):
        # Numbers with a fraction arrive as Decimal, so no amount ever becomes a float.
        return simplejson.loads(s, use_decimal=True, **kwargs)

    @staticmethod
    def default(o):
        if isinstance(o, Decimal):
            return simplejson.RawJSON(format(o, "f"))  # 0.00000001, not 1E-8
        return DefaultJSONProvider.default(o)


def unstorable_text(value, name: str = "") -> tuple[str, str] | None:
    """(field name, what is wrong) for the first string of a parsed JSON value, key or value,
    that no database column can hold as text: a NUL character (JSON's \\u0000) or a lone
    surrogate (\\ud800 without its pair). None when every string is clean.

    Every door that reads JSON refuses such input in its own protocol before using it."""
    if isinstance(value, str):
        if "\x00" in value:
            return name, "contains a NUL character"
        if _LONE_SURROGATE.search(value):
            return name, "contains an invalid character (a lone UTF-16 surrogate)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = unstorable_text(key, str(key)) or unstorable_text(item, name or str(key))
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            if found := unstorable_text(item, name):
                return found
    return None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
