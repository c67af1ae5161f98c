"""The requests the benchmark sends, built (and signed) before a timed run starts.

A `Call` is one complete HTTP request. BETCORE's calls carry an RS256 JWT signed with the
stand-in's key (`tests.harness.vendors.Betcore.token`), Betsy's a detached HS256 JWS over
the body (`portal.sportsbook.betsy.sign`, the contract's signature), so each money call is
unique and verifiable: the server does all the work a real vendor call costs it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import simplejson
from cryptography.hazmat.primitives import serialization

from portal.sportsbook import betsy as jws
from tests.harness.vendors import Betcore

CURRENCY = "EUR"
TAG_ID = 7  # the WebFrame element the players' casino sessions were opened in
STAKE, PAYOUT = -1, 1  # BETCORE's TransactionType
STAKE_AMOUNT, PAYOUT_AMOUNT = "1.00", "2.00"
TOKEN_TTL = 3600  # seconds a prepared JWT stays valid: longer than any run
POOL_FROM = 200  # sign this many tokens or more in a process pool


@dataclass(frozen=True)
class Call:
    """One HTTP request: method, path, headers and body."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def line(self) -> str:
        """The call as one tab-separated line (method, path, body, "Name: value"...), for the
        wrk script. JSON bodies, JWTs and JWSs hold no tabs or line breaks."""
        text = "\t".join(
            [self.method, self.path, self.body.decode(), *(f"{n}: {v}" for n, v in self.headers)]
        )
        if "\n" in text or "\r" in text or text.count("\t") != 2 + len(self.headers):
            raise ValueError(f"call cannot be written on one line: {text[:200]!r}")
        return text


@dataclass(frozen=True)
class Check:
    """What a successful answer is: this HTTP status, and `needle` somewhere in the body."""

    status: int
    needle: str = ""

    def passes(self, status: int, body: bytes) -> bool:
        return status == self.status and self.needle.encode() in body


ANSWERED = Check(200)
BETCORE_OK = Check(200, '"ErrorCode":200,')  # the envelope, compact JSON
BETSY_OK = Check(200, '"transactionId"')  # errors are HTTP 400 {"code", "message"}
LOGIN_OK = Check(200, '"auth_token"')  # 303: logged in, but an action is pending


# --- BETCORE ---------------------------------------------------------------------------------


def payment_data(player_id: int, bet_id: int, kind: int, amount: str) -> dict:
    """The `data` of a /payments/make JWT, as BETCORE sends it."""
    return {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet_id,
        "PartnerUserId": str(player_id),
        "TransactionType": kind,
        "PromoCode": None,
        "TagId": TAG_ID,
    }


def betcore_call(token: str) -> Call:
    return Call("POST", "/betcore/payments/make", (("Authorization", f"Bearer {token}"),))


class BetcoreSigner:
    """Signs `data` claims into BETCORE's RS256 JWTs with the stand-in's current key; many at
    once in a process pool (an RS256 signature costs about a millisecond)."""

    def __init__(self, betcore: Betcore):
        self.kid = betcore.kid
        self.pem = betcore.keys[betcore.kid].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _start_signer(self.pem, self.kid)  # this process signs the small batches itself

    def calls(self, payloads: list[dict]) -> list[Call]:
        if len(payloads) < POOL_FROM:
            return [betcore_call(_sign(data)) for data in payloads]
        # fork: the workers need only the key, and start at once (no re-import of the app)
        with ProcessPoolExecutor(
            max_workers=os.cpu_count() or 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_signer,
            initargs=(self.pem, self.kid),
        ) as pool:
            return [betcore_call(token) for token in pool.map(_sign, payloads, chunksize=100)]


_signer = None  # per process: what Betcore.token reads of the stand-in (its keys and kid)


def _start_signer(pem: bytes, kid: str) -> None:
    global _signer
    key = serialization.load_pem_private_key(pem, password=None)
    _signer = SimpleNamespace(keys={kid: key}, kid=kid)


def _sign(data: dict) -> str:
    return Betcore.token(_signer, data, ttl=TOKEN_TTL)


# --- Betsy -----------------------------------------------------------------------------------

SELECTION = {  # one line of a single bet's metadata, in the contract's shape
    "disciplineId": "1",
    "discipline": "Football",
    "tournamentId": "17",
    "tournament": "Premier League",
    "tournamentRegionCode": "GB",
    "eventId": "4242",
    "event": "Arsenal - Chelsea",
    "eventDate": "2030-05-01T19:00:00Z",
    "marketId": "1",
    "market": "1x2",
    "outcomeId": "11",
    "outcome": "Arsenal",
    "coefficient": Decimal("2.50"),
    "stage": "prematch",
}


def betsy_call(method: str, path: str, data: dict, secret: str) -> Call:
    body = simplejson.dumps(data, use_decimal=True, separators=(",", ":")).encode()
    headers = (("Content-Type", "application/json"), (jws.HEADER, jws.sign(body, secret)))
    return Call(method, f"/betsy{path}", headers, body)


def betsy_place(player_id: int, token: str, transaction_id: str, secret: str) -> Call:
    data = {
        "token": token,
        "transactionId": transaction_id,
        "currency": CURRENCY,
        "amount": Decimal(STAKE_AMOUNT),  # Betsy sends JSON numbers
        "userId": str(player_id),
        "coefficient": Decimal("2.50"),
        "ip": "127.0.0.1",
        "requestId": f"place-{transaction_id}",
        "ticketType": "single",
        "metadata": [SELECTION],
    }
    return betsy_call("POST", "/payment/bet", data, secret)


def betsy_settle(player_id: int, transaction_id: str, secret: str) -> Call:
    data = {
        "type": 2,
        "transactionId": transaction_id,
        "userId": str(player_id),
        "currency": CURRENCY,
        "amount": Decimal(PAYOUT_AMOUNT),
        "resultType": "won",
        "requestId": f"settle-{transaction_id}",
    }
    return betsy_call("PUT", "/payment/bet", data, secret)


# --- players and the ceiling -----------------------------------------------------------------


def login_call(brand_id: int, email: str, password: str) -> Call:
    body = json.dumps({"email": email, "password": password}, separators=(",", ":")).encode()
    headers = (("Content-Type", "application/json"),)
    return Call("POST", f"/gateway/login/1/{brand_id}/player", headers, body)


RESULTS_SECRET = "bench-results-secret"  # noqa: S105 (the bench's BETCALC_RESULT_SECRET)
RESULTS_OK = Check(200, '"result":"ok"')


def results_call(heads: list[dict]) -> Call:
    """The calculation service posting a batch of coupon results (seed 004)."""
    body = json.dumps({"remote_host": "bench", "Heads": heads}, separators=(",", ":"))
    path = f"/betcalc/{RESULTS_SECRET}/api/bet/result"
    return Call("POST", path, (("Content-Type", "application/json"),), body.encode())


def result_head(bar_code: str, won: bool) -> dict:
    return {
        "KeyHead": {"Id": "1", "BarCode": bar_code},
        "Status": 2 if won else 4,
        "ExtStatus": 0,
        "AmountOut": "2.00" if won else 0,
        "DateReceive": "1597075782",
    }


PAYMENTS_SECRET = "bench-payments-secret"  # noqa: S105 (the bench's PAYMENT_SANDBOX_SECRET)
PAYMENT_OK = Check(200, '"result":"ok"')


def payment_callback(reference: str, amount: str, provider_tx_id: str) -> Call:
    """The sandbox provider's signed success callback for a deposit (its contract: X-Signature
    = hex HMAC-SHA256 of the raw body under PAYMENT_SANDBOX_SECRET)."""
    import hashlib
    import hmac

    body = json.dumps(
        {
            "provider_tx_id": provider_tx_id,
            "reference": reference,
            "status": "success",
            "amount": amount,
            "currency": CURRENCY,
            "requisite": "4242424242424242",
        },
        separators=(",", ":"),
    ).encode()
    signature = hmac.new(PAYMENTS_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = (("Content-Type", "application/json"), ("X-Signature", signature))
    return Call("POST", "/payments/sandbox/callback", headers, body)


def get_call(path: str) -> Call:
    return Call("GET", path)
