"""gunicorn settings for the portal; `gunicorn app:app` reads this file from the working
directory (the repository root). Flags on the command line override it.

Every value comes from the environment (the README's configuration table), with defaults
measured on the development machine (see the README's "Production serving"):

    WEB_BIND              127.0.0.1:8000   address(es) to listen on, comma-separated
    WEB_CONCURRENCY       CPUs (at least 2) worker processes (gunicorn's own variable)
    WEB_WORKER_CLASS      gthread          sync | gthread
    WEB_THREADS           8                threads per worker (gthread)
    WEB_TIMEOUT           30               seconds a silent worker lives before it is killed
    WEB_GRACEFUL_TIMEOUT  30               seconds a worker gets to finish after SIGTERM
    WEB_KEEPALIVE         5                seconds an idle keep-alive connection stays open
    WEB_ACCESS_LOG        -                access log: a file, "-" (standard output) or "off"
    WEB_CONTROL_SOCKET    (off)            path of gunicornc's control socket (gunicorn >= 25.1)
    ACCESS_LOG_FORMAT     json             json | text (portal/access_log.py)

The database pool of each worker process is sized from WEB_THREADS as well
(portal/config.py: DATABASE_POOL_SIZE).
"""

import os

from portal import access_log
from portal.config import web_threads


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# --- processes ---------------------------------------------------------------------------
# gthread: a request mostly waits for PostgreSQL, and a login's Argon2 hash runs without
# the GIL in a low-priority thread of its own (portal/accounts/hashing.py), so a worker's
# other threads keep answering vendors while logins hash or wait for their turn. Enough
# threads that a burst of logins does not take them all; about one process per CPU.

bind = [address.strip() for address in os.environ.get("WEB_BIND", "127.0.0.1:8000").split(",")]
workers = _int("WEB_CONCURRENCY", max(2, os.cpu_count() or 1))
worker_class = os.environ.get("WEB_WORKER_CLASS") or "gthread"
threads = 1 if worker_class == "sync" else web_threads()  # (gunicorn: sync + threads = gthread)
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("WEB_KEEPALIVE", 5)

# gunicorn >= 25.1 opens a control socket for `gunicornc`, by default at one path per user
# ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), which a second instance on the same host
# takes over. Off unless WEB_CONTROL_SOCKET names a path of this instance's own.
_control_socket = os.environ.get("WEB_CONTROL_SOCKET")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket

# BETCORE may send its RS256 JWT in the Authorization header. gunicorn's default limit of
# 8190 bytes per header would answer a larger one with its own HTML 431 page; the portal
# accepts tokens up to 16 KiB and answers anything longer in BETCORE's envelope, so the
# limit here is well above both.
limit_request_field_size = 65_536

# --- logs --------------------------------------------------------------------------------
# Secrets never reach the logs: see portal/access_log.py. The access log goes to
# WEB_ACCESS_LOG: a file, "-" (standard output, the default) or "off".

access_log.chosen_format()  # an unknown ACCESS_LOG_FORMAT stops the start here
logger_class = access_log.RedactingLogger
access_log_format = access_log.TEXT_FORMAT  # ACCESS_LOG_FORMAT=text
_access_log = os.environ.get("WEB_ACCESS_LOG") or "-"
accesslog = None if _access_log == "off" else _access_log


# --- warnings at start-up ----------------------------------------------------------------


def on_starting(server):
    """Say so when a setting would break the promise of stateless app servers."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    if storage.startswith("memory://") and server.cfg.workers > 1:
        server.log.warning(
            "RATELIMIT_STORAGE_URI is %s with %d workers: each worker counts the login "
            "limit on its own (and so does each instance); set it to a shared store such "
            "as redis://127.0.0.1:6379/0",
            storage,
            server.cfg.workers,
        )
    if not os.environ.get("SECRET_KEY"):
        server.log.warning(
            "SECRET_KEY is not set: this machine signs cookies with a key of its own "
            "(instance/secret_key), which other instances do not accept"
        )
