"""The bet calculation service's client (seed 004): login with session cookies kept in the
database (every worker process and a restart share them), and coupon placement, logging in
again once when the service answers 99 (it forgets sessions when it restarts).

No call happens inside a database transaction that holds a lock: the caller commits the
coupon and its stake first. What a placement's answer means for the coupon is `Placed`,
`Refused` (the service said no, or refused the login: final, the stake may be given back)
or `Unknown`: a timeout or connection error, at login or placement (issue 11: such a coupon
is never placed again nor refunded without an operator; its reason says when nothing can
have been sent, which the operator reads in `flask coupons unknown`).
"""

import json
import time
from dataclasses import dataclass, field

import requests
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from urllib3.exceptions import NameResolutionError, NewConnectionError

from portal.coupons.models import BetcalcSession
from portal.database import commit, rollback
from portal.extensions import db
from portal.timeutil import utcnow
from portal.traffic import capture

LOGIN_PATH = "/WebServices/BCService.asmx/LogIn/"
PLACE_PATH = "/bet/place/"
RELOGIN = 99


@dataclass(frozen=True)
class Placed:
    bar_code: str  # the service's betCode, results name it BarCode
    answer: dict


@dataclass(frozen=True)
class Refused:
    """The service said no (or could not be asked): nothing was placed."""

    code: int | str  # fullErrorCode, or "login" / "unavailable" when it could not be asked
    message: str
    changed: list = field(default_factory=list)  # odds changes (fullErrorCode 2)
    answer: dict | None = None


@dataclass(frozen=True)
class Unknown:
    """The placement may or may not have reached the service."""

    reason: str


class NotAsked(Exception):
    """The service refused the login: the placement was not sent."""


class Unreachable(NotAsked):
    """The login got no answer (a timeout or connection error)."""


def place(data: dict) -> Placed | Refused | Unknown:
    """Send one placement (`data` is the seed's "data" object); log in first when no
    session is kept, and once more when the service answers 99."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("place() runs between units of work: commit the coupon first")
    try:
        cookies = _kept_cookies() or _login()
        outcome = _send(cookies, data)
        if isinstance(outcome, Refused) and outcome.code == RELOGIN:
            outcome = _send(_login(), data)
    except Unreachable as exc:
        return Unknown(str(exc))
    except NotAsked as exc:
        return Refused("login", str(exc))
    return outcome


def login() -> str:
    """Log in now (also `flask coupons login`): the service's UserId."""
    _login()
    return db.session.get(BetcalcSession, 1).user_id


def _send(cookies: dict, data: dict) -> Placed | Refused | Unknown:
    config = current_app.config
    url = config["BETCALC_API_URL"].rstrip("/") + PLACE_PATH
    started = time.perf_counter()
    try:
        response = requests.post(
            url, json={"data": data}, cookies=cookies, timeout=config["BETCALC_TIMEOUT"]
        )
    except requests.RequestException as exc:
        _log_call(url, {"data": data}, started, None, exc)
        return _failed(exc)
    _log_call(url, {"data": data}, started, response)
    return _answer(response)


def _log_call(url: str, body: dict, started: float, response, exc=None) -> None:
    """The call in the vendor traffic log (masked there: the login's password too)."""
    error = f"{type(exc).__name__}: {exc}" if exc is not None else None
    capture.outbound(
        "betcalc", "POST", url, request_body=json.dumps(body, default=str),
        response=response, started=started, error=error,
    )  # fmt: skip


def _failed(exc: requests.RequestException) -> Unknown:
    """What a placement that got no answer means (nothing sent, or maybe placed)."""
    if isinstance(exc, requests.ConnectTimeout):
        return Unknown("the service did not accept the connection in time (nothing was sent)")
    if isinstance(exc, requests.ConnectionError):
        if _never_connected(exc):
            return Unknown("the service could not be reached (nothing was sent)")
        return Unknown(f"connection lost: {type(exc).__name__}")
    return Unknown(f"no answer: {type(exc).__name__}")  # a read timeout: it may be placed


def _answer(response) -> Placed | Refused | Unknown:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("errorCode"), int):
        return Unknown(f"HTTP {response.status_code}, not the service's answer")
    if answer["errorCode"] == 0:
        code = answer.get("betCode")
        if not isinstance(code, str | int) or isinstance(code, bool) or not str(code).strip():
            return Unknown("accepted without a betCode")
        return Placed(str(code).strip()[:100], answer)
    full = answer.get("fullErrorCode")
    changed = answer.get("changed") if isinstance(answer.get("changed"), list) else []
    message = answer.get("errorMessage") if isinstance(answer.get("errorMessage"), str) else ""
    if not isinstance(full, int) or isinstance(full, bool) or not 0 <= full < 1000:
        full = "unexpected"  # (kept as the refusal's text; the coupon stores no code)
    return Refused(full, message[:300], changed[:50], answer)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """No connection was made (refused, no route, name not found): nothing was sent. A
    connection reset or closed after the request went out is not this."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, NewConnectionError | NameResolutionError)


def _kept_cookies() -> dict | None:
    kept = db.session.scalar(select(BetcalcSession.cookies).where(BetcalcSession.id == 1))
    commit()  # (nothing written) no transaction stays open while the service is called
    return json.loads(kept) if kept else None


def _login() -> dict:
    config = current_app.config
    url = config["BETCALC_API_URL"].rstrip("/") + LOGIN_PATH
    body = {"login": str(config["BETCALC_LOGIN"]), "password": config["BETCALC_PASSWORD"]}
    started = time.perf_counter()
    try:
        response = requests.post(url, json=body, timeout=config["BETCALC_TIMEOUT"])
    except requests.RequestException as exc:
        _log_call(url, body, started, None, exc)
        reason = f"no answer to the login (nothing was sent): {type(exc).__name__}"
        raise Unreachable(reason) from None
    _log_call(url, body, started, response)
    try:
        answer = response.json()
    except ValueError:
        reason = f"the login's answer is not the service's (HTTP {response.status_code})"
        raise NotAsked(reason) from None
    found = answer.get("d") if isinstance(answer, dict) else None
    user = found.get("UserId") if isinstance(found, dict) else None
    if isinstance(user, int) and not isinstance(user, bool):
        user = str(user)
    if not isinstance(user, str) or len(user) > 50:
        user = None
    if not user:
        raise NotAsked("login refused: check BETCALC_LOGIN and BETCALC_PASSWORD")
    cookies = requests.utils.dict_from_cookiejar(response.cookies)
    _keep(str(user), cookies)
    return cookies


def _keep(user_id: str, cookies: dict) -> None:
    """Store the session (one row; two processes logging in at once: the later one's
    cookies are kept, both sessions are valid at the service)."""
    for attempt in range(2):
        try:
            kept = db.session.get(BetcalcSession, 1)
            if kept is None:
                kept = BetcalcSession(id=1)
                db.session.add(kept)
            kept.user_id, kept.cookies, kept.logged_in_at = user_id, json.dumps(cookies), utcnow()
            commit()
            return
        except IntegrityError:  # another process inserted the row meanwhile
            rollback()
            if attempt:
                raise
        except Exception:
            rollback()
            raise
