"""gunicorn settings for the portal; `gunicorn app:app` reads this file from the working
directory (the repository root). Flags on the command line override it.

BETCORE may send its RS256 JWT in the Authorization header. gunicorn's default limit of
8190 bytes per header would answer a larger one with its own HTML 431 page; the portal
accepts tokens up to 16 KiB and answers anything longer in BETCORE's envelope, so the
limit here is well above both.
"""

limit_request_field_size = 65_536

# --- logs ------------------------------------------------------------------------------
# Mail links carry secrets in their query (?hash=, ?token=), and a page opened from one
# sends its URL as the Referer of the next request: every atom of an access-log line goes
# through portal.redaction (secret query values replaced), headers that carry credentials
# are never written, whatever access_log_format names, and the error log's URIs ("Error
# handling request /reset-password?hash=...") are redacted too.

from gunicorn.glogging import Logger  # noqa: E402

from portal.redaction import REDACTED, REDACTING_FILTER, redact  # noqa: E402

SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-auth-token", "x-sign-jws")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(REDACTING_FILTER)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key[:1] == "{" and key[1:-2] in SECRET_HEADERS:
                atoms[key] = REDACTED
            elif key.startswith("{http_") and key[6:-2].replace("_", "-") in SECRET_HEADERS:
                atoms[key] = REDACTED  # the same headers as environ variables (%({...}e)s)
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


logger_class = RedactingLogger


# --- rate limits -----------------------------------------------------------------------
# Flask-Limiter's memory:// storage counts per process: with several workers each one
# allows the whole limit. Say so at start-up when the setting would multiply the limit.


def on_starting(server):
    import os

    storage = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    if storage.startswith("memory://") and server.cfg.workers > 1:
        server.log.warning(
            "RATELIMIT_STORAGE_URI is %s with %d workers: each worker counts the login "
            "limit on its own; set it to a shared store such as redis://127.0.0.1:6379/0",
            storage,
            server.cfg.workers,
        )
