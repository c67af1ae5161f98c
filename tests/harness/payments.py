"""The sandbox payment provider served beside the portal, and a provider's signed callbacks
written by the test itself (the protocol of /payments/sandbox/callback)."""

import contextlib
import hashlib
import hmac
import json

import requests

from portal.extensions import db
from portal.payments.cli import method_row
from portal.sandbox.payments import create_payments_sandbox
from tests.harness.live_server import LiveServer

SECRET = "payments-test-secret"
LIMITS = {
    "min_deposit": "5.00",
    "max_deposit": "1000.00",
    "min_withdrawal": "5.00",
    "max_withdrawal": "500.00",
}


@contextlib.contextmanager
def served_cashier(app, brand_id: int, *, pending_seconds: float = -1):
    """(portal URL, PaymentsSandbox): the portal and the sandbox provider on ports of their
    own, the sandbox offered in EUR on the brand (5.00 to 1000.00 deposits, 5.00 to 500.00
    withdrawals); a pending test card waits for the test unless `pending_seconds` >= 0."""
    sandbox_app = create_payments_sandbox(SECRET, pending_seconds)
    with LiveServer(app) as portal, LiveServer(sandbox_app) as provider:
        app.config.update(
            PUBLIC_URL=portal.url,
            PAYMENT_SANDBOX_URL=provider.url,
            PAYMENT_SANDBOX_SECRET=SECRET,
            PAYMENT_TIMEOUT=5.0,
        )
        with app.app_context():
            method_row(brand_id, "sandbox", "EUR", LIMITS)
            db.session.commit()
        yield portal.url, sandbox_app.extensions["payments_sandbox"]


def signed(body: dict, secret: str = SECRET) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def callback(url: str, body, *, signature: str | None = ..., raw: bytes | None = None):
    """POST a callback as the provider does (signed unless `signature` says otherwise)."""
    if raw is None:
        raw, good = signed(body)
    else:
        good = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    if signature is ...:
        headers["X-Signature"] = good
    elif signature is not None:
        headers["X-Signature"] = signature
    return requests.post(f"{url}/payments/sandbox/callback", data=raw, headers=headers, timeout=10)
