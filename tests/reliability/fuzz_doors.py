"""How the fuzzer speaks each outside door, and what it checks in each answer.

Schemathesis generates requests from the OpenAPI description; before each one is sent,
``Door.prepare`` makes it reach the code behind the signatures and the checks:

- gateway: a real player's ``x-auth-token`` most of the time (a ready player, or one who must
  finish registering), the seeded brand's id in the path most of the time;
- BETCORE: the generated ``data`` object (the description's ``x-jwt-data`` schema, put in
  place of the body for the fuzzer) is signed into an RS256 JWT by the test's Betcore, sent
  as ``Authorization: Bearer`` or, now and then, as the raw JSON-string body;
- Betsy: the generated body is serialized and signed with the detached JWS of the app's
  secret (one in ten with another secret, which must be refused with a signed code 1).
- bet results: the app's secret in the path (one in ten another, which must answer 404),
  the seeded coupons' barcodes in the items most of the time.
- CRM: HTTP Basic with the app's credentials (one in ten wrong ones, which must answer
  401), a window that is over and holds the seeded activity most of the time, the seeded
  players' ids in campaign requests most of the time.

Realistic values (the seeded player, a live token, an existing bet) replace generated ones
part of the time, and one request in two gets a known troublemaker in one field (a huge
number, a lone surrogate, a NUL, non-ASCII digits...), so that valid-looking calls get far
and the parsers see what breaks parsers. ``resend`` sends an accepted request again with
another body: the test's sweep puts each troublemaker into each field of it in turn.

``Door.problems`` names what is wrong with an answer: a 5xx or its vendor equivalent
(BETCORE 100500, Betsy code 100), an answer outside the door's shape, an unsigned Betsy
answer, exception text in the body; ``Door.outcome`` sorts answers into accepted, refused
and unauthenticated (did the input get past the signature or token?).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import strategies as st

from portal.casino.betcore import CODES as BETCORE_CODES
from portal.sportsbook import betsy as jws
from portal.timeutil import utcnow

TRACEBACK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|sqlalchemy|psycopg"
    r"|sqlite3|IntegrityError|OperationalError|DataError|ProgrammingError|<class '",
    re.IGNORECASE,
)
TROUBLEMAKERS = [
    "99999999999999999999",
    "9223372036854775808",
    "-1",
    "1e5",
    "0.001",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, int() reads them
    "１２",  # full-width digits
    "²",  # str.isdigit() says yes, int() says no
    "0001-01-01T00:00:00+01:00",  # a moment before datetime.min once in UTC
    " 1 ",
    "abc\ud800def",  # a lone surrogate: no database can store it
    "nul\x00byte",
    "x" * 400,
    "",
    2**63,
    -(2**63) - 1,
    10**30,
    1.5,
    True,
    None,
    [],
    {},
]
SELECTION = {  # a selection as Betsy sends it (docs/betsy-contract.md)
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
    "coefficient": 2.5,
    "stage": "prematch",
}
OTHER_SECRET = "not-the-partner-secret-0123456789abcdef0123456789"  # noqa: S105


@dataclass
class World:
    """What the fuzzer may use to get far: seeded by the test."""

    brand_id: int
    ready: int  # a player with money, nothing pending
    gated: int  # a player who has registration step two to do
    betsy_tokens: dict[str, str]  # currency -> the ready player's token
    bet_ids: list[int]  # BETCORE bets of the ready player
    transactions: list[str]  # Betsy bets of the ready player
    sessions: object = None  # callable(player_id) -> a fresh x-auth-token
    refresh_tokens: object = None  # callable() -> a fresh WebFrame refresh token
    reset_hashes: object = None  # callable() -> a fresh password-reset hash
    barcodes: list = field(default_factory=list)  # open coupons of the ready player
    deposits: list = field(default_factory=list)  # new deposits (25.00 EUR) of the ready player


@dataclass
class Prepared:
    """What to add to schemathesis' request (``case.call`` keyword arguments), the input as
    a person reads it (for the report), and what ``resend`` needs to send it again with
    another body: the JSON body (BETCORE: the data claim) and whose token it carried."""

    call: dict = field(default_factory=dict)
    shown: str = ""
    body: object = None
    who: str = ""


@dataclass
class Base:
    """An operation's request that was accepted: the sweep sends it again with one field
    replaced by each troublemaker."""

    method: str
    path: str  # with the query string
    body: object
    who: str


def leaves(value, path=()):
    """Paths to every scalar inside a JSON value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from leaves(inner, (*path, index))
    elif path:
        yield path


def put(value, path, new):
    for step in path[:-1]:
        value = value[step]
    value[path[-1]] = new


def one_in(draw, n: int) -> bool:
    """True one time in `n`. (Hypothesis favours the ends of a range, so the test is on a
    middle value: the odds stay near 1/n.)"""
    return draw(st.integers(0, n - 1)) == n // 2


def troublemaker(draw, body) -> None:
    """Replace one scalar of the body with a known troublemaker, one time in two."""
    if not isinstance(body, dict | list):
        return
    paths = list(leaves(body))
    if paths and not one_in(draw, 2):
        path = draw(st.sampled_from(paths))
        put(body, path, copy.deepcopy(draw(st.sampled_from(TROUBLEMAKERS))))


def realistic(draw, body, values: dict) -> None:
    """Give each present key of `values` its realistic value four times in five; also in
    the objects of lists (BETCORE's make-list items)."""
    if isinstance(body, list):
        for item in body:
            realistic(draw, item, values)
        return
    if not isinstance(body, dict):
        return
    for key in list(body):
        if key in values and not one_in(draw, 5):
            body[key] = values[key]() if callable(values[key]) else values[key]
        elif isinstance(body[key], dict | list):
            realistic(draw, body[key], values)


def serialized(body) -> bytes:
    """The body as sent: JSON, or the raw bytes negative generation sometimes makes."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def as_text(value) -> str:
    if type(value).__name__ == "NotSet":  # schemathesis' "no body"
        return "(none)"
    text = json.dumps(value, ensure_ascii=True, default=repr)
    return text if len(text) <= 600 else text[:600] + "…"


def _json(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def common_problems(response) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"HTTP {response.status_code}")
    found = TRACEBACK.search(response.content.decode("utf-8", "replace"))
    if found:
        problems.append(f"exception text in the body: {found.group(0)!r}")
    return problems


# --- the doors ----------------------------------------------------------------------------


class Gateway:
    prefix = "/gateway/"

    def __init__(self, world: World):
        self.world = world

    def prepare(self, case, draw) -> Prepared:
        world = self.world
        known = {
            "brand_id": str(world.brand_id),
            "lang": lambda: draw(st.sampled_from(["en", "de"])),
            "type": lambda: draw(st.sampled_from(["tnc", "privacy"])),
            "code": lambda: draw(st.sampled_from(["login_failed", "forgot_email_sent"])),
            "game": lambda: draw(st.sampled_from(["sportsbook", "dice"])),
            "hash": world.reset_hashes,
            "new_password": "fresh4pass",
        }
        realistic(draw, case.path_parameters, known)
        realistic(draw, case.query, known)
        who = draw(st.sampled_from(["ready", "ready", "ready", "gated", "as generated"]))
        headers = {}
        player = {"ready": world.ready, "gated": world.gated}.get(who)
        if player is not None:
            headers["x-auth-token"] = world.sessions(player)
        if isinstance(case.body, dict):
            known |= {"brand_id": world.brand_id, "player_id": player or 0}
            realistic(draw, case.body, known)
            troublemaker(draw, case.body)
        shown = (
            f"{who} player; path {as_text(case.path_parameters)}; query {as_text(case.query)};"
            f" body {as_text(case.body)}"
        )
        return Prepared({"headers": headers}, shown, case.body, who)

    def resend(self, client, base: Base, body):
        player = {"ready": self.world.ready, "gated": self.world.gated}.get(base.who)
        headers = {"x-auth-token": self.world.sessions(player)} if player else {}
        return client.open(base.path, method=base.method, json=body, headers=headers)

    def outcome(self, response) -> str:
        if response.status_code == 401:
            return "unauthenticated"
        return "accepted" if response.status_code < 300 else "refused"

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        if response.status_code == 204:
            return problems + (["a body with 204"] if response.content else [])
        if not isinstance(_json(response), dict):
            problems.append("the answer is not a JSON object")
        return problems


class Betcore:
    prefix = "/betcore/"

    def __init__(self, world: World, vendor):
        self.world, self.vendor = world, vendor

    def prepare(self, case, draw) -> Prepared:
        world = self.world
        data = case.body
        realistic(
            draw,
            data,
            {
                "PartnerUserId": str(world.ready),
                "RefreshToken": world.refresh_tokens,
                "BetId": lambda: draw(st.sampled_from(world.bet_ids)),
                "Amount": lambda: draw(st.sampled_from(["0.01", "1.00", "2.5", "0"])),
            },
        )
        troublemaker(draw, data)
        token = self.vendor.token(serialized(data).decode("latin-1"))
        case.headers.pop("Authorization", None)
        if one_in(draw, 5):
            call = {"data": json.dumps(token).encode()}
            way = "raw body"
        else:
            call = {"headers": {"Authorization": f"Bearer {token}"}, "data": b""}
            way = "bearer"
        return Prepared(call, f"JWT ({way}) with data {as_text(data)}", data)

    def resend(self, client, base: Base, data):
        token = self.vendor.token(serialized(data).decode("latin-1"))
        return client.open(
            base.path, method=base.method, headers={"Authorization": f"Bearer {token}"}
        )

    def outcome(self, response) -> str:
        code = (_json(response) or {}).get("ErrorCode")
        return {200: "accepted", 100401: "unauthenticated"}.get(code, "refused")

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        if response.status_code != 200:
            problems.append(f"HTTP {response.status_code} (BETCORE answers 200 always)")
        answer = _json(response)
        if not isinstance(answer, dict) or set(answer) != {"ErrorCode", "Message", "Value"}:
            return [*problems, "not the {ErrorCode, Message, Value} envelope"]
        if answer["ErrorCode"] not in BETCORE_CODES:
            problems.append(f"undocumented ErrorCode {answer['ErrorCode']}")
        elif answer["Message"] != BETCORE_CODES[answer["ErrorCode"]]:
            problems.append(f"Message {answer['Message']!r} for {answer['ErrorCode']}")
        codes = [answer["ErrorCode"]]
        if isinstance(answer["Value"], list):  # make-list: every item in the envelope's shape
            codes += [i.get("ErrorCode") for i in answer["Value"] if isinstance(i, dict)]
        if 100500 in codes:
            problems.append("ErrorCode 100500 (internal error)")
        return problems


class Betsy:
    prefix = "/betsy/"

    def __init__(self, world: World, secret: str):
        self.world, self.secret = world, secret

    def prepare(self, case, draw) -> Prepared:
        world = self.world
        body = case.body
        currency = draw(st.sampled_from(sorted(world.betsy_tokens)))
        placing = case.method == "POST" and case.path.endswith("/payment/bet")

        def transaction():  # a new bet is placed under a new id; the others name a known bet
            if placing and not one_in(draw, 4):
                return str(uuid.uuid4())
            return draw(st.sampled_from(world.transactions))

        realistic(
            draw,
            body,
            {
                "token": world.betsy_tokens[currency],
                "userId": str(world.ready),
                "currency": currency,
                "transactionId": transaction,
                "amount": lambda: draw(st.sampled_from(["1.00", "0.5", "0", "3"])),
            },
        )
        if placing and isinstance(body, dict) and not one_in(draw, 3):
            body["metadata"] = [dict(SELECTION)]  # as real bets carry
        troublemaker(draw, body)
        raw = serialized(body)
        honest = not one_in(draw, 10)
        signature = jws.sign(raw, self.secret if honest else OTHER_SECRET)
        shown = f"{'signed' if honest else 'signed with another secret'} body {as_text(body)}"
        return Prepared({"headers": {jws.HEADER: signature}, "data": raw}, shown, body)

    def resend(self, client, base: Base, body):
        raw = serialized(body)
        headers = {jws.HEADER: jws.sign(raw, self.secret), "Content-Type": "application/json"}
        return client.open(base.path, method=base.method, data=raw, headers=headers)

    def outcome(self, response) -> str:
        if response.status_code == 200:
            return "accepted"
        return "unauthenticated" if (_json(response) or {}).get("code") == 1 else "refused"

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        if response.status_code not in (200, 400):
            problems.append(f"HTTP {response.status_code} (Betsy answers 200 or 400)")
        signature = response.headers.get(jws.HEADER, [None])[0]
        try:
            jws.verify(signature, response.content, self.secret)
        except jws.BadSignature as exc:
            problems.append(f"answer not signed: {exc}")
        answer = _json(response)
        if not isinstance(answer, dict):
            return [*problems, "the answer is not a JSON object"]
        if response.status_code == 400:
            if set(answer) != {"code", "message"} or answer["code"] not in jws.MESSAGES:
                problems.append("not the {code, message} refusal")
            elif answer["code"] == 100:
                problems.append("code 100 (system error)")
        return problems


class Betcalc:
    prefix = "/betcalc/"

    def __init__(self, world: World, secret: str):
        self.world, self.secret = world, secret

    def prepare(self, case, draw) -> Prepared:
        honest = not one_in(draw, 10)
        case.path_parameters = {**(case.path_parameters or {}), "secret": self.secret}
        if not honest:
            case.path_parameters["secret"] = "not-the-results-secret"
        body = case.body
        heads = body.get("Heads") if isinstance(body, dict) else None
        for head in heads if isinstance(heads, list) else []:
            keyed = isinstance(head, dict) and isinstance(head.get("KeyHead"), dict)
            if keyed and self.world.barcodes and not one_in(draw, 4):
                head["KeyHead"]["BarCode"] = draw(st.sampled_from(self.world.barcodes))
        values = {
            "Status": lambda: draw(st.sampled_from([2, 3, 4, 1])),
            "ExtStatus": lambda: draw(st.sampled_from([0, 1])),
            "AmountOut": lambda: draw(st.sampled_from([0, 12.5, "7.50", 1000, 0.01])),
        }
        realistic(draw, body, values)
        troublemaker(draw, body)
        shown = f"{'the secret' if honest else 'another secret'} in the path; body {as_text(body)}"
        return Prepared({}, shown, body)

    def resend(self, client, base: Base, body):
        return client.open(base.path, method=base.method, json=body)

    def outcome(self, response) -> str:
        if response.status_code in (403, 404):
            return "unauthenticated"
        return "accepted" if response.status_code == 200 else "refused"

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        if response.status_code not in (200, 400, 403, 404, 413):
            problems.append(f"HTTP {response.status_code} (results answer 200, 400, 403, 404, 413)")
        answer = _json(response)
        if not isinstance(answer, dict):
            return [*problems, "the answer is not a JSON object"]
        if response.status_code == 200:
            if answer.get("result") != "ok" or not isinstance(answer.get("applied"), int):
                problems.append("not the {result: ok, applied, unknown, ...} summary")
        elif set(answer) != {"result", "message"} or answer["result"] != "error":
            problems.append("not the {result: error, message} refusal")
        return problems


class Payments:
    """The payment providers' callbacks: signed with the sandbox provider's secret (now and
    then with another), naming the ready player's new deposits of 25.00 EUR. Until one is
    accepted, each body is a valid callback (the sweep then varies an accepted one)."""

    prefix = "/payments/"

    def __init__(self, world: World, secret: str):
        self.world, self.secret, self.accepted = world, secret, False

    def prepare(self, case, draw) -> Prepared:
        case.path_parameters = {**(case.path_parameters or {}), "provider": "sandbox"}
        if not self.accepted:
            case.body = {key: "" for key in ("provider_tx_id", "reference", "status", "amount")}
            case.body["currency"] = "EUR"
        body = case.body
        values = {
            "reference": lambda: draw(st.sampled_from(self.world.deposits)),
            "provider_tx_id": lambda: "FZ1" if one_in(draw, 6) else str(uuid.uuid4()),
            "status": lambda: draw(st.sampled_from(["pending", "success", "failed"])),
            "amount": lambda: draw(st.sampled_from(["25.00", "25"])),  # (others: not realistic)
            "currency": "EUR",
        }
        if self.accepted:
            realistic(draw, body, values)
            troublemaker(draw, body)
        else:
            body.update({key: make() for key, make in values.items() if callable(make)})
        raw = serialized(body)
        honest = not self.accepted or not one_in(draw, 10)
        signature = self.sign(raw, self.secret if honest else OTHER_SECRET)
        shown = f"{'signed' if honest else 'signed with another secret'} body {as_text(body)}"
        headers = {"X-Signature": signature, "Content-Type": "application/json"}
        return Prepared({"headers": headers, "data": raw}, shown, body)

    @staticmethod
    def sign(raw: bytes, secret: str) -> str:
        return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()

    def resend(self, client, base: Base, body):
        raw = serialized(body)
        headers = {"X-Signature": self.sign(raw, self.secret), "Content-Type": "application/json"}
        return client.open(base.path, method=base.method, data=raw, headers=headers)

    def outcome(self, response) -> str:
        if response.status_code == 401:
            return "unauthenticated"
        self.accepted = self.accepted or response.status_code == 200
        return "accepted" if response.status_code == 200 else "refused"

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        if response.status_code not in (200, 400, 401, 404, 409, 413):
            problems.append(f"HTTP {response.status_code} (callbacks answer 200/400/401/409)")
        answer = _json(response)
        if not isinstance(answer, dict):
            return [*problems, "the answer is not a JSON object"]
        if response.status_code == 200 and answer != {"result": "ok"}:
            problems.append('not {"result": "ok"}')
        elif response.status_code != 200 and (
            set(answer) != {"result", "message"} or answer["result"] != "error"
        ):
            problems.append("not the {result: error, message} refusal")
        return problems


class Crm:
    """The CRM door (/crm): the feeds and the campaigns' login links. Every answer but a
    feed's 200 is JSON {"error": ...}; a 401 carries the Basic challenge."""

    prefix = "/crm/"

    def __init__(self, world: World, user: str, password: str):
        self.world, self.user, self.password = world, user, password

    def authorization(self, password: str) -> dict:
        raw = f"{self.user}:{password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    def prepare(self, case, draw) -> Prepared:
        world = self.world
        end = utcnow().replace(microsecond=0)  # just over: it holds everything seeded
        window = {
            "from": (end - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
            "to": end.strftime("%Y-%m-%d %H:%M:%S"),
        }
        realistic(draw, case.query, window)
        if isinstance(case.query, dict) and not one_in(draw, 3):
            case.query["format"] = "json"  # (rows the description's schemas can judge)
        ids = [[str(world.ready)], [world.gated], [str(world.ready), world.gated, "999999"]]
        # A copy, sent as `data`: a generated body may be used again when Hypothesis replays
        # an example, and what is drawn below must not depend on what a run changed in it.
        body = copy.deepcopy(case.body)
        realistic(draw, body, {"player_ids": lambda: copy.deepcopy(draw(st.sampled_from(ids)))})
        troublemaker(draw, body)
        honest = not one_in(draw, 10)
        headers = self.authorization(self.password if honest else "not-the-password")
        shown = (
            f"{'the' if honest else 'wrong'} credentials; path {as_text(case.path_parameters)};"
            f" query {as_text(case.query)}; body {as_text(body)}"
        )
        call = {"headers": headers}
        if case.method == "POST" and type(body).__name__ != "NotSet":
            # (serialized here: JSON with \u escapes, so a lone surrogate reaches the door)
            call = {"headers": headers | {"Content-Type": "application/json"}}
            call["data"] = serialized(body)
        return Prepared(call, shown, body)

    def resend(self, client, base: Base, body):
        headers = self.authorization(self.password) | {"Content-Type": "application/json"}
        return client.open(base.path, method=base.method, data=serialized(body), headers=headers)

    def outcome(self, response) -> str:
        if response.status_code == 401:
            return "unauthenticated"
        return "accepted" if response.status_code == 200 else "refused"

    def problems(self, response) -> list[str]:
        problems = common_problems(response)
        status = response.status_code
        if status not in (200, 400, 401, 403, 404, 405, 413, 503):
            problems.append(f"HTTP {status} (the CRM door answers 200/400/401/403/404/413/503)")
        content_type = (response.headers.get("content-type") or [""])[0]
        if status == 200 and content_type.startswith("text/csv"):
            text = response.content.decode("utf-8", "replace")
            if not text.endswith("\r\n") or not text.split("\r\n", 1)[0]:
                problems.append("not CSV with a header row and CRLF line ends")
            return problems
        answer = _json(response)
        if status == 200:
            if not isinstance(answer, list | dict):
                problems.append("not a JSON array of rows or the links object")
            return problems
        if not isinstance(answer, dict) or list(answer) != ["error"]:
            return [*problems, 'not the {"error": ...} refusal']
        challenge = (response.headers.get("www-authenticate") or [""])[0]
        if status == 401 and not challenge.startswith("Basic "):
            problems.append("401 without a Basic challenge")
        return problems
