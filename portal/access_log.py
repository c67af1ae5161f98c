"""gunicorn's access and error logs without secrets (gunicorn.conf.py: `logger_class`).

Mail links carry secrets in their query (?hash=, ?token=), and a page opened from one sends
its URL as the Referer of the next request. Every URL-like value written goes through
portal.redaction (secret query values replaced); headers that carry credentials are never
written; the error log's URIs ("Error handling request /reset-password?hash=...") are
redacted too.

ACCESS_LOG_FORMAT chooses the access log's shape:

- ``json`` (the default): one JSON object per request and line, for log collectors:
  ``{"time", "method", "path", "status", "bytes", "duration_ms", "remote_addr",
  "user_agent", "referer", "request_id"}``. ``path`` is the request target as sent (query
  included, redacted); ``remote_addr`` is the client as TRUSTED_PROXIES resolves it (the
  app's ProxyFix rewrites the request's REMOTE_ADDR before the line is written);
  ``request_id`` is the load balancer's ``X-Request-ID`` header, when it sends one.
- ``text``: gunicorn's ``access_log_format`` (Apache's combined format plus the duration),
  every atom redacted.
"""

import json
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger

from portal.redaction import REDACTED, REDACTING_FILTER, redact

FORMATS = ("json", "text")
SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-auth-token", "x-sign-jws")
TEXT_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
MAX_FIELD = 1000  # characters kept of a client-chosen text (target, user agent, referer, id)


def chosen_format() -> str:
    """ACCESS_LOG_FORMAT from the environment: "json" (default) or "text"."""
    value = (os.environ.get("ACCESS_LOG_FORMAT") or "json").strip().lower()
    if value not in FORMATS:
        raise ValueError(f"ACCESS_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


class RedactingLogger(Logger):
    """gunicorn's Logger, with redaction and the JSON access line."""

    def setup(self, cfg):
        super().setup(cfg)
        self.json_lines = chosen_format() == "json"
        self.error_log.addFilter(REDACTING_FILTER)

    def access(self, resp, req, environ, request_time):
        if not self.json_lines:
            super().access(resp, req, environ, request_time)
            return
        if not getattr(self, "access_log_enabled", True):  # gunicorn >= 24 knows it
            return
        try:
            self.access_log.info(json.dumps(access_record(resp, req, environ, request_time)))
        except Exception:
            self.exception("could not write the access log line")

    def atoms(self, resp, req, environ, request_time):
        """The text format's atoms: credential headers never, every other value redacted."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key[:1] == "{" and key[1:-2] in SECRET_HEADERS:
                atoms[key] = REDACTED
            elif key.startswith("{http_") and key[6:-2].replace("_", "-") in SECRET_HEADERS:
                atoms[key] = REDACTED  # the same headers as environ variables (%({...}e)s)
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


def access_record(resp, req, environ, request_time) -> dict:
    """One request as a JSON-ready dict; every client-chosen text redacted and bounded."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "method": environ.get("REQUEST_METHOD"),
        "path": _text(environ.get("RAW_URI") or environ.get("PATH_INFO")),
        "status": int(status),
        "bytes": getattr(resp, "sent", None) or 0,
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "remote_addr": environ.get("REMOTE_ADDR"),
        "user_agent": _text(environ.get("HTTP_USER_AGENT")),
        "referer": _text(environ.get("HTTP_REFERER")),
        "request_id": _text(_request_id(req)),
    }


def _request_id(req) -> str | None:
    for name, value in getattr(req, "headers", ()):
        if name.upper() == "X-REQUEST-ID":
            return value
    return None


def _text(value: str | None) -> str | None:
    return redact(value[:MAX_FIELD]) if value else None
