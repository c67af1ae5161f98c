"""A local stand-in for a payment provider (the "sandbox" provider), for the demo and tests.

    sandbox_app = create_payments_sandbox(secret="...", pending_seconds=5)
    sandbox = sandbox_app.extensions["payments_sandbox"]        # a PaymentsSandbox

- `GET /pay?reference&amount&currency&return_url&callback_url&sig`: the hosted payment page
  (the query signed by the portal: HMAC-SHA256 under the shared secret over the query
  without `sig`). The player enters a test card and pays: the callback is posted to the
  portal (signed, `X-Signature`) before the player is sent back to `return_url`.
- test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined; 4000 0000 0000
  0077 stays pending and succeeds `pending_seconds` later (or from the console);
  4000 0000 0000 0119 succeeds, but payouts to it fail. Any other number is declined.
- `POST /payouts` (signed alike): pays a withdrawal back to a card, answered at once;
  idempotent by the withdrawal's reference.
- `GET /console`: every payment and payout; a pending payment can be completed or failed,
  and any payment's callback sent again.
- test hooks: `post_callback(payment, status, **changes)` posts a (signed) callback and
  returns the portal's answer; `payments()` / `payouts()` list what happened.

Run alone: `flask --app "portal.sandbox.payments:create_payments_sandbox()" run --port 5053`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from flask import Flask, abort, jsonify, redirect, render_template, request, url_for

SANDBOX_SECRET = "sandbox-payments-secret"  # noqa: S105 (a local stand-in's)
CARDS = {
    "4242424242424242": ("success", "VISA"),
    "4000000000000002": ("failed", "VISA"),
    "4000000000000077": ("pending", "VISA"),
    "4000000000000119": ("success", "VISA"),
}
PAYOUT_FAILS = "0119"  # payouts to a card ending so fail
TIMEOUT = 10.0


@dataclass
class SandboxPayment:
    tx_id: str
    reference: str
    amount: str
    currency: str
    callback_url: str
    requisite: str  # masked
    status: str  # pending | success | failed
    answers: list[str] = field(default_factory=list)  # the portal's answers to callbacks


@dataclass
class SandboxPayout:
    tx_id: str
    reference: str
    amount: str
    currency: str
    requisite: str
    token: str | None
    status: str


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def _mask(card: str) -> str:
    return card[:6] + "*" * (len(card) - 10) + card[-4:]


class PaymentsSandbox:
    def __init__(self, secret: str, pending_seconds: float):
        self.secret, self.pending_seconds = secret, pending_seconds
        self._payments: dict[str, SandboxPayment] = {}
        self._payouts: dict[str, SandboxPayout] = {}
        self._lock = threading.Lock()

    def payments(self) -> list[SandboxPayment]:
        with self._lock:
            return list(self._payments.values())

    def payouts(self) -> list[SandboxPayout]:
        with self._lock:
            return list(self._payouts.values())

    def payment(self, tx_id: str) -> SandboxPayment:
        return self._payments[tx_id]

    def pay(self, query: dict, card: str) -> SandboxPayment:
        """The player paid with `card`: the payment and its first callback."""
        outcome, system = CARDS.get(card, ("failed", "VISA"))
        payment = SandboxPayment(
            f"SBX{secrets.token_hex(6).upper()}",
            query["reference"],
            query["amount"],
            query["currency"],
            query["callback_url"],
            _mask(card) if len(card) >= 12 else "****",
            outcome,
        )
        with self._lock:
            self._payments[payment.tx_id] = payment
        message = None if card in CARDS else "unknown test card"
        if outcome == "failed" and card in CARDS:
            message = "declined by the card issuer"
        self.post_callback(payment, outcome, message=message, payment_system=system)
        if outcome == "pending" and self.pending_seconds >= 0:
            timer = threading.Timer(self.pending_seconds, self.settle, (payment.tx_id, "success"))
            timer.daemon = True
            timer.start()
        return payment

    def settle(self, tx_id: str, status: str) -> requests.Response | None:
        """A pending payment ends (success or failed) and the portal is told."""
        payment = self._payments[tx_id]
        if payment.status != "pending":
            return None
        payment.status = status
        try:
            return self.post_callback(payment, status)
        except requests.RequestException as exc:
            payment.answers.append(f"not delivered: {type(exc).__name__}")
            return None

    def post_callback(self, payment: SandboxPayment, status: str, **changes) -> requests.Response:
        """Post a signed callback for `payment` (fields changed by `changes`, e.g. amount;
        `signature=` replaces the signature, `signature=None` leaves it out)."""
        body = {
            "provider_tx_id": payment.tx_id,
            "reference": payment.reference,
            "status": status,
            "amount": payment.amount,
            "currency": payment.currency,
            "requisite": payment.requisite,
            "payment_system": "VISA",
        }
        signature = changes.pop("signature", ...)
        body.update({k: v for k, v in changes.items() if v is not None})
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature is ...:
            headers["X-Signature"] = sign(self.secret, raw)
        elif signature is not None:
            headers["X-Signature"] = signature
        response = requests.post(payment.callback_url, data=raw, headers=headers, timeout=TIMEOUT)
        payment.answers.append(f"{status}: HTTP {response.status_code} {response.text[:200]}")
        return response

    def payout(self, body: dict) -> SandboxPayout:
        with self._lock:
            done = self._payouts.get(body["reference"])
            if done is None:
                fails = str(body.get("requisite", "")).endswith(PAYOUT_FAILS)
                done = SandboxPayout(
                    f"SBP{secrets.token_hex(6).upper()}",
                    body["reference"],
                    str(body.get("amount")),
                    str(body.get("currency")),
                    str(body.get("requisite")),
                    body.get("token"),
                    "failed" if fails else "success",
                )
                self._payouts[done.reference] = done
        return done


def create_payments_sandbox(secret: str = SANDBOX_SECRET, pending_seconds: float = 5.0) -> Flask:
    app = Flask(__name__, template_folder="templates")
    sandbox = PaymentsSandbox(secret, pending_seconds)
    app.extensions["payments_sandbox"] = sandbox
    fields = ("reference", "amount", "currency", "return_url", "callback_url")

    def signed_query(values) -> dict:
        query = {name: values.get(name, "") for name in fields}
        given = values.get("sig", "")
        if not all(query.values()) or not hmac.compare_digest(
            sign(secret, urlencode(query).encode()), given
        ):
            abort(400, "This payment link is not signed by the merchant.")
        return query

    @app.get("/pay")
    def pay_page():
        query = signed_query(request.args)
        return render_template(
            "payments/pay.html", query=query, sig=request.args["sig"], cards=CARDS
        )

    @app.post("/pay")
    def pay():
        query = signed_query(request.form)
        card = "".join(c for c in request.form.get("card", "") if c.isdigit())
        # (should the portal not answer, the player returns anyway, as with a real one)
        with contextlib.suppress(requests.RequestException):
            sandbox.pay(query, card)
        return redirect(query["return_url"])

    @app.post("/payouts")
    def payouts():
        raw = request.get_data(cache=False)
        if not hmac.compare_digest(sign(secret, raw), request.headers.get("X-Signature", "")):
            return jsonify(status="error", message="bad signature"), 401
        try:
            body = json.loads(raw)
            assert isinstance(body, dict) and isinstance(body.get("reference"), str)
        except (ValueError, AssertionError):
            return jsonify(status="error", message="malformed"), 400
        done = sandbox.payout(body)
        message = "the card issuer refused the payout" if done.status == "failed" else None
        return jsonify(provider_tx_id=done.tx_id, status=done.status, message=message)

    @app.get("/console")
    def console():
        return render_template(
            "payments/console.html", payments=sandbox.payments(), payouts=sandbox.payouts()
        )

    @app.post("/console/<tx_id>")
    def console_action(tx_id):
        if tx_id not in {p.tx_id for p in sandbox.payments()}:
            abort(404)
        action = request.form.get("action")
        if action in ("success", "failed"):
            sandbox.settle(tx_id, action)
        elif action == "resend":
            payment = sandbox.payment(tx_id)
            try:
                sandbox.post_callback(payment, payment.status)
            except requests.RequestException as exc:
                payment.answers.append(f"not delivered: {type(exc).__name__}")
        else:
            abort(400)
        return redirect(url_for("console"))

    @app.after_request
    def no_store(response):
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
