"""JSON for every door: Decimal amounts become exact JSON numbers (936.04, never via float),
and keys keep the order the protocols document."""

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
