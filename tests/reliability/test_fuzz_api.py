"""Schemathesis against the OpenAPI description (/openapi.json), on SQLite and PostgreSQL.

Every described operation gets generated requests, conforming ones (positive) and ones that
break the description (negative), sent in-process through the WSGI app: the portal's own
code, error renderers and database are real, only the socket is skipped. In-process lets
the test read the traceback the portal logs for an internal error, so every failure says
where it happened; the HTTP server layer is covered by the bank and crash suites over
gunicorn. tests/reliability/fuzz_doors.py signs each request for its door (BETCORE JWTs
from tests.harness.vendors.Betcore, Betsy's detached JWS) and substitutes seeded values
part of the time, so that generated input reaches the code behind the signatures. After
the generated requests of an operation, a sweep sends its richest accepted conforming request again
with each known troublemaker (fuzz_doors.TROUBLEMAKERS) in each field in turn: a
deterministic check of every single-field case that random generation may miss.

Checks on every answer: no 5xx and no internal error in the door's own terms (BETCORE
100500, Betsy code 100), no exception logged by the app, no exception text in the body,
the door's shape (gateway JSON, BETCORE envelope, Betsy {code, message} with a valid
signature), and schemathesis' conformance checks against the description: a documented
status, content type, headers and body schema.

A few examples per operation and mode and one sweep pair in 13 by default (well under a
minute per database); PORTAL_LONG=1 runs many more examples and the whole sweep. Failures
are collected (one input per distinct failure, the shortest), reported with
``report("fuzz", ...)``, and fail the test at the end.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import random
import traceback
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.accounts import documents, tokens
from portal.accounts import operations as accounts
from portal.accounts.models import Player
from portal.accounts.sessions import open_session
from portal.casino import operations as casino
from portal.extensions import db
from portal.sportsbook import betsy as jws
from portal.sportsbook import operations as sportsbook
from portal.wallet import operations as wallet
from tests.harness import hypothesis_printing
from tests.harness.coupons import open_coupon
from tests.harness.scale import report, scaled
from tests.harness.vendors import Betcore
from tests.reliability import fuzz_doors
from tests.reliability.fuzz_doors import World

hypothesis_printing.restore()  # see tests/harness/hypothesis_printing.py

EXAMPLES = scaled(short=5, long=120)  # per operation and generation mode
SWEEP_STRIDE = scaled(short=13, long=1)  # the sweep sends every n-th (field, troublemaker)
MAX_SWEEP_FIELDS = 40
SECRET = "fuzzing-partner-secret-0123456789-0123456789-abcdef"
RESULTS_SECRET = "fuzzing-results-secret"  # noqa: S105
PAYMENTS_SECRET = "fuzzing-payments-secret"  # noqa: S105
CRM_USER, CRM_PASSWORD = "intarget", "fuzzing-crm-password"
ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def vendor():
    betcore = Betcore()
    yield betcore
    betcore.stop()


# --- the world the fuzzer plays in ----------------------------------------------------------


def seed(app, vendor) -> World:
    """A brand with documents, a ready player with money, one who must finish registering,
    Betsy tokens, and a few bets at each vendor."""
    with app.app_context():
        brand = accounts.create_brand(
            "Fuzz Casino", currencies=["EUR", "USD", "BTC"], languages=["en", "de"]
        )
        for doc_type in ("tnc", "privacy"):
            documents.publish(brand, doc_type, language="en", title=doc_type, content="Terms.")
        ready = accounts.register_player(
            brand, email="ready@example.com", password="secret123", login_name="ready",
            over18=True, email_verified=True, complete=True,
        )  # fmt: skip
        gated = accounts.register_player(
            brand, email="gated@example.com", password="secret123", over18=True
        )
        for currency, amount in (("EUR", "100000.00"), ("USD", "500.00"), ("BTC", "1")):
            wallet.adjust(
                ready, currency, amount, reason="fuzz", operator="test", external_id=currency
            )
        betsy_tokens = {c: sportsbook.issue_token(ready, c) for c in ("EUR", "USD")}
        casino_token = casino.issue_token(ready, "EUR", 7)
        db.session.commit()
        world = World(brand.id, ready.id, gated.id, betsy_tokens, [], [])
    client = app.test_client()
    value = vendor.call(client, "/users/auth", {"RefreshToken": casino_token, "TagId": 7})
    assert value["ErrorCode"] == 200, value
    for bet_id in (1001, 1002, 1003):
        answer = vendor.call(client, "/payments/make", payment(world, bet_id, -1, "5.00"))
        assert answer["ErrorCode"] == 200, answer
        world.bet_ids.append(bet_id)
    payout = vendor.call(client, "/payments/make", payment(world, 1001, 1, "7.50"))
    assert payout["ErrorCode"] == 200, payout
    for index in range(3):
        transaction = f"fuzz-bet-{index}"
        status, answer = betsy(client, "POST", "/payment/bet", place(world, transaction))
        assert status == 200, answer
        world.transactions.append(transaction)
    world.barcodes = in_context(app, open_coupons, world.ready)
    world.deposits = in_context(app, new_deposits, brand.id, world.ready)
    world.sessions = lambda player_id: in_context(app, session_token, player_id)
    world.refresh_tokens = lambda: in_context(app, refresh_token, world.ready)
    world.reset_hashes = lambda: in_context(app, reset_hash, world.gated)
    return world


def payment(world, bet_id, kind, amount) -> dict:
    return {
        "Amount": amount,
        "BetId": bet_id,
        "PartnerUserId": str(world.ready),
        "TransactionType": kind,
        "TagId": 7,
    }


def place(world, transaction) -> dict:
    return {
        "token": world.betsy_tokens["EUR"],
        "transactionId": transaction,
        "currency": "EUR",
        "amount": "2.00",
        "userId": str(world.ready),
        "requestId": f"request-{transaction}",
        "metadata": [{"eventId": "77", "event": "A - B", "eventDate": "2030-01-01T12:00:00Z"}],
    }


def betsy(client, method, path, body):
    raw = json.dumps(body).encode()
    response = client.open(
        f"/betsy{path}",
        method=method,
        data=raw,
        headers={jws.HEADER: jws.sign(raw, SECRET), "Content-Type": "application/json"},
    )
    return response.status_code, response.json


def in_context(app, function, *args):
    with app.app_context():
        value = function(*args)
        db.session.commit()
        return value


def session_token(player_id) -> str:
    return open_session(db.session.get(Player, player_id), channel="api", ip="127.0.0.1")


def open_coupons(player_id) -> list[str]:
    """Three open coupons of the player, as the service accepted them (stakes debited)."""
    player = db.session.get(Player, player_id)
    barcodes = []
    for n in range(3):
        barcodes.append(open_coupon(player, f"fuzz-bar-{n}", 500).barcode)
    db.session.commit()
    return barcodes


def new_deposits(brand_id, player_id) -> list[str]:
    """Forty new deposits of 25.00 EUR of the player, waiting for the provider's callback."""
    from portal.payments import deposits
    from portal.payments.cli import method_row

    limits = dict(
        min_deposit="1.00", max_deposit="100.00", min_withdrawal="1.00", max_withdrawal="100.00"
    )
    method_row(brand_id, "sandbox", "EUR", limits)
    player = db.session.get(Player, player_id)
    references = [deposits.start(player, "25.00", "EUR", "sandbox").reference for _ in range(40)]
    db.session.commit()
    return references


def refresh_token(player_id) -> str:
    return casino.issue_token(db.session.get(Player, player_id), "EUR", 7)


def reset_hash(player_id) -> str:
    player = db.session.get(Player, player_id)
    return tokens.issue(player, "reset", player.email, lifetime=timedelta(minutes=30))


# --- the description, as the fuzzer uses it -------------------------------------------------


def fuzzing_schema(app):
    """The served description, as the fuzzer needs it: each BETCORE operation's body is its
    x-jwt-data schema (the fuzzer generates the data claim, fuzz_doors signs it), and the
    vendors' and the CRM's security schemes are left to fuzz_doors (which signs or
    authenticates every request; left to schemathesis, negative cases would drop the
    signature or credentials and never reach the code)."""
    raw = app.test_client().get("/openapi.json").json
    for path, item in raw["paths"].items():
        for operation in item.values():
            if "x-jwt-data" in operation:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": operation["x-jwt-data"]}}},
                }
            if path.startswith(("/betcore/", "/betsy/", "/crm/")):
                operation["security"] = []
    return schemathesis.openapi.from_dict(raw)


# --- running and judging ----------------------------------------------------------------------


class Errors(logging.Handler):
    """The exceptions the app logs ("unhandled error on ..."), with their tracebacks."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info:
            self.records.append(record)


def where(record: logging.LogRecord) -> tuple[str, str]:
    """(the innermost portal frame of a logged exception, the exception)."""
    exc = record.exc_info[1]
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(ROOT / "portal"))]
    frame = (ours or frames)[-1]
    location = f"{os.path.relpath(frame.filename, ROOT)}:{frame.lineno} in {frame.name}"
    message = (str(exc).strip().splitlines() or [""])[0][:200]
    return location, f"{type(exc).__name__}: {message}"


@dataclass
class Found:
    """One distinct failure: the operation, what is wrong, the (shortest) input that showed
    it, the answer, and where the app failed (file:line, exception) or what the description
    says (schemathesis' message)."""

    operation: str
    mode: str
    problem: str
    input: str
    answer: str
    where: str = ""
    detail: str = ""

    def __str__(self):
        lines = [f"{self.operation} [{self.mode}] {self.problem}", f"  input: {self.input}"]
        lines.append(f"  answer: {self.answer}")
        if self.where:
            lines.append(f"  where: {self.where}")
        if self.detail:
            lines.append(f"  detail: {self.detail}")
        return "\n".join(lines)


def _description_problems(case, response) -> list[tuple[str, str, str]]:
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        failures = list(group.exceptions)
    except Failure as failure:
        failures = [failure]
    else:
        return []
    return [
        (f"description: {f.title}", "", " ".join((f.message or "").split())[:300]) for f in failures
    ]


class Fuzzer:
    def __init__(self, app, doors):
        self.app, self.doors = app, doors
        self.inputs: dict[str, int] = {}
        self.outcomes: dict[tuple[str, str], int] = {}  # (door prefix, outcome) -> answers
        self.bases: dict[str, fuzz_doors.Base] = {}  # operation -> its first accepted request
        self.found: dict[tuple, Found] = {}
        self.errors = Errors()

    def door(self, path):
        return next(d for d in self.doors if path.startswith(d.prefix))

    def run(self, operation, mode: GenerationMode) -> None:
        door = self.door(operation.path)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def send(case, data):
            prepared = door.prepare(case, data.draw)
            self.errors.records.clear()
            response = case.call(app=self.app, **prepared.call)
            self.count(door, label, response)
            self.judge(label, mode.value, prepared.shown, response, case)
            accepted = door.outcome(response) == "accepted"
            if accepted and mode.is_positive and self.richer(label, prepared.body):
                url = urlsplit(response.request.url)
                path = f"{url.path}?{url.query}" if url.query else url.path
                body = copy.deepcopy(prepared.body)
                self.bases[label] = fuzz_doors.Base(case.method, path, body, prepared.who)

        label = f"{operation.method.upper()} {operation.path}"
        with contextlib.suppress(Unsatisfiable):  # nothing negative to generate here
            send()

    def richer(self, label, body) -> bool:
        """Whether an accepted body has more fields than the operation's sweep base (up to
        MAX_SWEEP_FIELDS): the sweep then covers more of the code."""
        fields = len(list(fuzz_doors.leaves(body)))
        base = self.bases.get(label)
        known = len(list(fuzz_doors.leaves(base.body))) if base else -1
        return known < fields <= MAX_SWEEP_FIELDS

    def sweep(self, operation) -> None:
        """Every troublemaker in every field of the operation's richest accepted request
        (every SWEEP_STRIDE-th pair by default, from a random start)."""
        label = f"{operation.method.upper()} {operation.path}"
        base, door = self.bases.get(label), self.door(operation.path)
        if base is None:
            return
        pairs = [(p, m) for p in fuzz_doors.leaves(base.body) for m in fuzz_doors.TROUBLEMAKERS]
        start = random.randrange(SWEEP_STRIDE)  # noqa: S311 (which pairs, not a secret)
        for path, maker in pairs[start::SWEEP_STRIDE]:
            body = copy.deepcopy(base.body)
            fuzz_doors.put(body, path, copy.deepcopy(maker))
            self.errors.records.clear()
            with self.app.test_client() as client:
                response = schemathesis.Response.from_any(door.resend(client, base, body))
            self.count(door, label, response)
            field = "".join(f"[{step!r}]" for step in path)
            shown = f"{field} = {fuzz_doors.as_text(maker)} in {fuzz_doors.as_text(body)}"
            self.judge(label, "sweep", shown, response)

    def count(self, door, label, response) -> None:
        self.inputs[label] = self.inputs.get(label, 0) + 1
        outcome = (door.prefix, door.outcome(response))
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def judge(self, label, mode, shown, response, case=None) -> None:
        logged = [where(record) for record in self.errors.records]
        # a 5xx (or its vendor equivalent) names the exception the app logged for it
        cause = logged[0] if logged else ("", "")
        door = self.door(label.split(" ", 1)[1])
        problems = [(p, *cause) for p in door.problems(response)]
        if logged and not problems:
            problems += [("exception logged by the app", *found) for found in logged]
        if case is not None:
            problems += _description_problems(case, response)
        answer = f"{response.status_code} {response.content[:300]!r}"
        for problem, location, detail in problems:
            # one entry per failing place (and exception type), not per message
            key = (label, problem, location, detail.split(":")[0] if location else "")
            found = Found(label, mode, problem, shown, answer, location, detail)
            known = self.found.get(key)
            if known is None or len(found.input) < len(known.input):
                self.found[key] = found


def test_fuzz_every_operation(make_app, vendor, database_url):
    app = make_app(
        BETCORE_API_URL=vendor.url,
        BETCORE_JWKS_COOLDOWN=0,
        BETSY_PARTNER_SECRET=SECRET,
        BETCALC_RESULT_SECRET=RESULTS_SECRET,
        PAYMENT_SANDBOX_SECRET=PAYMENTS_SECRET,
        CRM_FEED_USER=CRM_USER,
        CRM_FEED_PASSWORD=CRM_PASSWORD,
        CRM_SETTLE_SECONDS=0,
        CRM_SETTLE_WAIT_SECONDS=2,
    )
    world = seed(app, vendor)
    schema = fuzzing_schema(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    doors = [
        fuzz_doors.Gateway(world),
        fuzz_doors.Betcore(world, vendor),
        fuzz_doors.Betsy(world, SECRET),
        fuzz_doors.Betcalc(world, RESULTS_SECRET),
        fuzz_doors.Payments(world, PAYMENTS_SECRET),
        fuzz_doors.Crm(world, CRM_USER, CRM_PASSWORD),
    ]
    fuzzer = Fuzzer(app, doors)
    logger = logging.getLogger(app.logger.name)
    logger.addHandler(fuzzer.errors)
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                fuzzer.run(operation, mode)
            fuzzer.sweep(operation)
    finally:
        logger.removeHandler(fuzzer.errors)
        hypothesis_printing.restore()  # building strategies patched Hypothesis again
    backend = database_url.split(":", 1)[0].split("+")[0]
    count = fuzzer.outcomes.get
    report(
        "fuzz",
        backend=backend,
        inputs=sum(fuzzer.inputs.values()),
        operations=len(operations),
        failures=len(fuzzer.found),
        accepted=sum(n for (_, outcome), n in fuzzer.outcomes.items() if outcome == "accepted"),
    )
    assert len(fuzzer.inputs) == len(operations)  # every operation was really fuzzed
    for door in doors:  # most inputs got past the signature or token, some all the way
        past = count((door.prefix, "accepted"), 0) + count((door.prefix, "refused"), 0)
        assert past >= count((door.prefix, "unauthenticated"), 0), (door.prefix, fuzzer.outcomes)
        assert count((door.prefix, "accepted"), 0) > 0, (door.prefix, fuzzer.outcomes)
    failures = "\n\n".join(str(found) for found in fuzzer.found.values())
    assert not fuzzer.found, f"{len(fuzzer.found)} distinct failures:\n\n{failures}"
