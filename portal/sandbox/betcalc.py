"""A local stand-in for the bet calculation service (seeds/004), for the demo and the tests.

    sandbox_app = create_betcalc_sandbox(login="portal", password="secret")
    sandbox = sandbox_app.extensions["betcalc_sandbox"]        # a BetcalcSandbox

It answers as the seed describes:
- `POST /WebServices/BCService.asmx/LogIn/` with JSON `{"login", "password"}` (login as a
  string): `{"d": {"UserId": "36557"}}` and session cookies, or `{"d": {}}`.
- `POST /bet/place/` with `{"data": {...}}` and the cookies: `errorCode` 0 with a `betCode`,
  or `errorCode` 1 and a `fullErrorCode`: 1 wrong / blocked / repeated bet data, 2 odds
  changed (reject mode, with `changed`), 3 outcome gone, 99 no session or no remote_host.
  In accept mode a changed odds is taken as it is now.
- the operator console, `GET /console`: every coupon placed here, settled won / lost /
  returned (and settled again: a correction), which posts the result to the coupon's
  `remote_host + "/api/bet/result"` as the service does.
- test hooks: `restart()` forgets every session (the next placement gets 99);
  `move_odds(match_id, bet_code, odds)`, `block(match_id)`, `remove(match_id, bet_code)`;
  `stall_next(seconds)` holds the next placement's answer (a timeout for the portal, the
  coupon is stored anyway); `drop_next()` closes the next placement's connection without
  an answer (after storing the coupon); `settle(bar_code, status, amount_out=None,
  ext_status=0)` and `post_results(remote_host, heads)` post results and return the
  portal's answer; `coupons()` lists what was placed; `logins` counts the logins.

Run alone: `flask --app "portal.sandbox.betcalc:create_betcalc_sandbox()" run --port 5052`.
"""

from __future__ import annotations

import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import requests
from flask import Flask, abort, jsonify, redirect, render_template, request, url_for

SANDBOX_LOGIN = "portal"
SANDBOX_PASSWORD = "sandbox-password"  # noqa: S105 (a local stand-in's)
USER_ID = "36557"
COOKIE = "ASP.NET_SessionId"
AUTH_COOKIE = ".ASPXAUTH"
BET = re.compile(r"(line|live)#([0-9]{1,19})\|([^#]{1,100})#([0-9]{1,6}(?:\.[0-9]{1,4})?)")
STATUS_WON, STATUS_RETURNED, STATUS_LOST = 2, 3, 4
TIMEOUT = 10.0
MAX_COUPONS = 1000


@dataclass
class SandboxCoupon:
    id: int
    bar_code: str
    bets: list[str]
    amount: str
    currency: str
    remote_host: str
    coef: Decimal
    results: list[dict] = field(default_factory=list)  # what was posted, newest last
    answers: list[str] = field(default_factory=list)  # the portal's answers to them


class BetcalcSandbox:
    def __init__(self, login: str, password: str):
        self.login, self.password = login, password
        self.sessions: set[str] = set()
        self.logins = 0
        self.odds: dict[tuple[str, str], str] = {}  # (match id, bet code) -> odds now
        self.blocked: set[str] = set()
        self.removed: set[tuple[str, str]] = set()
        self._coupons: dict[str, SandboxCoupon] = {}
        self._next_id = 344143
        self._stall = 0.0
        self._drop = False
        self._lock = threading.Lock()

    # --- hooks ---------------------------------------------------------------------------

    def restart(self) -> None:
        with self._lock:
            self.sessions.clear()

    def move_odds(self, match_id: str, bet_code: str, odds: str) -> None:
        self.odds[(str(match_id), bet_code)] = odds

    def block(self, match_id: str) -> None:
        self.blocked.add(str(match_id))

    def remove(self, match_id: str, bet_code: str) -> None:
        self.removed.add((str(match_id), bet_code))

    def stall_next(self, seconds: float) -> None:
        self._stall = seconds

    def drop_next(self) -> None:
        self._drop = True

    def coupons(self) -> list[SandboxCoupon]:
        with self._lock:
            return list(self._coupons.values())

    def coupon(self, bar_code: str) -> SandboxCoupon:
        return self._coupons[bar_code]

    def settle(self, bar_code: str, status: int, amount_out=None, ext_status: int = 0):
        """Post this coupon's result (amount_out: the coupon's potential win when won and
        not given, its stake when returned, 0 when lost)."""
        coupon = self._coupons[bar_code]
        if amount_out is None:
            stake = Decimal(coupon.amount)
            amount_out = {STATUS_WON: stake * coupon.coef, STATUS_RETURNED: stake}.get(status, 0)
            amount_out = float(Decimal(amount_out).quantize(Decimal("0.01")))
        head = {
            "KeyHead": {"Id": str(coupon.id), "BarCode": coupon.bar_code},
            "Status": status,
            "ExtStatus": ext_status,
            "AmountOut": amount_out,
            "DateReceive": str(int(time.time())),
        }
        coupon.results.append(head)
        response = self.post_results(coupon.remote_host, [head])
        coupon.answers.append(f"HTTP {response.status_code} {response.text[:200]}")
        return response

    @staticmethod
    def post_results(remote_host: str, heads: list[dict]):
        return requests.post(
            remote_host + "/api/bet/result",
            json={"remote_host": remote_host, "Heads": heads},
            timeout=TIMEOUT,
        )

    # --- the service ---------------------------------------------------------------------

    def log_in(self, body) -> tuple[dict, str | None]:
        if (
            isinstance(body, dict)
            and isinstance(body.get("login"), str)
            and body.get("login") == self.login
            and body.get("password") == self.password
        ):
            session = secrets.token_hex(12)
            with self._lock:
                self.sessions.add(session)
                self.logins += 1
            return {"d": {"UserId": USER_ID}}, session
        return {"d": {}}, None

    def place(self, session: str | None, body) -> dict:
        if session not in self.sessions:
            return _error(99, "Invalid access level")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return _error(1, "error_wrong_bet_data")
        if not isinstance(data.get("remote_host"), str) or not data["remote_host"].startswith(
            ("http://", "https://")
        ):
            return _error(99, "Error exist remote host!")
        bets = data.get("list_bets")
        amount = data.get("realAmount")
        if not isinstance(bets, list) or not bets or not isinstance(amount, str):
            return _error(1, "error_wrong_bet_data")
        try:
            if Decimal(amount) <= 0:
                raise InvalidOperation
        except InvalidOperation:
            return _error(1, "error_wrong_bet_data")
        parsed = [BET.fullmatch(bet) if isinstance(bet, str) else None for bet in bets]
        if not all(parsed):
            return _error(1, "error_wrong_bet_data")
        matches = [m.group(2) for m in parsed]
        if len(set(matches)) != len(matches):
            return _error(1, "error_repeat_bet_data")
        if any(match in self.blocked for match in matches):
            return _error(1, "error_block_bet_data")
        if any((m.group(2), m.group(3)) in self.removed for m in parsed):
            return _error(3, "error_exist_bet")
        changed, taken = [], []
        for m in parsed:
            now = self.odds.get((m.group(2), m.group(3)), m.group(4))
            if Decimal(now) != Decimal(m.group(4)):
                rt = 1 if Decimal(now) > Decimal(m.group(4)) else 0
                changed.append({"gid": m.group(2), "rb": float(m.group(4)), "rg": now, "rt": rt})
            taken.append(f"{m.group(1)}#{m.group(2)}|{m.group(3)}#{now}")
        if changed and data.get("rate_mode", "accept") == "reject":
            answer = _error(2, "Odds have changed")
            return answer | {"rate_mode": "reject", "changed": changed}
        coef = Decimal(1)
        for bet in taken:
            coef *= Decimal(bet.rsplit("#", 1)[1])
        with self._lock:
            self._next_id += 1
            coupon = SandboxCoupon(
                self._next_id,
                _bar_code(),
                taken,
                amount,
                str(data.get("currency", "")),
                data["remote_host"],
                coef,
            )
            self._coupons[coupon.bar_code] = coupon
            while len(self._coupons) > MAX_COUPONS:
                self._coupons.pop(next(iter(self._coupons)))
        return {
            "errorCode": 0,
            "fullErrorCode": 0,
            "errorMessage": "",
            "betCode": coupon.bar_code,
            "AmountOut": float((Decimal(amount) * coef).quantize(Decimal("0.01"))),
            "CountEvents": len(taken),
            "Coef": float(coef.quantize(Decimal("0.0001"))),  # the total odds, as the slip shows
        }

    def take_fault(self) -> tuple[float, bool]:
        with self._lock:
            stall, drop = self._stall, self._drop
            self._stall, self._drop = 0.0, False
        return stall, drop


def _error(code: int, message: str) -> dict:
    return {"errorCode": 1, "fullErrorCode": code, "errorMessage": message}


def _bar_code() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(10))


def create_betcalc_sandbox(login: str = SANDBOX_LOGIN, password: str = SANDBOX_PASSWORD) -> Flask:
    app = Flask(__name__, template_folder="templates")
    sandbox = BetcalcSandbox(login, password)
    app.extensions["betcalc_sandbox"] = sandbox

    @app.post("/WebServices/BCService.asmx/LogIn/")
    def log_in():
        answer, session = sandbox.log_in(request.get_json(silent=True))
        response = jsonify(answer)
        if session:
            response.set_cookie(COOKIE, session, httponly=True)
            response.set_cookie(AUTH_COOKIE, secrets.token_hex(16), httponly=True)
        return response

    @app.post("/bet/place/")
    def place():
        stall, drop = sandbox.take_fault()
        answer = sandbox.place(request.cookies.get(COOKIE), request.get_json(silent=True))
        if stall:
            time.sleep(stall)
        response = jsonify(answer)
        if drop:  # the coupon is stored; the answer breaks off after a few bytes
            response.set_data(response.get_data()[:5])
            response.headers["Content-Length"] = "4096"
            response.headers["Connection"] = "close"
        return response

    @app.get("/console")
    def console():
        return render_template(
            "betcalc/console.html",
            coupons=sandbox.coupons(),
            blocked=sorted(sandbox.blocked),
            odds=sandbox.odds,
        )

    @app.post("/console/service")
    def console_service():
        """The console's service controls: forget sessions, move odds, block a match,
        withdraw an outcome, stall or break the next placement's answer."""
        form = request.form
        action = form.get("action")
        match, code = (form.get("match_id") or "").strip(), (form.get("bet_code") or "").strip()
        if action == "restart":
            sandbox.restart()
        elif (
            action == "odds"
            and match
            and code
            and BET.fullmatch(f"line#{match}|{code}#{form.get('odds', '')}")
        ):
            sandbox.move_odds(match, code, form["odds"])
        elif action == "block" and match:
            sandbox.block(match)
        elif action == "remove" and match and code:
            sandbox.remove(match, code)
        elif action == "stall":
            sandbox.stall_next(TIMEOUT + 5)
        elif action == "drop":
            sandbox.drop_next()
        else:
            abort(400)
        return redirect(url_for("console"))

    @app.post("/console/<bar_code>/settle")
    def console_settle(bar_code):
        if bar_code not in {c.bar_code for c in sandbox.coupons()}:
            abort(404)
        try:
            status = int(request.form.get("status", ""))
        except ValueError:
            abort(400)
        if status not in (STATUS_WON, STATUS_RETURNED, STATUS_LOST):
            abort(400)
        try:
            sandbox.settle(bar_code, status)
        except requests.RequestException as exc:
            sandbox.coupon(bar_code).answers.append(f"not delivered: {type(exc).__name__}")
        return redirect(url_for("console"))

    @app.after_request
    def no_store(response):
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
