"""A local stand-in for Betsy, the sportsbook (seeds/001), for the demo and the tests.

    sandbox_app = create_betsy_sandbox("http://127.0.0.1:5000", secret="the partner secret")
    sandbox = sandbox_app.extensions["betsy_sandbox"]       # a BetsySandbox

It plays Betsy towards the portal's operator API (docs/betsy-contract.md): every request is
signed and every answer's `x-sign-jws` is checked (portal.sportsbook.betsy).
- the iframe: `GET /iframe?token=...&lang=en` offers three football matches (1 / X / 2).
  Opening it calls /betsy/user/profile and /betsy/user/balance; "Place bet" calls
  POST /betsy/payment/bet. Without a token it only says "Log in to bet" and calls nothing.
- the operator console: `GET /console` lists the bets placed here, with Settle won, Settle
  lost, Resettle, Unsettle and Rollback (PUT /betsy/payment/bet, types 2, 2, 2, 1 and 3).
- test hooks: `place(token, outcome_index, stake)`, `settle(tx, amount, result_type)`,
  `unsettle(tx)` and `rollback(tx, error_code=10)` return the portal's JSON answer (amounts
  as Decimal, `{"code": N, ...}` for a refusal); `bets()` lists the bets; `send(method, path,
  body)` sends any signed body.

Like Betsy, a place bet not answered within 5 s, answered with a status other than 200/400,
with a bad signature or with code 100 is followed by a rollback (one attempt, no retries).

Run alone: `flask --app "portal.sandbox.betsy:create_betsy_sandbox('http://127.0.0.1:5000',
'secret')" run --port 5051`.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import uuid
from collections import OrderedDict
from decimal import Decimal, InvalidOperation

import requests
import simplejson
from flask import Flask, abort, jsonify, make_response, redirect, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider

from portal.sportsbook.betsy import HEADER, BadSignature, sign, verify

PLACE_TIMEOUT = 5.0  # Betsy's wait for a place bet before it rolls it back
TIMEOUT = 10.0
MAX_BETS = 1000  # bets kept in memory; the oldest go first
MAX_STAKE = Decimal("10000")
CENT = Decimal("0.01")
# eventId, home, away, tournamentId, tournament, region, odds of 1 / X / 2
MATCHES = (
    (70101, "Arsenal", "Chelsea", 17, "Premier League", "GB", ("2.10", "3.40", "3.60")),
    (70102, "Real Madrid", "Sevilla", 8, "LaLiga", "ES", ("1.45", "4.50", "7.00")),
    (70103, "Bayern Munich", "Dortmund", 35, "Bundesliga", "DE", ("1.80", "3.90", "4.20")),
)
OUTCOMES = ("1", "X", "2")
# What the player (or the operator) reads for the contract's error codes; others: the code.
REFUSALS = {
    1: "Bad signature (the portal refused ours)",
    3: "Your session is not valid, log in again",
    4: "Your session has expired, reload the page",
    5: "The bet was refused (validation error)",
    7: "Not enough money",
    8: "Already processed",
    9: "Your account is blocked",
    11: "This stake is above your stake limit",
    12: "This stake would cross your loss limit",
    13: "You have reached your limit on the number of bets",
    14: "You are self-excluded or taking a time-out",
    15: "Please verify your account before you bet",
    16: "You must be 18 or older to bet",
    20: "Recalculation blocked",
    21: "Recalculation would make the balance negative",
    100: "System error at the casino",
}


class PortalError(Exception):
    """No usable answer from the portal; `message` is for a person."""

    message = "The casino is not reachable right now"


class PortalTimeout(PortalError):
    message = "The casino did not answer in time"


class BadPortalSignature(PortalError):
    message = "bad signature from the portal"


def refusal(answer: dict) -> str:
    code = answer.get("code")
    return REFUSALS.get(code) or f"Refused (code {code}): {answer.get('message', '')}"


def _money(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def _amount(value) -> Decimal | None:
    """A stake or payout typed by a person: 0 to MAX_STAKE, at most 2 decimals; else None."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    ok = amount.is_finite() and 0 <= amount <= MAX_STAKE and amount == amount.quantize(CENT)
    return amount.quantize(CENT) if ok else None


def _offer() -> list[dict]:
    """Every selection's metadata, flat: index 3 * match + (0 for 1, 1 for X, 2 for 2)."""
    today = datetime.datetime.now(datetime.UTC).replace(hour=19, minute=0, second=0)
    offer = []
    for day, (event_id, home, away, tournament_id, tournament, region, odds) in enumerate(
        MATCHES, start=1
    ):
        kick_off = (today + datetime.timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
        match = dict(disciplineId=1, discipline="Football", tournamentId=tournament_id)
        match.update(tournament=tournament, tournamentRegionCode=region, eventId=event_id)
        match.update(event=f"{home} - {away}", eventDate=kick_off, marketId=1, market="1X2")
        for n, (outcome, price) in enumerate(zip(OUTCOMES, odds, strict=True)):
            pick = dict(outcomeId=event_id * 10 + n + 1, outcome=outcome)
            offer.append({**match, **pick, "coefficient": Decimal(price), "stage": "prematch"})
    return offer


class BetsySandbox:
    """The sandbox's state and behaviour; the Flask routes are thin wrappers around it."""

    def __init__(self, portal_url: str, secret: str, *, timeout: float = TIMEOUT):
        if not secret:
            raise ValueError("the Betsy sandbox needs the partner secret")
        self.portal_url = portal_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.offer = _offer()
        self._lock = threading.Lock()
        self._bets: OrderedDict[str, dict] = OrderedDict()

    # --- calling the portal ---------------------------------------------------------------

    def send(self, method: str, path: str, body: dict, *, timeout: float | None = None) -> dict:
        """Sign `body` and send it to `{portal_url}/betsy{path}`; the portal's JSON answer.

        Amounts go out and come back as Decimals (JSON numbers). Raises PortalTimeout,
        PortalError (no answer, a status other than 200/400, not a JSON object) or
        BadPortalSignature (the answer's x-sign-jws does not verify).
        """
        raw = simplejson.dumps(body, use_decimal=True).encode()  # Decimals as JSON numbers
        headers = {"Content-Type": "application/json", HEADER: sign(raw, self.secret)}
        url = f"{self.portal_url}/betsy{path}"
        try:
            response = requests.request(
                method, url, data=raw, headers=headers, timeout=timeout or self.timeout
            )
        except requests.Timeout as exc:
            raise PortalTimeout(f"{method} {path}: {exc}") from exc
        except requests.RequestException as exc:
            raise PortalError(f"{method} {path}: {exc}") from exc
        if response.status_code not in (200, 400):
            raise PortalError(f"{method} {path}: HTTP {response.status_code}")
        try:
            verify(response.headers.get(HEADER), response.content, self.secret)
        except BadSignature as exc:
            raise BadPortalSignature(f"{method} {path}: {exc}") from exc
        try:
            answer = simplejson.loads(response.content, use_decimal=True)
        except ValueError as exc:
            raise PortalError(f"{method} {path}: not JSON") from exc
        if not isinstance(answer, dict):
            raise PortalError(f"{method} {path}: not a JSON object")
        return answer

    def profile(self, token: str) -> dict:
        return self.send("POST", "/user/profile", {"token": token, "requestId": _rid()})

    def balance(self, token: str, profile: dict) -> dict:
        body = {"userId": profile["userId"], "currency": profile["currency"], "token": token}
        return self.send("POST", "/user/balance", {**body, "requestId": _rid()})

    # --- bets -------------------------------------------------------------------------------

    def bets(self) -> list[dict]:
        """The bets placed here, oldest first (copies): transactionId, userId, currency, token,
        event, outcome, coefficient, stake, payout (if won), status, answer (the portal's last
        JSON answer), note (the last action and its result, in words), placedAt."""
        with self._lock:
            return [dict(bet) for bet in self._bets.values()]

    def bet(self, tx: str) -> dict | None:
        with self._lock:
            bet = self._bets.get(tx)
            return dict(bet) if bet else None

    def _record(self, tx: str, action: str, answer: dict | None, error=None, status=None):
        if error is not None:
            note = f"{action}: {error.message}"
        elif "code" in answer:
            note = f"{action}: {refusal(answer)} (code {answer['code']})"
        else:
            note = f"{action}: balance {_money(answer.get('amount', 0))} {answer.get('currency')}"
        with self._lock:
            bet = self._bets[tx]
            bet.update(note=note, answer=answer, status=status or bet["status"])

    def place(
        self, token: str, outcome_index: int, stake, *, ip="127.0.0.1", transaction_id=None
    ) -> dict:
        """A single bet on `self.offer[outcome_index]`: /user/profile, then the place bet.

        The answer of the place bet (or of the profile when it refuses the token). On no
        usable answer (or code 100) the bet is rolled back, and the PortalError re-raised.
        """
        selection = self.offer[outcome_index]
        stake = Decimal(str(stake)).quantize(CENT)
        profile = self.profile(token)
        if "code" in profile:
            return profile
        tx = transaction_id or str(uuid.uuid4())
        odds = selection["coefficient"]
        bet = dict(transactionId=tx, userId=profile["userId"], currency=profile["currency"])
        bet.update(token=token, event=selection["event"], outcome=selection["outcome"])
        bet.update(coefficient=odds, stake=stake, payout=(stake * odds).quantize(CENT))
        bet.update(status="sending", answer=None, note="", placedAt=_now())
        with self._lock:
            self._bets[tx] = bet
            while len(self._bets) > MAX_BETS:
                self._bets.popitem(last=False)
        body = {"token": token, "transactionId": tx, "currency": bet["currency"]}
        body.update(amount=stake, userId=bet["userId"], coefficient=odds, ip=ip)
        body.update(requestId=_rid(), ticketType="single", metadata=[selection])
        try:
            answer = self.send("POST", "/payment/bet", body, timeout=PLACE_TIMEOUT)
        except PortalError as exc:
            self._record(tx, "Place bet", None, exc, status="no answer")
            self._rollback_quietly(tx, 10 if isinstance(exc, PortalTimeout) else 50)
            raise
        status = f"refused ({answer['code']})" if "code" in answer else "placed"
        self._record(tx, "Place bet", answer, status=status)
        if answer.get("code") == 100:
            self._rollback_quietly(tx, 50)
        return answer

    def _rollback_quietly(self, tx: str, error_code: int) -> None:
        """Betsy's rollback after a failed place bet (once; the operator can press Rollback)."""
        before = self.bet(tx)["note"]
        with contextlib.suppress(PortalError):  # recorded on the bet
            self.rollback(tx, error_code)
        with self._lock:
            self._bets[tx]["note"] = f"{before}; then {self._bets[tx]['note']}"

    def _put(self, tx: str, action: str, body: dict, status: str) -> dict:
        bet = self.bet(tx)
        if bet is None:
            raise KeyError(f"no bet {tx} was placed by this sandbox")
        body = {"transactionId": tx, "userId": bet["userId"], "currency": bet["currency"], **body}
        try:
            answer = self.send("PUT", "/payment/bet", {**body, "requestId": _rid()})
        except PortalError as exc:
            self._record(tx, action, None, exc)
            raise
        self._record(tx, action, answer, status=None if "code" in answer else status)
        return answer

    def settle(self, tx: str, amount, result_type: str = "won") -> dict:
        """Type 2: the bet's total payout `amount` (0 = lost); again = a resettlement."""
        amount = Decimal(str(amount)).quantize(CENT)
        body = {"type": 2, "amount": amount, "resultType": result_type}
        if result_type == "cashout":  # the portal checks the token of a cash-out
            body["token"] = (self.bet(tx) or {}).get("token")
        label = f"Settle {result_type} {_money(amount)}"
        return self._put(tx, label, body, f"{result_type} {_money(amount)}")

    def unsettle(self, tx: str) -> dict:
        """Type 1: the portal takes the last payout back."""
        return self._put(tx, "Unsettle", {"type": 1}, "unsettled")

    def rollback(self, tx: str, error_code: int = 10) -> dict:
        """Type 3: the stake goes back (10 = partner timeout, 8 odds changed, 50 technical)."""
        label = f"Rollback ({error_code})"
        return self._put(tx, label, {"type": 3, "errorCode": error_code}, "rolled back")


def _rid() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def create_betsy_sandbox(portal_url: str, secret: str) -> Flask:
    """The stand-in as a Flask app; its BetsySandbox is `app.extensions["betsy_sandbox"]`."""
    app = Flask(__name__, template_folder="templates", static_folder=None)
    app.json = DefaultJSONProvider(app)  # not the portal's provider, whatever was set globally
    sandbox = BetsySandbox(portal_url, secret)
    app.extensions["betsy_sandbox"] = sandbox
    n = len(OUTCOMES)
    matches = [sandbox.offer[i : i + n] for i in range(0, len(sandbox.offer), n)]  # 1 / X / 2

    @app.get("/iframe")
    def iframe():
        token = request.args.get("token", "").strip()
        page = dict(mode="guest", message="", balance="", currency="")
        if token:
            try:
                profile = sandbox.profile(token)
                answer = profile if "code" in profile else sandbox.balance(token, profile)
                if "code" in answer:
                    page.update(mode="error", message=refusal(answer))
                else:
                    balance, currency = _money(answer["amount"]), answer["currency"]
                    page.update(mode="real", balance=balance, currency=currency)
            except PortalError as exc:
                page.update(mode="error", message=exc.message)
        html = render_template(
            "betsy/iframe.html",
            page=page,
            token=token if page["mode"] == "real" else "",
            matches=matches,
            lang=request.args.get("lang", "en")[:5],
        )
        response = make_response(html)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the token
        return response

    @app.post("/iframe/bet")
    def iframe_bet():
        fields = request.get_json(silent=True) or {}
        token, outcome = str(fields.get("token") or ""), fields.get("outcome")
        stake = _amount(fields.get("stake", ""))
        if not token:
            return jsonify(ok=False, message="Log in to bet")
        if not isinstance(outcome, int) or not 0 <= outcome < len(sandbox.offer):
            return jsonify(ok=False, message="Pick an outcome")
        if stake is None or stake <= 0:
            return jsonify(ok=False, message="Enter a stake like 5 or 2.50")
        try:
            answer = sandbox.place(token, outcome, stake, ip=request.remote_addr or "")
        except PortalError as exc:
            return jsonify(ok=False, message=exc.message)
        if "code" in answer:
            result = dict(ok=False, message=refusal(answer), code=answer["code"])
            if answer.get("amount") is not None:  # an insufficient-funds answer may carry it
                result["balance"] = _money(answer["amount"])
            return jsonify(result)
        pick = sandbox.offer[outcome]
        message = f"Bet placed: {pick['event']}, {pick['outcome']} @ {pick['coefficient']}, "
        message += f"stake {stake} {answer['currency']}"
        return jsonify(ok=True, message=message, balance=_money(answer["amount"]))

    @app.get("/console")
    def console():
        bets = list(reversed(sandbox.bets()))
        return render_template("betsy/console.html", bets=bets, money=_money)

    @app.post("/console/<tx>")
    def console_action(tx):
        bet = sandbox.bet(tx) or abort(404)
        action = request.form.get("action")
        try:
            if action == "won":
                sandbox.settle(tx, bet["payout"], "won")
            elif action == "lost":
                sandbox.settle(tx, 0, "lost")
            elif action == "resettle":
                amount = _amount(request.form.get("amount", ""))
                if amount is None:
                    abort(400, "Enter an amount like 5 or 2.50")
                kind = "lost" if not amount else "refund" if amount == bet["stake"] else "won"
                sandbox.settle(tx, amount, kind)
            elif action == "unsettle":
                sandbox.unsettle(tx)
            elif action == "rollback":
                sandbox.rollback(tx)
            else:
                abort(400)
        except PortalError:
            pass  # recorded on the bet, shown in the console
        return redirect(url_for("console") + f"#bet-{tx}", code=303)

    return app
