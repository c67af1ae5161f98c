"""The vendors' clients over real HTTP, as BETCORE and Betsy call the portal.

One `Vendors` per client thread, with a few `requests.Session`s of its own (one per request
that thread sends at the same moment). With several base URLs (app server instances behind
one database) each session talks to one of them, the thread's first session to instance
`offset`, the next to the following one: the duplicates a thread sends at the same moment
reach different instances. Each call creates its `Op` in the history, sends it
(a freshly signed RS256 JWT for BETCORE, a detached HS256 JWS for Betsy), and retries it on
a timeout or a connection error until `retry_seconds` have passed, as vendors resend what
went unanswered. Any answer ends the retries; an answer outside the protocol (no envelope,
an unsigned Betsy body, HTTP 5xx) is recorded as a problem and retried like silence.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from decimal import Decimal

import requests
import simplejson

from portal.sportsbook import betsy as jws
from tests.harness.vendors import Betcore
from tests.reliability.bank.history import (
    BETCORE,
    BETSY,
    BONUSES,
    COUPONS,
    OK,
    PAYMENTS,
    REFUSED,
    UNKNOWN,
    WITHDRAWALS,
    History,
    Op,
    amount_text,
)

TAG_ID = 7
RESULTS_SECRET = "bank-results-secret"  # noqa: S105 (BETCALC_RESULT_SECRET of the run)
PAYMENTS_SECRET = "bank-payments-secret"  # noqa: S105 (PAYMENT_SANDBOX_SECRET of the run)
CARD, MASKED_CARD = "4242424242424242", "424242******4242"
FAILING_CARD = "400000******0119"  # the sandbox's payouts to it fail
CURRENCY = "EUR"
SETTLE, UNSETTLE, ROLLBACK = 2, 1, 3


# What each door answers a stake that would cross a responsible-gambling limit: stake per
# bet, loss, bet count (the bet slip refuses in words: "limit")
LIMIT_CODES = {
    BETCORE: {"stake": 103804, "loss": 103805, "bets": 103806},
    BETSY: {"stake": 11, "loss": 12, "bets": 13},
    COUPONS: {"any": "limit"},
}


LIMIT_WORDS = re.compile(r"your stake limit|limit: you may|limit on the number of bets")


class Overtime(Exception):  # noqa: N818 (reads as what happened)
    """The run's time is up: no new request (a scenario ends where it is)."""


class BadAnswer(Exception):
    """An answer that is not the protocol's: retried, and reported as an anomaly."""


class Vendors:
    """BETCORE and Betsy calling the portal at `base_url`, from one client thread."""

    def __init__(
        self,
        base_urls: str | list[str],
        betcore: Betcore,
        betsy_secret: str,
        history: History,
        *,
        thread: str,
        retry_seconds: float,
        timeout: float = 30,
        sessions: int = 2,
        offset: int = 0,
        overtime=lambda: False,
        limited=(),
    ):
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.betcore, self.secret = betcore, betsy_secret
        self.results_secret = RESULTS_SECRET
        self.web: dict[tuple, requests.Session] = {}  # (player, n) -> a logged-in session
        self.history, self.thread = history, thread
        self.retry_seconds, self.timeout = retry_seconds, timeout
        self.sessions = [requests.Session() for _ in range(sessions)]
        self.urls = [urls[(offset + n) % len(urls)] for n in range(sessions)]  # per session
        self.overtime = overtime
        self.limited = frozenset(limited)  # players with limits: their stakes may be refused

    def close(self) -> None:
        for session in [*self.sessions, *self.web.values()]:
            session.close()

    # --- sending, with retries -----------------------------------------------------------

    def _exchange(self, ops: list[Op], attempt, *, resend: bool = True) -> None:
        """Send until answered (or `retry_seconds` passed); fill in the ops' outcome.
        `attempt()` returns (outcome, code, value) for the request as a whole, or for a
        batch (outcome, code, [value per op])."""
        started = time.time()
        for op in ops:
            op.sent = started
        tries, problem = 0, None
        while True:
            tries += 1
            try:
                outcome, code, value = attempt()
                break
            except (requests.RequestException, BadAnswer) as exc:
                if isinstance(exc, BadAnswer):
                    problem = str(exc)
                if not resend or time.time() - started >= self.retry_seconds:
                    outcome, code, value = UNKNOWN, None, None
                    break
                time.sleep(min(0.05 * 2**tries, 1.0))
        answered = time.time()
        for index, op in enumerate(ops):
            op.attempts, op.answered, op.problem = tries, answered, problem
            if index:
                op.extra["batch_follower"] = True
            if isinstance(value, list):  # a batch: one answer per item
                op.outcome, op.code, op.value = value[index]
            else:
                op.outcome, op.code, op.value = outcome, code, value

    def _envelope(self, session: int, path: str, data: dict) -> dict:
        token = self.betcore.token(data, ttl=30)
        response = self.sessions[session].post(
            f"{self.urls[session]}/betcore{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=self.timeout,
        )
        try:
            envelope = json.loads(response.text, parse_float=Decimal)
        except ValueError:
            envelope = None
        if response.status_code != 200 or not isinstance(envelope, dict):
            raise BadAnswer(f"HTTP {response.status_code}: {response.text[:200]!r}")
        if "ErrorCode" not in envelope:
            raise BadAnswer(f"no envelope: {response.text[:200]!r}")
        return envelope

    def _betsy(self, session: int, method: str, path: str, data: dict):
        body = simplejson.dumps(data, use_decimal=True).encode()
        headers = {"content-type": "application/json", jws.HEADER: jws.sign(body, self.secret)}
        response = self.sessions[session].request(
            method,
            f"{self.urls[session]}/betsy{path}",
            data=body,
            headers=headers,
            timeout=self.timeout,
        )
        try:
            jws.verify(response.headers.get(jws.HEADER), response.content, self.secret)
            answer = json.loads(response.content, parse_float=Decimal)
        except (jws.BadSignature, ValueError) as exc:
            raise BadAnswer(
                f"HTTP {response.status_code}, {exc}: {response.text[:200]!r}"
            ) from None
        if response.status_code == 200:
            return OK, 200, answer
        if response.status_code == 400 and isinstance(answer, dict) and "code" in answer:
            return REFUSED, answer["code"], answer
        raise BadAnswer(f"HTTP {response.status_code}: {response.text[:200]!r}")

    # --- BETCORE ----------------------------------------------------------------------------

    def _new(self, door, action, player, bet, **fields) -> Op:
        if self.overtime():
            raise Overtime
        expected = frozenset(fields.pop("expected"))
        stake = action == "place" or (door == BETCORE and fields.get("kind") == -1)
        if stake and player in self.limited and door in LIMIT_CODES:
            expected |= frozenset(LIMIT_CODES[door].values())
        return self.history.new(
            thread=self.thread,
            door=door,
            action=action,
            player=player,
            bet=str(bet),
            expected=expected,
            **fields,
        )

    @staticmethod
    def make_data(player: int, bet: int, kind: int, amount: int) -> dict:
        return {
            "Amount": amount_text(amount),
            "TaxAmount": "0",
            "BetId": bet,
            "PartnerUserId": str(player),
            "TransactionType": kind,
            "PromoCode": None,
            "TagId": TAG_ID,
        }

    def make(self, player, bet, kind, amount, *, session=0, **fields) -> Op:
        """/payments/make: one stake (-1), payout (1), return (2), payout return (-2) or
        jackpot (4)."""
        op = self._new(BETCORE, "make", player, bet, kind=kind, amount=amount, **fields)
        data = self.make_data(player, bet, kind, amount)

        def attempt():
            envelope = self._envelope(session, "/payments/make", data)
            code = envelope["ErrorCode"]
            return (OK if code == 200 else REFUSED), code, envelope.get("Value")

        self._exchange([op], attempt)
        return op

    def make_list(self, items: list[dict], *, session=0, **fields) -> list[Op]:
        """/payments/make-list: items {player, bet, kind, amount, expected} in one call."""
        ops = [
            self._new(
                BETCORE,
                "make",
                item["player"],
                item["bet"],
                kind=item["kind"],
                amount=item["amount"],
                expected=item["expected"],
                **fields,
            )
            for item in items
        ]
        data = {
            "Payments": [
                self.make_data(item["player"], item["bet"], item["kind"], item["amount"])
                for item in items
            ]
        }

        def attempt():
            envelope = self._envelope(session, "/payments/make-list", data)
            code = envelope["ErrorCode"]
            answers = envelope.get("Value")
            if code != 200:
                return REFUSED, code, None
            if not isinstance(answers, list) or len(answers) != len(items):
                raise BadAnswer(f"make-list answered {answers!r}")
            per_item = []
            for item, answer in zip(items, answers, strict=True):
                if (answer.get("BetId"), answer.get("TransactionType")) != (
                    item["bet"],
                    item["kind"],
                ):
                    raise BadAnswer(f"make-list answer out of order: {answers!r}")
                item_code = answer.get("ErrorCode")
                per_item.append((OK if item_code == 200 else REFUSED, item_code, answer["Value"]))
            return OK, 200, per_item

        self._exchange(ops, attempt)
        return ops

    def cashback(self, player, cashback_id, amount, *, session=0, **fields) -> Op:
        op = self._new(BETCORE, "cashback", player, cashback_id, amount=amount, **fields)
        data = {
            "CashbackId": cashback_id,
            "PartnerUserId": str(player),
            "Amount": amount_text(amount),
            "Currency": CURRENCY,
        }

        def attempt():
            envelope = self._envelope(session, "/cashback-payments/make", data)
            code = envelope["ErrorCode"]
            return (OK if code == 200 else REFUSED), code, envelope.get("Value")

        self._exchange([op], attempt)
        return op

    # --- the calculation service's results ---------------------------------------------

    def result(self, coupon, status: int, target: int, *, session=0, **fields) -> Op:
        """One result for a coupon (its own request): Status 2 with AmountOut `target`, 3
        or 4. OK when the portal applied it or found it a repeat; REFUSED ("refused") when
        the player's balance cannot give back what a correction takes."""
        op = self._new(
            COUPONS, "result", coupon.player, f"coupon:{coupon.id}", amount=target, **fields
        )
        op.extra.update(target=target, status=status, payout=None)
        head = {
            "KeyHead": {"Id": str(coupon.id), "BarCode": coupon.barcode},
            "Status": status,
            "ExtStatus": 0,
            "AmountOut": amount_text(target) if status == 2 else 0,
            "DateReceive": "1597075782",
        }
        url = f"{self.urls[session]}/betcalc/{self.results_secret}/api/bet/result"

        def attempt():
            response = self.sessions[session].post(
                url, json={"remote_host": "bank", "Heads": [head]}, timeout=self.timeout
            )
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code != 200 or not isinstance(answer, dict):
                raise BadAnswer(f"HTTP {response.status_code}: {response.text[:200]!r}")
            if answer.get("applied", 0) + answer.get("repeated", 0) == 1:
                return OK, 200, answer
            if answer.get("refused") == 1:
                return REFUSED, "refused", answer
            raise BadAnswer(f"a result neither applied nor refused: {answer!r}")

        self._exchange([op], attempt)
        return op

    def coupon_place(self, who, selection: str, stake: int, **fields) -> Op:
        """A player places a coupon on the bet slip (the web form with its CSRF token and
        one-time slip key; logged in once per thread and player). OK: the coupon was
        recorded and its stake taken (value: its id, state and barcode); REFUSED "funds"
        for want of money. Resent until answered with the same form: the slip key makes a
        resend the same coupon (op.extra["slip"]; the checker finds an unknown one's coupon
        by it)."""
        op = self._new(COUPONS, "place", who.id, "slip", amount=stake, **fields)
        base = self.urls[0]
        form = {}

        def attempt():
            web = self._web(who)
            if not form:
                page = web.get(f"{base}/coupons", timeout=self.timeout).text
                form.update(csrf_token=_csrf(page), slip=_field(page, "slip"))
                op.extra["slip"] = form["slip"]
            data = {**form, "selection": selection, "stake": amount_text(stake)}
            data.update(rate_mode="reject", place="1")
            answer = web.post(
                f"{base}/coupons", data=data, allow_redirects=False, timeout=self.timeout
            )
            if answer.status_code == 422 and "balance is too low" in answer.text:
                return REFUSED, "funds", None
            if answer.status_code == 422 and re.search(
                r"your stake limit|limit: you may", answer.text
            ):
                return REFUSED, "limit", None
            if answer.status_code == 422 and "limit on the number of bets" in answer.text:
                return REFUSED, "limit", None
            location = answer.headers.get("Location", "")
            found = re.search(r"/coupons/(\d+)$", location)
            if answer.status_code != 302 or not found:
                raise BadAnswer(f"HTTP {answer.status_code} {location}: {answer.text[:200]!r}")
            coupon_id = int(found.group(1))
            shown = web.get(f"{base}/coupons/{coupon_id}", timeout=self.timeout).text
            state = re.search(r'data-testid="coupon-status">([^<]+)<', shown)
            barcode = re.search(r"Number at the bookmaker</dt><dd><code>([^<]+)</code>", shown)
            op.bet = f"coupon:{coupon_id}"
            value = {
                "id": coupon_id,
                "state": state.group(1) if state else None,
                "barcode": barcode.group(1) if barcode else None,
            }
            return OK, 200, value

        self._exchange([op], attempt)
        return op

    # --- the cashier and the payment provider ------------------------------------------------

    def deposit_start(self, who, amount: int, bonus_code: str = "", **fields) -> Op:
        """A player starts a deposit on the cashier page (CSRF), with a bonus code now and
        then: OK with its reference (the provider's page the portal sends the player to
        names it), REFUSED "bonus" when the code is not for them now (a bonus active, or
        had). Not resent: a second form is a second deposit, harmless (it stays new)."""
        op = self._new(PAYMENTS, "start", who.id, "deposit", amount=amount, **fields)
        op.extra["bonus_code"] = bonus_code
        base = self.urls[0]

        def attempt():
            web = self._web(who)
            page = web.get(f"{base}/cashier", timeout=self.timeout).text
            data = {"csrf_token": _csrf(page), "amount": amount_text(amount), "currency": CURRENCY}
            answer = web.post(
                f"{base}/cashier",
                data={**data, "provider": "sandbox", "bonus_code": bonus_code},
                allow_redirects=False,
                timeout=self.timeout,
            )
            if answer.status_code == 422 and bonus_code and _refused_bonus(answer.text):
                return REFUSED, "bonus", None
            found = re.search(r"[?&]reference=([A-Z0-9]+)", answer.headers.get("Location", ""))
            if answer.status_code != 302 or not found:
                raise BadAnswer(f"HTTP {answer.status_code}: {answer.text[:200]!r}")
            op.bet = found.group(1)
            return OK, 200, {"reference": op.bet}

        self._exchange([op], attempt, resend=False)
        return op

    def deposit_callback(self, who, reference: str, tx: str, status: str, amount: int, *,
                         session: int = 0, **fields) -> Op:  # fmt: skip
        """The provider's signed callback for a deposit: OK 200, REFUSED 409 (a mismatch or
        out of order); a success's money key is the deposit's (op.extra["key"], filled in
        by the checker from the reference)."""
        op = self._new(PAYMENTS, "callback", who.id, reference, amount=amount, **fields)
        op.extra.update(status=status, tx=tx)
        body = {"provider_tx_id": tx, "reference": reference, "status": status}
        body["requisite"] = CARD  # (masked by the portal; withdrawals are paid back to it)
        raw = json.dumps(body | {"amount": amount_text(amount), "currency": CURRENCY}).encode()
        signature = hmac.new(PAYMENTS_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Signature": signature}
        url = f"{self.urls[session]}/payments/sandbox/callback"

        def attempt():
            response = self.sessions[session].post(
                url, data=raw, headers=headers, timeout=self.timeout
            )
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code == 200 and answer == {"result": "ok"}:
                return OK, 200, answer
            if response.status_code == 409 and isinstance(answer, dict):
                return REFUSED, 409, answer
            raise BadAnswer(f"HTTP {response.status_code}: {response.text[:200]!r}")

        self._exchange([op], attempt)
        return op

    def withdrawal_decision(self, who, withdrawal_id: str, action: str, operator, **fields):
        """The operator approves (the provider pays out: success is final, a failure returns
        the money, op.extra["key"]) or declines (the money returns) a request: OK with its
        status, REFUSED "not_pending". Not resent (a failed payout is not tried again)."""
        op = self._new(WITHDRAWALS, action, who.id, withdrawal_id, **fields)

        def attempt():
            outcome, code, value = operator.decide(action, int(withdrawal_id))
            if action == "approve" and outcome == OK and value["status"] == "fail":
                op.extra["key"] = f"withdrawal:{withdrawal_id}:return"
            return outcome, code, value

        self._exchange([op], attempt, resend=False)
        return op

    def withdrawal_ask(self, who, amount: int, requisite: str = MASKED_CARD, **fields) -> Op:
        """A player asks for a withdrawal on the cashier page: OK with its id (the amount
        held), REFUSED "funds" when the real balance is too low. Not resent (a second form
        is a second request)."""
        op = self._new(WITHDRAWALS, "ask", who.id, "withdrawal", amount=amount, **fields)
        base = self.urls[0]

        def attempt():
            web = self._web(who)
            page = web.get(f"{base}/cashier", timeout=self.timeout).text
            data = {"csrf_token": _csrf(page), "amount": amount_text(amount), "currency": CURRENCY}
            data |= {"provider": "sandbox", "requisite": requisite}
            answer = web.post(
                f"{base}/cashier/withdraw", data=data, allow_redirects=False, timeout=self.timeout
            )
            if answer.status_code == 422 and "withdrawable balance is too low" in answer.text:
                return REFUSED, "funds", None
            found = re.search(r"#withdrawal-([0-9]+)$", answer.headers.get("Location", ""))
            if answer.status_code != 302 or not found:
                raise BadAnswer(f"HTTP {answer.status_code}: {answer.text[:200]!r}")
            op.bet = found.group(1)
            return OK, 200, {"id": int(op.bet)}

        self._exchange([op], attempt, resend=False)
        return op

    def withdrawal_cancel(self, who, withdrawal_id: str, *, session: int = 0, **fields) -> Op:
        """The player cancels a pending withdrawal: OK (the amount returns) or REFUSED
        "done" (it was cancelled already). Resent until answered: cancelling is once.
        (`session`: this thread's browser session of the player: two cancels at once in one
        session would each find the other's message in it.)"""
        op = self._new(WITHDRAWALS, "cancel", who.id, withdrawal_id, **fields)
        base = self.urls[0]

        def attempt():
            web = self._web(who, session)
            page = web.get(f"{base}/cashier", timeout=self.timeout).text
            answer = web.post(
                f"{base}/cashier/withdrawals/{withdrawal_id}/cancel",
                data={"csrf_token": _csrf(page)},
                timeout=self.timeout,
            )
            if "Your withdrawal is cancelled" in answer.text:
                return OK, 200, None
            if "can no longer be changed" in answer.text:
                return REFUSED, "done", None
            raise BadAnswer(f"HTTP {answer.status_code}: {answer.text[:200]!r}")

        self._exchange([op], attempt)
        return op

    def bonus_claim(self, who, code: str, *, session: int = 0, **fields) -> Op:
        """A player claims a bonus code on the bonuses page (CSRF; `session`: this thread's
        browser session of the player, one per claim sent at the same moment): OK when the
        page then says the bonus is theirs, REFUSED "active" or "used". Not resent."""
        op = self._new(BONUSES, "claim", who.id, code, **fields)
        base = self.urls[0]

        def attempt():
            web = self._web(who, session)
            page = web.get(f"{base}/bonuses", timeout=self.timeout).text
            data = {"csrf_token": _csrf(page), "code": code}
            answer = web.post(f"{base}/bonuses", data=data, timeout=self.timeout)
            if answer.status_code == 200 and "is yours: it is in your bonus balance" in answer.text:
                return OK, 200, None
            for refusal, words in BONUS_REFUSALS.items():
                if answer.status_code == 200 and words in answer.text:
                    return REFUSED, refusal, None
            raise BadAnswer(f"HTTP {answer.status_code}: {answer.text[:200]!r}")

        self._exchange([op], attempt, resend=False)
        return op

    def _web(self, who, session: int = 0) -> requests.Session:
        """This thread's logged-in browser session of the player (`session`: another one,
        for requests sent at the same moment)."""
        web = self.web.get((who.id, session))
        if web is None:
            web = requests.Session()
            base = self.urls[0]
            page = web.get(f"{base}/login", timeout=self.timeout)
            form = {
                "csrf_token": _csrf(page.text),
                "identifier": who.email,
                "password": who.password,
            }
            answer = web.post(
                f"{base}/login", data=form, allow_redirects=False, timeout=self.timeout
            )
            if answer.status_code != 302:
                raise BadAnswer(f"login of player {who.id}: HTTP {answer.status_code}")
            self.web[(who.id, session)] = web  # (kept once logged in; a failed one: again)
        return web

    # --- Betsy ------------------------------------------------------------------------------

    def _send_betsy(self, op: Op, session: int, method: str, path: str, data: dict) -> Op:
        self._exchange([op], lambda: self._betsy(session, method, path, data))
        return op

    def place(self, who, tx: str, amount: int, *, session=0, **fields) -> Op:
        op = self._new(BETSY, "place", who.id, tx, amount=amount, **fields)
        data = {
            "token": who.betsy_token,
            "transactionId": tx,
            "currency": CURRENCY,
            "amount": Decimal(amount).scaleb(-2),
            "userId": str(who.id),
            "coefficient": Decimal("2.50"),
            "ticketType": "single",
            "requestId": f"place-{tx}",
            "metadata": [],
        }
        return self._send_betsy(op, session, "POST", "/payment/bet", data)

    def settle(self, who, tx: str, payout: int, *, session=0, **fields) -> Op:
        """Type 2: the bet's payout becomes `payout` (0: lost)."""
        op = self._new(BETSY, "settle", who.id, tx, kind=SETTLE, amount=payout, **fields)
        data = {
            "type": SETTLE,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": CURRENCY,
            "amount": Decimal(payout).scaleb(-2),
            "resultType": "won" if payout else "lost",
            "requestId": f"settle-{op.id}",
        }
        return self._send_betsy(op, session, "PUT", "/payment/bet", data)

    def unsettle(self, who, tx: str, *, session=0, **fields) -> Op:
        op = self._new(BETSY, "unsettle", who.id, tx, kind=UNSETTLE, amount=0, **fields)
        data = {
            "type": UNSETTLE,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": CURRENCY,
            "requestId": f"unsettle-{op.id}",
        }
        return self._send_betsy(op, session, "PUT", "/payment/bet", data)

    def rollback(self, who, tx: str, *, session=0, **fields) -> Op:
        op = self._new(BETSY, "rollback", who.id, tx, kind=ROLLBACK, amount=0, **fields)
        data = {
            "type": ROLLBACK,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": CURRENCY,
            "errorCode": 10,
            "requestId": f"rollback-{op.id}",
        }
        return self._send_betsy(op, session, "PUT", "/payment/bet", data)

    def check(self, who, tx: str, *, session=0, **fields) -> Op:
        op = self._new(BETSY, "check", who.id, tx, **fields)
        data = {"userId": str(who.id), "transactionId": tx}
        return self._send_betsy(op, session, "POST", "/payment/check", data)


def together(*calls) -> list:
    """Run each call (given its session index) in its own thread, released at the same
    moment by a barrier; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call(index)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


BONUS_REFUSALS = {
    "active": "You already have an active bonus in this currency.",
    "used": "You have had this bonus already.",
}


def _refused_bonus(html: str) -> bool:
    return any(words in html for words in BONUS_REFUSALS.values())


def _csrf(html: str) -> str:
    return _field(html, "csrf_token")


def _field(html: str, name: str) -> str:
    """The value of a form's hidden input."""
    found = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html)
    if not found:
        raise BadAnswer(f"a page without its {name}")
    return found.group(1)
