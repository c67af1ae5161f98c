"""Settings: defaults, overridden by the environment, overridden by test overrides.

Every setting read here is documented in the README's configuration table.
"""

import ipaddress
import os
import secrets
from pathlib import Path


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """The SECRET_KEY from the environment, else one generated once and kept in instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


def _domains(value: str) -> frozenset:
    return frozenset(d.strip().casefold() for d in value.split(",") if d.strip())


def _networks(setting: str):
    """A parser of comma-separated addresses or networks (10.0.0.0/8); a wrong one stops
    the start, naming the setting."""

    def parse(value: str) -> tuple:
        try:
            return tuple(
                ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip()
            )
        except ValueError as exc:
            raise ValueError(f"{setting}: {exc}") from None

    return parse


def web_threads() -> int:
    """WEB_THREADS: the requests one gunicorn worker process serves at once (gunicorn.conf.py
    gives it that many threads); its database pool keeps as many connections."""
    return int(os.environ.get("WEB_THREADS") or 8)


# (name, parser, default) for settings taken from the environment as they are.
_ENVIRONMENT = [
    ("PUBLIC_URL", str, "http://127.0.0.1:5000"),
    ("SITE_BRAND_ID", int, 1),
    ("MAIL_SERVER", str, ""),
    ("MAIL_PORT", int, 25),
    ("MAIL_USERNAME", str, ""),
    ("MAIL_PASSWORD", str, ""),
    ("MAIL_USE_TLS", _bool, False),
    ("MAIL_DEFAULT_SENDER", str, "portal@localhost"),
    # failed logins per client address (and per account, unless the next one is set);
    # registrations, resets and the admin login: attempts per client address
    ("LOGIN_RATE_LIMIT", str, "10 per minute"),
    ("LOGIN_ACCOUNT_RATE_LIMIT", str, ""),  # failed logins per account; "": LOGIN_RATE_LIMIT
    ("RATELIMIT_STORAGE_URI", str, "memory://"),
    ("SESSION_IDLE_MINUTES", int, 60),
    ("SESSION_MAX_HOURS", int, 24),
    ("ADMIN_IDLE_MINUTES", int, 15),  # an admin session ends after this long without a request
    ("ADMIN_SESSION_HOURS", int, 12),  # and this long after the login at the latest
    ("AUDIT_KEY", str, ""),  # the audit chain's HMAC key; "": SECRET_KEY
    ("VENDOR_LOG_DAYS", int, 30),  # the vendor traffic log keeps calls this many days
    ("SESSION_COOKIE_SECURE", _bool, None),  # None: Secure when PUBLIC_URL is https
    ("REALITY_CHECK_POLL_SECONDS", int, 30),  # pages ask this often at most (reality check)
    ("PASSWORD_RESET_MINUTES", int, 30),
    ("ACTIVATION_TOKEN_MINUTES", int, 2880),
    ("EMAIL_CHANGE_TOKEN_MINUTES", int, 1440),
    ("LOG_LEVEL", str, "INFO"),
    ("BETCORE_API_URL", str, ""),
    ("BETCORE_CLIENT_ID", str, "PartnerClient-1234"),
    ("BETCORE_CLIENT_SECRET", str, ""),
    ("BETCORE_WEBFRAME_URL", str, ""),
    ("BETCORE_JWKS_COOLDOWN", float, 30.0),
    ("CASINO_TOKEN_MINUTES", int, 30),
    ("BETSY_PARTNER_SECRET", str, ""),
    ("BETSY_IFRAME_URL", str, ""),
    ("BETSY_TOKEN_MINUTES", int, 1440),
    ("BETCALC_API_URL", str, ""),
    ("BETCALC_LOGIN", str, ""),
    ("BETCALC_PASSWORD", str, ""),
    ("BETCALC_RESULT_SECRET", str, ""),
    ("BETCALC_ALLOWED_IPS", _networks("BETCALC_ALLOWED_IPS"), ()),
    ("BETCALC_TIMEOUT", float, 10.0),
    ("PAYMENT_SANDBOX_URL", str, ""),  # the sandbox provider's pages; "" with flask dev: mounted
    ("PAYMENT_SANDBOX_SECRET", str, ""),
    ("PAYMENT_TIMEOUT", float, 10.0),
    ("TRUSTED_PROXIES", int, 0),
    ("CRM_FEED_USER", str, ""),  # HTTP Basic of the CRM feeds; no feed without both
    ("CRM_FEED_PASSWORD", str, ""),
    ("CRM_ALLOWED_IPS", _networks("CRM_ALLOWED_IPS"), ()),  # empty: any address
    ("CRM_MAX_WINDOW_HOURS", int, 24),
    ("CRM_SETTLE_SECONDS", float, 1.0),  # a window is answered this long after it ended
    ("CRM_SETTLE_WAIT_SECONDS", float, 30.0),  # longest wait for a window to settle
    ("CRM_AUTO_LOGIN_DAYS", int, 7),  # an auto-login link expires after this
    ("OUTBOX_HTTP_TIMEOUT", float, 5.0),
    ("OUTBOX_MAX_BACKOFF_SECONDS", int, 60),
    ("OUTBOX_MAX_ATTEMPTS", int, 0),
    ("OUTBOX_CONCURRENCY", int, 8),
    ("DATABASE_POOL_SIZE", int, None),  # None: WEB_THREADS
    ("DATABASE_MAX_OVERFLOW", int, 2),
    ("DATABASE_POOL_RECYCLE", int, 300),
    ("DATABASE_CONNECT_TIMEOUT", int, 5),
    ("PASSWORD_HASH_MEMORY_KIB", int, 19_456),  # OWASP's Argon2id: 19 MiB, t=2, p=1
    ("PASSWORD_HASH_TIME_COST", int, 2),
    ("PASSWORD_HASH_PARALLELISM", int, 1),
    ("PASSWORD_HASH_CONCURRENCY", int, 1),  # hashes at once per process
    ("PASSWORD_HASH_NICENESS", int, 10),  # how much lower the hashing threads' CPU priority
    (
        "EMAIL_FRAUD_DOMAINS",
        _domains,
        _domains("mailinator.com,guerrillamail.com,yopmail.com,10minutemail.com,tempmail.com"),
    ),
]


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the configuration mapping for one app."""
    instance_path.mkdir(parents=True, exist_ok=True)
    overrides = dict(overrides or {})
    config: dict = {}
    for name, parse, default in _ENVIRONMENT:
        raw = os.environ.get(name)
        config[name] = parse(raw) if raw not in (None, "") else default
    database_url = overrides.pop("DATABASE_URL", None) or os.environ.get("DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'portal.sqlite3'}"
    config.update(
        SQLALCHEMY_DATABASE_URI=_sqlalchemy_url(database_url),
        SECRET_KEY=overrides.pop("SECRET_KEY", None) or _secret_key(instance_path),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=0,
        MAX_CONTENT_LENGTH=64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_HEADERS_ENABLED=True,
    )
    config.update(overrides)
    if config["DATABASE_POOL_SIZE"] is None:
        config["DATABASE_POOL_SIZE"] = web_threads()
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config))
    _secure_cookies(config)
    return config


def engine_options(config: dict) -> dict:
    """SQLAlchemy engine options from the DATABASE_* settings.

    No pre-ping: a checkout does not cost a round trip. Connections older than
    DATABASE_POOL_RECYCLE seconds are replaced at checkout (before a firewall or the
    server's idle timeout drops them), and a connection found dead anyway (PostgreSQL
    restarted) makes SQLAlchemy discard the whole pool; `database.transactional` runs the
    request again when that happened on its first statement. PostgreSQL only: SQLite's
    connections are files that neither time out nor restart."""
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return {}
    return {
        "pool_size": config["DATABASE_POOL_SIZE"],
        "max_overflow": config["DATABASE_MAX_OVERFLOW"],
        "pool_recycle": config["DATABASE_POOL_RECYCLE"],
        "connect_args": {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]},
    }


def _secure_cookies(config: dict) -> None:
    """Cookies (the session, which holds the CSRF secret and the login) are Secure when the
    site is served over https, unless SESSION_COOKIE_SECURE says otherwise."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config["PUBLIC_URL"].startswith("https://")
    config.setdefault("REMEMBER_COOKIE_SECURE", config["SESSION_COOKIE_SECURE"])


def _sqlalchemy_url(url: str) -> str:
    """Accept the plain `postgres://` / `postgresql://` URLs hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
