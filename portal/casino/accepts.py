"""Confirmations to BETCORE: every /payments/make and cashback is confirmed by an "accept"
written to the outbox in the same transaction as the money movement; the worker delivers
it (with BETCORE's partner token) and retries until BETCORE answers ErrorCode 200."""

import threading
import time
from urllib.parse import urlencode

import requests
from flask import current_app

from portal.outbox import operations as outbox
from portal.traffic import capture

PAYMENT_ACCEPT = "/mis-api/api/v2/payments/accept"
CASHBACK_ACCEPT = "/mis-api/api/v2/cashback-payments/accept"
TOKEN_PATH = "/mis-api/api/v2/auth/token"  # noqa: S105 (a path, not a secret)


def _url(path: str) -> str:
    return current_app.config["BETCORE_API_URL"].rstrip("/") + path


def enqueue_payment(payload: dict) -> None:
    outbox.enqueue("betcore.accept", _url(PAYMENT_ACCEPT), payload)


def enqueue_cashback(payload: dict) -> None:
    outbox.enqueue("betcore.cashback", _url(CASHBACK_ACCEPT), payload)


def _accepted(response: requests.Response) -> bool:
    """BETCORE answers HTTP 200 with its envelope; only ErrorCode 200 is a confirmation.
    (A 401 never gets here: the outbox retries non-2xx answers; see _partner_headers.)"""
    try:
        return response.json().get("ErrorCode") == 200
    except ValueError:
        return False


_token_lock = threading.Lock()
_tokens: dict[tuple[str, str], dict] = {}  # (API URL, client id) -> {value, expires}
TOKEN_REUSE_SECONDS = 60


def _partner_headers() -> dict:
    """Authorization with a partner access token from BETCORE, reused for at most a minute
    (and never past its expiry), so a token BETCORE forgot (a restart) is soon replaced."""
    key = (current_app.config["BETCORE_API_URL"], current_app.config["BETCORE_CLIENT_ID"])
    with _token_lock:
        token = _tokens.setdefault(key, {})
        if token.get("expires", 0) < time.monotonic():
            form = {
                "client_id": current_app.config["BETCORE_CLIENT_ID"],
                "client_secret": current_app.config["BETCORE_CLIENT_SECRET"],
                "grant_type": "client_credentials",
            }
            started, response = time.perf_counter(), None
            try:
                response = requests.post(
                    _url(TOKEN_PATH), data=form, timeout=current_app.config["OUTBOX_HTTP_TIMEOUT"]
                )
            finally:  # the traffic log masks the secret and the token
                capture.outbound(
                    "betcore", "POST", _url(TOKEN_PATH), request_body=urlencode(form),
                    response=response, started=started,
                    error=None if response is not None else "no answer",
                    request_mimetype="application/x-www-form-urlencoded",
                )  # fmt: skip
            response.raise_for_status()
            body = response.json()
            lifetime = min(int(body.get("expires_in", 300)) - 30, TOKEN_REUSE_SECONDS)
            token.update(value=body["access_token"], expires=time.monotonic() + lifetime)
        return {"Authorization": f"Bearer {token['value']}"}


outbox.register_acceptor("betcore", _accepted)
outbox.register_headers("betcore", _partner_headers)
