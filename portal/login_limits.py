"""Failed logins limited per account and per client address, for every door's login.

One rule for the player pages (`POST /login`) and the gateway (`POST /gateway/login/...`):
an attempt counts against two fixed windows, the account's (the identifier typed, email
or login name, trimmed and case-folded, with the brand: LOGIN_ACCOUNT_RATE_LIMIT, else
LOGIN_RATE_LIMIT) and the client address's (LOGIN_RATE_LIMIT). Both doors share the
counters, so changing doors gains nothing. A login that succeeds gives its attempt back:
real players who log in often are never limited, guessing passwords is.

The attempt is taken *before* the password is checked (one atomic increment per window,
in Redis when RATELIMIT_STORAGE_URI names one) and returned when the view answers with a
success, so simultaneous guesses cannot overrun a window. A refused attempt raises
`LoginsLimited` (429 with Retry-After; the page says in words when to try again).

Limits: an account typed once by email and once by login name counts in two windows; only
the fixed-window strategy (Flask-Limiter's default) can give an attempt back, with another
strategy successes count too.
"""

import functools
import math
import time
from collections.abc import Callable

from flask import current_app, make_response, request
from limits import RateLimitItem, parse
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from portal.accounts import validation
from portal.extensions import limiter

ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"


class LoginsLimited(TooManyRequests):
    """Too many failed logins; `retry_after` whole seconds until the window ends."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins: try again in {retry_after} s", None, retry_after)
        self.wait_seconds = retry_after


def normalised_identifier(identifier) -> str:
    """The account an identifier names, as the core looks it up (trimmed, case-folded)."""
    if not isinstance(identifier, str):
        return ""
    return identifier.strip()[: validation.EMAIL_MAX_LENGTH].casefold()


def _windows(brand_id, identifier) -> list[tuple[RateLimitItem, str, str]]:
    config = current_app.config
    address_limit = parse(config["LOGIN_RATE_LIMIT"])
    account_limit = parse(config.get("LOGIN_ACCOUNT_RATE_LIMIT") or config["LOGIN_RATE_LIMIT"])
    windows = [(address_limit, ADDRESS_SCOPE, request.remote_addr or "unknown")]
    if account := normalised_identifier(identifier):
        windows.append((account_limit, ACCOUNT_SCOPE, f"{brand_id}:{account}"))
    return windows


def _give_back(window: tuple[RateLimitItem, str, str]) -> None:
    strategy = limiter.limiter
    if not isinstance(strategy, FixedWindowRateLimiter):
        return
    item, scope, key = window
    name = item.key_for(scope, key)
    if strategy.storage.get(name) > 0:  # (not into a window that has ended meanwhile)
        strategy.storage.incr(name, item.get_expiry(), amount=-1)


def _seconds_left(window: tuple[RateLimitItem, str, str]) -> int:
    item, scope, key = window
    reset = limiter.limiter.get_window_stats(item, scope, key).reset_time
    return max(1, math.ceil(reset - time.time()))


def limit_failed_logins(account: Callable[[], tuple[object, object]]):
    """Decorate a login view: `account()` gives (brand id, identifier typed) of the request
    (read before the view runs; None for an identifier it cannot find)."""

    def decorate(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
                return view(*args, **kwargs)
            taken, refused = [], []
            for window in _windows(*account()):
                (taken if limiter.limiter.hit(window[0], *window[1:]) else refused).append(window)
            if refused:
                for window in taken + refused:
                    _give_back(window)
                raise LoginsLimited(max(_seconds_left(window) for window in refused))
            response = make_response(view(*args, **kwargs))
            if response.status_code < 400:  # logged in (or sent to a step first)
                for window in taken:
                    _give_back(window)
            return response

        return limited

    return decorate


def page_account() -> tuple[object, object]:
    """The login page's account: the site's brand and the form's identifier."""
    return current_app.config["SITE_BRAND_ID"], request.form.get("identifier")


def gateway_account() -> tuple[object, object]:
    """The gateway login's account: the URL's brand and the body's user_name or email."""
    brand_id = str((request.view_args or {}).get("brand_id", "")).strip()
    brand_id = brand_id.lstrip("0") if brand_id.isdigit() else brand_id
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        return brand_id, None
    return brand_id, body.get("user_name") or body.get("email")
