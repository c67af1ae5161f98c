"""Betsy's calls, made as Betsy makes them (docs/betsy-contract.md, seed 001): a JSON body
as bytes, signed with a detached HS256 JWS (the shared partner secret) in `x-sign-jws`.
Every answer, errors included, must carry our own detached JWS over its raw body; errors
are HTTP 400 `{"code", "message"}`. Amounts are checked against the ledger afterwards."""

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import jwt
import pytest
import simplejson

from portal.accounts import operations as accounts
from portal.accounts.models import Player
from portal.extensions import db
from portal.sportsbook import betsy as jws
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from portal.wallet import queries

SECRET = "betsy-partner-secret-for-the-tests-0123456789-0123456789abcdef++"  # 64 bytes
OTHER_SECRET = "somebody-else-s-partner-secret-9876543210abc"
SIGN = object()  # "sign the body with SECRET" (the default of Betsy.send)

PATHS = ["/user/profile", "/user/balance", "/payment/bet", "/payment/check"]
SETTLE, UNSETTLE, ROLLBACK = 2, 1, 3
CONTRACT_FIELDS = {
    "firstName",
    "lastName",
    "nickname",
    "email",
    "birthday",
    "gender",
    "phone",
    "isCashOutAllowed",
    "isVerified",
    "userCountry",
    "userSessionIp",
    "userSessionCountry",
    "registrationDate",
}
SEED_FIELDS = CONTRACT_FIELDS | {
    "userStatus",
    "percentMargin",
    "avgBet",
    "isAbuser",
    "isVIP",
    "operatorUser",
}
SELECTIONS = [
    {
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
    },
    {
        "disciplineId": "2",
        "discipline": "Tennis",
        "tournamentId": "88",
        "tournament": "Wimbledon",
        "tournamentRegionCode": "GB",
        "eventId": "5151",
        "event": "Player A - Player B",
        "eventDate": "2030-07-02T12:30:00Z",
        "marketId": "3",
        "market": "Winner",
        "outcomeId": "31",
        "outcome": "Player B",
        "coefficient": Decimal("1.20"),
        "stage": "live",
    },
]


# --- Betsy ---------------------------------------------------------------------------------


def encode(data) -> bytes:
    """JSON bytes as Betsy sends them: Decimal amounts as exact JSON numbers."""
    return simplejson.dumps(data, use_decimal=True).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    json: object

    def ok(self) -> dict:
        assert self.status == 200, self.json
        return self.json

    def code(self) -> int:
        assert self.status == 400, self.json
        assert set(self.json) == {"code", "message"}, self.json
        assert isinstance(self.json["message"], str)
        return self.json["code"]


class Betsy:
    """Betsy's side of the API: signs what it sends, verifies what it gets back."""

    def __init__(self, client):
        self.client = client

    def send(self, method, path, data=None, *, body=None, signature=SIGN) -> Answer:
        body = encode(data) if body is None else body
        headers = {"content-type": "application/json"}
        if signature is SIGN:
            signature = jws.sign(body, SECRET)
        if signature is not None:
            headers[jws.HEADER] = signature
        response = self.client.open(f"/betsy{path}", method=method, data=body, headers=headers)
        raw = response.get_data()
        # Every answer, errors too, is signed with the partner secret over its raw body.
        jws.verify(response.headers.get(jws.HEADER), raw, SECRET)
        assert response.mimetype == "application/json"
        return Answer(response.status_code, json.loads(raw, parse_float=Decimal))

    def profile(self, token) -> Answer:
        return self.send("POST", "/user/profile", {"token": token, "requestId": request_id()})

    def balance(self, who, *, currency="EUR", token=None) -> Answer:
        data = {
            "userId": str(who.id),
            "currency": currency,
            "token": token or who.token,
            "requestId": request_id(),
        }
        return self.send("POST", "/user/balance", data)

    def place(self, who, tx, amount=Decimal("10.00"), **fields) -> Answer:
        return self.send("POST", "/payment/bet", body=encode(bet(who, tx, amount, **fields)))

    def settle(self, who, tx, amount, result="won", *, currency="EUR", **fields) -> Answer:
        data = {
            "type": SETTLE,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": currency,
            "amount": amount,
            "resultType": result,
            "requestId": request_id(),
            **fields,
        }
        return self.send("PUT", "/payment/bet", data)

    def unsettle(self, who, tx, *, currency="EUR") -> Answer:
        data = {
            "type": UNSETTLE,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": currency,
            "requestId": request_id(),
        }
        return self.send("PUT", "/payment/bet", data)

    def rollback(self, who, tx, *, currency="EUR", error_code=10) -> Answer:
        data = {
            "type": ROLLBACK,
            "transactionId": tx,
            "userId": str(who.id),
            "currency": currency,
            "errorCode": error_code,
            "requestId": request_id(),
        }
        return self.send("PUT", "/payment/bet", data)

    def check(self, who, tx) -> Answer:
        return self.send("POST", "/payment/check", {"userId": str(who.id), "transactionId": tx})


def request_id() -> str:
    return str(uuid.uuid4())


def new_tx() -> str:
    return str(uuid.uuid4())


def bet(who, tx, amount=Decimal("10.00"), *, currency="EUR", token=None, **fields) -> dict:
    """A place-bet body as in seed 001 (a two-selection express, both selections' metadata)."""
    return {
        "token": token or who.token,
        "transactionId": tx,
        "currency": currency,
        "amount": amount,
        "userId": str(who.id),
        "coefficient": Decimal("3.00"),
        "ip": "10.10.121.120",
        "requestId": f"place-{tx}",
        "ticketType": "express",
        "metadata": SELECTIONS,
        **fields,
    }


# --- the portal side -----------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    id: int
    token: str  # an EUR token


@pytest.fixture
def app(make_app):
    return make_app(BETSY_PARTNER_SECRET=SECRET)


@pytest.fixture
def betsy(client):
    return Betsy(client)


@pytest.fixture
def brand(make_brand):
    return make_brand("Betsy Casino", currencies=("EUR", "USD"))


@pytest.fixture
def new_player(app, make_player, brand):
    """new_player(email) -> Who: a player of the EUR/USD brand with 100.00 EUR and a token."""

    def factory(email="ann@example.com", **kw) -> Who:
        player_id = make_player(email=email, brand=brand, **kw)
        with app.app_context():
            found = db.session.get(Player, player_id)
            found.first_name, found.last_name = "Ann", "Smith"
            found.birthdate = date(1995, 12, 17)
            found.gender = "F"
            found.phone = "447911123456"
            found.country = "GB"
            fund_player(found, "EUR", "100.00")
            token = issue_token(found, "EUR")
            db.session.commit()
        return Who(player_id, token)

    return factory


@pytest.fixture
def player(new_player) -> Who:
    return new_player()


def issue_token(player: Player, currency: str) -> str:
    from portal.sportsbook import operations as sportsbook

    return sportsbook.issue_token(player, currency)


def fund_player(player: Player, currency: str, amount: str) -> None:
    wallet.adjust(
        player,
        currency,
        amount,
        reason="test deposit",
        operator="tests",
        external_id=f"fund-{player.id}-{currency}-{uuid.uuid4()}",
    )


def token_for(app, who, currency) -> str:
    with app.app_context():
        token = issue_token(db.session.get(Player, who.id), currency)
        db.session.commit()
        return token


def fund(app, who, currency, amount) -> None:
    with app.app_context():
        fund_player(db.session.get(Player, who.id), currency, amount)
        db.session.commit()


def balance(app, who, currency="EUR") -> Decimal:
    with app.app_context():
        return queries.balance(db.session.get(Player, who.id), currency).real


def update_player(app, who, **values) -> None:
    with app.app_context():
        found = db.session.get(Player, who.id)
        for name, value in values.items():
            setattr(found, name, value)
        db.session.commit()


def switch_currency(app, who, currency) -> None:
    with app.app_context():
        accounts.set_active_currency(db.session.get(Player, who.id), currency)
        db.session.commit()


def expire_tokens(app) -> None:
    from portal.sportsbook.models import BetsyToken

    with app.app_context():
        db.session.query(BetsyToken).update({"expires_at": utcnow() - timedelta(minutes=1)})
        db.session.commit()


def answer_for(who, tx, amount, currency="EUR") -> dict:
    """The answer of place/settle/unsettle/rollback: the balance after, in the bet's currency."""
    return {"transactionId": tx, "userId": str(who.id), "currency": currency, "amount": amount}


def is_number(value) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


# --- profile and balance -------------------------------------------------------------------


@pytest.mark.parametrize(("gender", "text"), [("F", "female"), ("M", "male"), (None, "no data")])
def test_profile_has_the_seed_fields(app, betsy, player, gender, text):
    update_player(app, player, gender=gender)
    answer = betsy.profile(player.token).ok()
    assert set(answer) == {"userId", "currency", "currencies", "isTest", "customFields"}
    assert (answer["userId"], answer["currency"], answer["currencies"], answer["isTest"]) == (
        str(player.id),
        "EUR",
        ["EUR", "USD"],
        False,
    )
    fields = answer["customFields"]
    assert CONTRACT_FIELDS <= set(fields) <= SEED_FIELDS, set(fields) ^ CONTRACT_FIELDS
    assert {k: fields[k] for k in ("firstName", "lastName", "email", "birthday", "phone")} == {
        "firstName": "Ann",
        "lastName": "Smith",
        "email": "ann@example.com",
        "birthday": "1995-12-17",
        "phone": "447911123456",
    }
    assert (fields["gender"], fields["userCountry"]) == (text, "GB")
    assert isinstance(fields["isCashOutAllowed"], bool)
    assert isinstance(fields["isVerified"], bool)
    with app.app_context():
        registered = db.session.get(Player, player.id).created_at
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fields["registrationDate"])
    assert fields["registrationDate"] == registered.strftime("%Y-%m-%d %H:%M:%S")  # UTC


def test_profile_currency_is_the_tokens(app, betsy, player):
    usd = token_for(app, player, "USD")  # the player's active currency is still EUR
    answer = betsy.profile(usd).ok()
    assert (answer["userId"], answer["currency"]) == (str(player.id), "USD")
    assert betsy.profile(player.token).ok()["currency"] == "EUR"


def test_profile_marks_test_players(betsy, new_player):
    tester = new_player("qa@example.com", login_name="qqtst_anna")
    assert betsy.profile(tester.token).ok()["isTest"] is True


def test_balance_is_the_real_balance_of_the_tokens_currency(app, betsy, player):
    assert betsy.balance(player).ok() == {
        "userId": str(player.id),
        "currency": "EUR",
        "amount": Decimal("100.00"),
    }
    fund(app, player, "USD", "7.25")
    usd = betsy.balance(player, currency="USD", token=token_for(app, player, "USD")).ok()
    assert (usd["currency"], usd["amount"]) == ("USD", Decimal("7.25"))
    assert is_number(usd["amount"])


# --- tokens --------------------------------------------------------------------------------


def test_unknown_token_is_refused_with_3(app, betsy, player):
    assert betsy.profile("0123456789abcdef0123456789abcdef").code() == 3
    assert betsy.balance(player, token="0123456789abcdef0123456789abcdef").code() == 3
    assert betsy.place(player, new_tx(), token="0123456789abcdef0123456789abcdef").code() == 3
    assert balance(app, player) == Decimal("100.00")


def test_expired_token_refuses_place_but_not_settle_or_rollback(app, betsy, player):
    won, rolled_back = new_tx(), new_tx()
    betsy.place(player, won).ok()
    betsy.place(player, rolled_back).ok()
    expire_tokens(app)
    assert betsy.place(player, new_tx()).code() == 4
    assert betsy.profile(player.token).code() == 4
    assert betsy.balance(player).code() == 4
    assert balance(app, player) == Decimal("80.00")
    # wins and rollbacks are accepted after the token expired
    assert betsy.settle(player, won, Decimal("25.00")).ok() == answer_for(
        player, won, Decimal("105.00")
    )
    assert betsy.rollback(player, rolled_back).ok() == answer_for(
        player, rolled_back, Decimal("115.00")
    )
    assert balance(app, player) == Decimal("115.00")


def test_a_token_of_another_currency_is_refused_with_3(app, betsy, player):
    fund(app, player, "USD", "100.00")
    # player.token is an EUR token; the body says USD
    assert betsy.place(player, new_tx(), currency="USD").code() == 3
    assert betsy.balance(player, currency="USD").code() == 3
    assert (balance(app, player, "EUR"), balance(app, player, "USD")) == (
        Decimal("100.00"),
        Decimal("100.00"),
    )


def test_a_token_of_another_player_is_refused_with_3(app, betsy, player, new_player):
    other = new_player("bob@example.com")
    assert betsy.place(player, new_tx(), token=other.token).code() == 3
    assert betsy.balance(player, token=other.token).code() == 3
    assert (balance(app, player), balance(app, other)) == (Decimal("100.00"), Decimal("100.00"))


# --- signatures ----------------------------------------------------------------------------


def _detached(full: str) -> str:
    head, _payload, mac = full.split(".")
    return f"{head}..{mac}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _forged(kind: str, body: bytes) -> str | None:
    good = jws.sign(body, SECRET)
    head, _, mac = good.split(".")
    return {
        "missing": None,
        "empty": "",
        "garbage": "not-a-signature",
        "attached": jwt.api_jws.encode(body, SECRET, algorithm="HS256"),
        "other_secret": jws.sign(body, OTHER_SECRET),
        "other_body": jws.sign(body + b" ", SECRET),
        "mac_tampered": f"{head}..{'B' if mac[0] == 'A' else 'A'}{mac[1:]}",
        "alg_none": f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}..",
        "hs512": _detached(jwt.api_jws.encode(body, SECRET, algorithm="HS512")),
    }[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "missing",
        "empty",
        "garbage",
        "attached",
        "other_secret",
        "other_body",
        "mac_tampered",
        "alg_none",
        "hs512",
    ],
)
def test_bad_signatures_are_refused_with_1(app, betsy, player, kind):
    body = encode(bet(player, new_tx()))
    answer = betsy.send("POST", "/payment/bet", body=body, signature=_forged(kind, body))
    assert answer.code() == 1  # Betsy.send verified that the refusal is signed
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize("path", PATHS)
def test_the_signature_is_checked_before_the_body_is_read(betsy, path):
    body = b"{this is not json"
    answer = betsy.send("POST", path, body=body, signature=jws.sign(body, OTHER_SECRET))
    assert answer.code() == 1


def test_settle_and_rollback_need_a_good_signature_too(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    for data in (
        {"type": SETTLE, "transactionId": tx, "userId": str(player.id), "currency": "EUR",
         "amount": Decimal("50.00"), "resultType": "won", "requestId": request_id()},
        {"type": ROLLBACK, "transactionId": tx, "userId": str(player.id), "currency": "EUR",
         "errorCode": 10, "requestId": request_id()},
    ):  # fmt: skip
        body = encode(data)
        forged = jws.sign(body, OTHER_SECRET)
        assert betsy.send("PUT", "/payment/bet", body=body, signature=forged).code() == 1
    assert balance(app, player) == Decimal("90.00")


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"[]", b'"text"', b"null", b"\xff\xfe"],
    ids=["malformed", "empty", "array", "string", "null", "not_utf8"],
)
def test_malformed_bodies_are_refused_with_5(app, betsy, player, body):
    assert betsy.send("POST", "/payment/bet", body=body).code() == 5
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize(
    "field",
    ["transactionId", "amount", "currency", "userId"],
)
def test_place_without_a_required_field_is_refused_with_5(app, betsy, player, field):
    data = bet(player, new_tx())
    del data[field]
    assert betsy.send("POST", "/payment/bet", data).code() == 5
    assert balance(app, player) == Decimal("100.00")


@pytest.mark.parametrize("field", ["userId", "currency"])
def test_balance_without_a_required_field_is_refused_with_5(betsy, player, field):
    data = {"userId": str(player.id), "currency": "EUR", "token": player.token}
    del data[field]
    assert betsy.send("POST", "/user/balance", data).code() == 5


@pytest.mark.parametrize("amount", [Decimal("-5.00"), -5, "-5.00", "abc", None, "", [10]], ids=repr)
def test_place_with_a_bad_amount_is_refused_with_5(app, betsy, player, amount):
    assert betsy.place(player, new_tx(), amount).code() == 5
    assert balance(app, player) == Decimal("100.00")


def test_settle_with_a_negative_amount_is_refused_with_5(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.settle(player, tx, Decimal("-1.00")).code() == 5
    assert balance(app, player) == Decimal("90.00")
    assert betsy.check(player, tx).ok()["status"] == "placed"


@pytest.mark.parametrize("kind", [0, 4, 99, -1, None, "x", "missing"])
def test_put_with_an_unknown_type_is_refused_with_5(app, betsy, player, kind):
    tx = new_tx()
    betsy.place(player, tx).ok()
    data = {
        "type": kind,
        "transactionId": tx,
        "userId": str(player.id),
        "currency": "EUR",
        "amount": Decimal("50.00"),
        "resultType": "won",
        "errorCode": 10,
        "requestId": request_id(),
    }
    if kind == "missing":
        del data["type"]
    assert betsy.send("PUT", "/payment/bet", data).code() == 5
    assert balance(app, player) == Decimal("90.00")


@pytest.mark.parametrize("path", PATHS)
def test_get_is_refused_with_a_signed_400(betsy, path):
    answer = betsy.send("GET", path, body=b"")
    assert answer.code() in (5, 100)


def test_an_unknown_path_is_refused_with_a_signed_400(betsy):
    assert betsy.send("POST", "/payment/nope", {"userId": "1"}).code() in (5, 100)


# --- place ---------------------------------------------------------------------------------


def test_place_debits_and_stores_the_bet_with_its_metadata(app, betsy, player):
    tx = new_tx()
    answer = betsy.place(player, tx).ok()
    assert answer == answer_for(player, tx, Decimal("90.00"))
    assert is_number(answer["amount"])
    assert balance(app, player) == Decimal("90.00")
    check = betsy.check(player, tx).ok()
    assert set(check) == {
        "transactionId",
        "userId",
        "currency",
        "amount",
        "status",
        "payout",
        "createdAt",
    }
    assert (check["transactionId"], check["userId"], check["currency"]) == (
        tx,
        str(player.id),
        "EUR",
    )
    assert (check["amount"], check["status"], check["payout"]) == (Decimal("10.00"), "placed", 0)
    from portal.sportsbook.models import SportsBet, SportsEvent, SportsTournament

    with app.app_context():
        stored = db.session.query(SportsBet).filter_by(transaction_id=tx).one()
        lines = sorted(stored.selections, key=lambda s: s.outcome_id)
        assert [(s.event_id, s.market_id, s.market, s.outcome_id, s.outcome) for s in lines] == [
            ("4242", "1", "1x2", "11", "Arsenal"),
            ("5151", "3", "Winner", "31", "Player B"),
        ]
        assert [s.coefficient for s in lines] == [Decimal("2.50"), Decimal("1.20")]
        assert [s.stage for s in lines] == ["prematch", "live"]
        assert (stored.ticket_type, stored.coefficient, stored.currency) == (
            "express",
            "3.00",
            "EUR",
        )
        event = db.session.get(SportsEvent, "4242")
        tournament = db.session.get(SportsTournament, "17")
        assert (event.title, event.tournament_id) == ("Arsenal - Chelsea", "17")
        assert event.start_date == datetime(2030, 5, 1, 19, 0)  # eventDate, in UTC
        assert (tournament.name, tournament.sport_name, tournament.country_code) == (
            "Premier League",
            "Football",
            "GB",
        )


@pytest.mark.parametrize("field", ["eventId", "tournamentId"])
def test_an_empty_event_or_tournament_id_names_nothing(app, betsy, player, field):
    """Found by the long fuzz run: an eventId "" was not stored as an event but referenced by
    the selection (a foreign key failure, code 100). An empty id is no id."""
    import copy

    metadata = copy.deepcopy(SELECTIONS)
    metadata[0][field] = ""
    tx = new_tx()
    betsy.place(player, tx, metadata=metadata).ok()
    from portal.sportsbook.models import SportsBet

    with app.app_context():
        stored = db.session.query(SportsBet).filter_by(transaction_id=tx).one()
        ids = sorted((s.event_id or "") for s in stored.selections)
    assert ids == (["", "5151"] if field == "eventId" else ["4242", "5151"])


def test_place_accepts_a_decimal_string_and_answers_exact_numbers(app, betsy, player):
    tx = new_tx()
    answer = betsy.place(player, tx, "0.10").ok()
    assert answer["amount"] == Decimal("99.90")
    assert is_number(answer["amount"])
    assert balance(app, player) == Decimal("99.90")


def test_a_repeated_place_answers_the_first_answer_and_moves_nothing(app, betsy, player):
    tx = new_tx()
    body = encode(bet(player, tx))
    first = betsy.send("POST", "/payment/bet", body=body).ok()
    again = betsy.send("POST", "/payment/bet", body=body).ok()
    assert again == first == answer_for(player, tx, Decimal("90.00"))
    assert balance(app, player) == Decimal("90.00")


def test_a_repeated_place_answers_the_first_answer_after_other_movements(app, betsy, player):
    tx = new_tx()
    body = encode(bet(player, tx))
    first = betsy.send("POST", "/payment/bet", body=body).ok()
    betsy.place(player, new_tx(), Decimal("5.00")).ok()  # the balance moves on: 85.00
    assert betsy.send("POST", "/payment/bet", body=body).ok() == first
    assert balance(app, player) == Decimal("85.00")


def test_a_reused_transaction_id_with_another_amount_answers_8(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.place(player, tx, Decimal("11.00")).code() == 8
    assert balance(app, player) == Decimal("90.00")
    assert betsy.check(player, tx).ok()["amount"] == Decimal("10.00")


def test_a_reused_transaction_id_of_another_player_answers_8(app, betsy, player, new_player):
    other = new_player("bob@example.com")
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.place(other, tx).code() == 8
    assert (balance(app, player), balance(app, other)) == (Decimal("90.00"), Decimal("100.00"))


def test_insufficient_funds_answers_7(app, betsy, player):
    assert betsy.place(player, new_tx(), Decimal("100.01")).code() == 7
    assert balance(app, player) == Decimal("100.00")
    tx = new_tx()
    assert betsy.place(player, tx, Decimal("100.00")).ok() == answer_for(player, tx, 0)
    assert balance(app, player) == Decimal("0.00")


@pytest.mark.parametrize(("status", "code"), [("blocked", 9), ("self_excluded", 14)])
def test_players_who_may_not_bet_are_refused(app, betsy, player, status, code):
    update_player(app, player, status=status)
    assert betsy.place(player, new_tx()).code() == code
    assert balance(app, player) == Decimal("100.00")


# --- settle and unsettle -------------------------------------------------------------------


def test_a_won_bet_is_credited_once(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.settle(player, tx, Decimal("25.00")).ok() == answer_for(
        player, tx, Decimal("115.00")
    )
    assert betsy.settle(player, tx, Decimal("25.00")).ok() == answer_for(
        player, tx, Decimal("115.00")
    )  # a repeat
    assert balance(app, player) == Decimal("115.00")
    check = betsy.check(player, tx).ok()
    assert (check["status"], check["payout"], check["amount"]) == (
        "won",
        Decimal("25.00"),
        Decimal("10.00"),
    )


def test_a_resettle_moves_only_the_difference(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    betsy.settle(player, tx, Decimal("25.00")).ok()
    assert betsy.settle(player, tx, Decimal("40.00")).ok()["amount"] == Decimal("130.00")
    assert balance(app, player) == Decimal("130.00")
    assert betsy.settle(player, tx, Decimal("5.00"), "refund").ok()["amount"] == Decimal("95.00")
    assert balance(app, player) == Decimal("95.00")
    check = betsy.check(player, tx).ok()
    assert (check["status"], check["payout"]) == ("refund", Decimal("5.00"))
    assert betsy.settle(player, tx, 0, "lost").ok()["amount"] == Decimal("90.00")
    assert balance(app, player) == Decimal("90.00")
    assert betsy.check(player, tx).ok()["status"] == "lost"


def test_a_lost_bet_pays_nothing(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.settle(player, tx, 0, "lost").ok() == answer_for(player, tx, Decimal("90.00"))
    assert balance(app, player) == Decimal("90.00")
    check = betsy.check(player, tx).ok()
    assert (check["status"], check["payout"]) == ("lost", 0)


def test_a_cashout_is_paid(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    answer = betsy.settle(player, tx, Decimal("7.50"), "cashout", token=player.token).ok()
    assert answer == answer_for(player, tx, Decimal("97.50"))
    assert betsy.check(player, tx).ok()["status"] == "cashout"


@pytest.mark.parametrize("whose", ["unknown", "other_player"])
def test_a_cashout_with_a_foreign_token_is_refused_with_3(app, betsy, player, new_player, whose):
    tx = new_tx()
    betsy.place(player, tx).ok()
    token = new_player("bob@example.com").token if whose == "other_player" else "f" * 32
    assert betsy.settle(player, tx, Decimal("7.50"), "cashout", token=token).code() == 3
    assert balance(app, player) == Decimal("90.00")
    assert betsy.check(player, tx).ok()["status"] == "placed"


def test_another_players_bet_cannot_be_settled_or_rolled_back(app, betsy, player, new_player):
    other = new_player("bob@example.com")
    tx = new_tx()
    betsy.place(player, tx).ok()
    assert betsy.settle(other, tx, Decimal("25.00")).code() == 5
    assert betsy.unsettle(other, tx).code() == 5
    assert betsy.rollback(other, tx).code() == 5
    assert (balance(app, player), balance(app, other)) == (Decimal("90.00"), Decimal("100.00"))
    assert betsy.check(player, tx).ok()["status"] == "placed"
    assert betsy.check(other, tx).code() == 5  # check answers only the bet's own player


def test_unsettle_takes_the_payout_back(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    betsy.settle(player, tx, Decimal("25.00")).ok()
    assert betsy.unsettle(player, tx).ok() == answer_for(player, tx, Decimal("90.00"))
    assert balance(app, player) == Decimal("90.00")
    check = betsy.check(player, tx).ok()
    assert (check["status"], check["payout"]) == ("unsettled", 0)
    betsy.unsettle(player, tx)  # a repeat takes nothing more
    assert balance(app, player) == Decimal("90.00")
    # settled again after the unsettle: the whole new payout
    assert betsy.settle(player, tx, Decimal("20.00")).ok()["amount"] == Decimal("110.00")
    assert balance(app, player) == Decimal("110.00")


def test_a_resettle_that_would_go_negative_answers_21(app, betsy, player):
    won, spent = new_tx(), new_tx()
    betsy.place(player, won).ok()
    betsy.settle(player, won, Decimal("50.00")).ok()
    assert betsy.place(player, spent, Decimal("140.00")).ok()["amount"] == 0
    assert betsy.settle(player, won, 0, "lost").code() == 21  # would take 50.00 of 0.00
    assert betsy.settle(player, won, Decimal("20.00")).code() == 21
    assert balance(app, player) == Decimal("0.00")
    check = betsy.check(player, won).ok()
    assert (check["status"], check["payout"]) == ("won", Decimal("50.00"))


# --- rollback ------------------------------------------------------------------------------


def test_rollback_refunds_the_stake_once(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    first = betsy.rollback(player, tx).ok()
    assert first == answer_for(player, tx, Decimal("100.00"))
    assert betsy.rollback(player, tx).ok() == first
    assert balance(app, player) == Decimal("100.00")
    assert betsy.check(player, tx).ok()["status"] == "rolled_back"


def test_a_rollback_before_the_bet_refuses_the_late_bet(app, betsy, player):
    tx = new_tx()
    assert betsy.rollback(player, tx).ok() == answer_for(player, tx, Decimal("100.00"))
    assert betsy.place(player, tx).code() == 8
    assert balance(app, player) == Decimal("100.00")
    assert betsy.rollback(player, tx).ok() == answer_for(player, tx, Decimal("100.00"))
    assert balance(app, player) == Decimal("100.00")


def test_a_rollback_after_a_win_needs_only_its_net_effect_covered(app, betsy, new_player):
    """Audit: balance 20, place 10, settle won 15, place 20 elsewhere (balance 5): rolling
    the first bet back takes 15 and gives 10, leaving exactly 0. It was refused with 21
    because the payout went before the stake came back."""
    player = new_player(email="net@example.com")
    spend(app, betsy, player, Decimal("80.00"))  # 100.00 -> 20.00
    first, second = new_tx(), new_tx()
    betsy.place(player, first, Decimal("10.00")).ok()
    betsy.settle(player, first, Decimal("15.00")).ok()
    assert betsy.place(player, second, Decimal("20.00")).ok()["amount"] == Decimal("5.00")
    assert betsy.rollback(player, first).ok() == answer_for(player, first, Decimal("0.00"))
    assert balance(app, player) == Decimal("0.00")
    assert betsy.check(player, first).ok()["status"] == "rolled_back"
    assert betsy.rollback(player, first).ok() == answer_for(player, first, Decimal("0.00"))


def test_a_rollback_whose_net_effect_is_not_covered_moves_nothing(app, betsy, new_player):
    player = new_player(email="short@example.com")
    spend(app, betsy, player, Decimal("80.00"))  # 100.00 -> 20.00
    first, second = new_tx(), new_tx()
    betsy.place(player, first, Decimal("10.00")).ok()
    betsy.settle(player, first, Decimal("15.00")).ok()  # 25.00
    betsy.place(player, second, Decimal("25.00")).ok()  # 0.00: the net -5.00 is not there
    assert betsy.rollback(player, first).code() == 21
    assert balance(app, player) == Decimal("0.00")
    check = betsy.check(player, first).ok()
    assert (check["status"], check["payout"]) == ("won", Decimal("15.00"))


def spend(app, betsy, player, amount) -> None:
    """A lost bet of `amount`: the balance goes down by it."""
    tx = new_tx()
    betsy.place(player, tx, amount).ok()
    betsy.settle(player, tx, 0, "lost").ok()


def test_settling_a_rolled_back_bet_answers_20(app, betsy, player):
    tx = new_tx()
    betsy.place(player, tx).ok()
    betsy.rollback(player, tx).ok()
    assert betsy.settle(player, tx, Decimal("25.00")).code() == 20
    assert balance(app, player) == Decimal("100.00")
    assert betsy.check(player, tx).ok()["status"] == "rolled_back"


# --- currencies (seed 001: a bet stays in the currency it was placed in) -----------------


def test_a_usd_bet_is_settled_in_usd_after_the_switch_to_eur(app, betsy, player):
    fund(app, player, "USD", "100.00")
    switch_currency(app, player, "USD")
    usd = Who(player.id, token_for(app, player, "USD"))
    assert betsy.profile(usd.token).ok()["currency"] == "USD"
    tx = new_tx()
    assert betsy.place(usd, tx, currency="USD").ok() == answer_for(
        player, tx, Decimal("90.00"), "USD"
    )

    switch_currency(app, player, "EUR")
    eur_token = token_for(app, player, "EUR")
    profile = betsy.profile(eur_token).ok()
    assert (profile["userId"], profile["currency"]) == (str(player.id), "EUR")

    assert betsy.settle(player, tx, Decimal("30.00"), currency="EUR").code() == 5
    assert betsy.rollback(player, tx, currency="EUR").code() == 5
    assert (balance(app, player, "USD"), balance(app, player, "EUR")) == (
        Decimal("90.00"),
        Decimal("100.00"),
    )
    answer = betsy.settle(player, tx, Decimal("30.00"), currency="USD").ok()
    assert answer == answer_for(player, tx, Decimal("120.00"), "USD")
    assert (balance(app, player, "USD"), balance(app, player, "EUR")) == (
        Decimal("120.00"),
        Decimal("100.00"),
    )
    check = betsy.check(player, tx).ok()
    assert (check["currency"], check["status"], check["payout"]) == (
        "USD",
        "won",
        Decimal("30.00"),
    )


def test_operator_user_only_for_brands_reached_through_an_aggregator(app, betsy, player):
    assert "operatorUser" not in betsy.profile(player.token).ok()["customFields"]
    with app.app_context():
        brand_id = db.session.get(Player, player.id).brand_id
    result = app.test_cli_runner().invoke(args=["brands", "set", str(brand_id), "--via-aggregator"])
    assert result.exit_code == 0, result.output
    operator_user = betsy.profile(player.token).ok()["customFields"]["operatorUser"]
    assert re.fullmatch(r"[A-Za-z0-9._~-]{1,64}", operator_user)
    assert operator_user == f"{brand_id}-{player.id}"
