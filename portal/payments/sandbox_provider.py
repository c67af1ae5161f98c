"""The sandbox payment provider (the portal's side of portal.sandbox.payments).

- deposit: the player is sent to the sandbox's hosted page `PAYMENT_SANDBOX_URL/pay` with
  the deposit's reference, amount, currency, return URL and callback URL, signed (`sig`:
  HMAC-SHA256 under PAYMENT_SANDBOX_SECRET over the query without it) so the page cannot be
  made to charge another amount;
- callback: `POST /payments/sandbox/callback`, header `X-Signature` = hex HMAC-SHA256 of the
  raw body under PAYMENT_SANDBOX_SECRET; body {"provider_tx_id", "reference", "status":
  "pending"|"success"|"failed", "amount": "<decimal string>", "currency"} and optionally
  "requisite" (masked), "payment_system", "message";
- payout: `POST PAYMENT_SANDBOX_URL/payouts`, signed alike, body {"reference", "amount",
  "currency", "requisite", "token"} (token: the provider transaction of the deposit paid
  back to); answer {"provider_tx_id", "status": "success"|"failed", "message"}. The
  reference is the withdrawal's: sending it again is the same payout.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from decimal import Decimal
from urllib.parse import urlencode

import requests
from flask import current_app

from portal import money
from portal.json_provider import unstorable_text
from portal.payments.providers import (
    FAILED,
    PENDING,
    SUCCESS,
    BadSignature,
    Callback,
    MalformedCallback,
    Payout,
    masked_card_numbers,
)
from portal.traffic import capture

_TEXT = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, no spaces
_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,8})?")
_CURRENCY = re.compile(r"[A-Z]{3,5}")


def sign(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


class SandboxProvider:
    name = "sandbox"

    def __init__(self):
        config = current_app.config
        self.url = config["PAYMENT_SANDBOX_URL"].rstrip("/")
        self.secret = config["PAYMENT_SANDBOX_SECRET"]
        self.timeout = config["PAYMENT_TIMEOUT"]
        self.callback_url = config["PUBLIC_URL"].rstrip("/") + "/payments/sandbox/callback"

    def deposit_url(self, deposit, return_url: str) -> str:
        query = {
            "reference": deposit.reference,
            "amount": money.format_amount(deposit.amount, deposit.currency),
            "currency": deposit.currency,
            "return_url": return_url,
            "callback_url": self.callback_url,
        }
        text = urlencode(query)
        return f"{self.url}/pay?{text}&sig={sign(self.secret, text.encode())}"

    def verify(self, raw: bytes, headers) -> None:
        given = headers.get("X-Signature", "")
        if not self.secret or not given:
            raise BadSignature("no signature" if self.secret else "no PAYMENT_SANDBOX_SECRET")
        if not hmac.compare_digest(sign(self.secret, raw), given.strip().lower()):
            raise BadSignature("the signature does not match the body")

    def read_callback(self, raw: bytes) -> Callback:
        try:
            body = json.loads(raw)
            unstorable = unstorable_text(body)
        except ValueError:
            raise MalformedCallback("the body is not JSON") from None
        except RecursionError:
            raise MalformedCallback("the body is nested too deeply") from None
        if not isinstance(body, dict):
            raise MalformedCallback("the body is not a JSON object")
        if unstorable:
            raise MalformedCallback("the body holds NUL characters or lone surrogates")
        tx_id, reference = body.get("provider_tx_id"), body.get("reference")
        if not isinstance(tx_id, str) or not _TEXT.fullmatch(tx_id):
            raise MalformedCallback("provider_tx_id: text of 1 to 100 characters")
        if not isinstance(reference, str) or not _TEXT.fullmatch(reference) or len(reference) > 40:
            raise MalformedCallback("reference: the deposit's reference")
        status = body.get("status")
        if status not in (PENDING, SUCCESS, FAILED):
            raise MalformedCallback("status: pending, success or failed")
        amount = body.get("amount")
        if not isinstance(amount, str) or not _AMOUNT.fullmatch(amount):
            raise MalformedCallback('amount: a decimal string such as "25.00"')
        currency = body.get("currency")
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise MalformedCallback("currency: a currency code")
        return Callback(
            tx_id,
            reference,
            status,
            Decimal(amount),
            currency,
            requisite=_masked(body.get("requisite")),
            payment_system=_short(_no_card(body.get("payment_system")), 30),
            message=_short(_no_card(body.get("message")), 300),
        )

    def payout_problem(self) -> str | None:
        if not self.url or not self.secret:
            return (
                "PAYMENT_SANDBOX_URL and PAYMENT_SANDBOX_SECRET are not set here (flask dev"
                " sets them for its own process: see the README, Cashier)"
            )
        return None

    def payout(self, withdrawal, token: str | None) -> Payout:
        body = json.dumps(
            {
                "reference": f"W{withdrawal.id}",
                "amount": money.format_amount(withdrawal.amount, withdrawal.currency),
                "currency": withdrawal.currency,
                "requisite": withdrawal.requisite,
                "token": token,
            }
        ).encode()
        started, response = time.perf_counter(), None
        try:
            response = requests.post(
                f"{self.url}/payouts",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Signature": sign(self.secret, body),
                },
                timeout=self.timeout,
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            self._log(body, started, response, f"{type(exc).__name__}: {exc}")
            return Payout(PENDING, None, f"no answer: {type(exc).__name__}")
        self._log(body, started, response)
        status = answer.get("status") if isinstance(answer, dict) else None
        if response.status_code != 200 or status not in (SUCCESS, FAILED):
            return Payout(PENDING, None, f"HTTP {response.status_code}: not the provider's answer")
        return Payout(
            status, _short(answer.get("provider_tx_id"), 100), _short(answer.get("message"), 300)
        )

    def _log(self, body: bytes, started: float, response, error: str | None = None) -> None:
        """The payout call in the vendor traffic log (its token and card data masked)."""
        capture.outbound(
            "payments", "POST", f"{self.url}/payouts", request_body=body, response=response,
            started=started, error=error,
        )  # fmt: skip


def _short(value, length: int) -> str | None:
    return value[:length] if isinstance(value, str) and value.strip() else None


def _masked(value) -> str | None:
    """A requisite as it may be stored: any card number in it masked, whatever the provider
    sent (also one already partly masked)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return masked_card_numbers(value.strip())[:60]


def _no_card(value):
    """A text the provider sent, with any card number in it masked (kept and shown)."""
    return masked_card_numbers(value) if isinstance(value, str) else value
