"""Accepts: each payment is confirmed to BETCORE through the outbox, with retries, and
survives a restart. The BETCORE side here is the sandbox stand-in on 127.0.0.1."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Player
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.outbox.operations import deliver_due
from portal.sandbox.betcore import create_betcore_sandbox
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.harness.live_server import LiveServer


@pytest.fixture
def sandbox():
    app = create_betcore_sandbox("http://127.0.0.1:9")  # the portal is called via test clients
    with LiveServer(app) as server:
        yield server.url, app.extensions["betcore_sandbox"]


@pytest.fixture
def portal(make_app, make_player, sandbox):
    url, _ = sandbox
    config = {"BETCORE_API_URL": url, "BETCORE_CLIENT_SECRET": "secret", "BETCORE_JWKS_COOLDOWN": 0}
    app = make_app(**config)
    player_id = make_player()
    with app.app_context():
        wallet.adjust(
            db.session.get(Player, player_id),
            "EUR",
            "50",
            reason="t",
            operator="t",
            external_id="open",
        )
        db.session.commit()
    return app, config


def make(app, vendor, bet, kind, amount, path="/payments/make", **fields):
    data = {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet,
        "PartnerUserId": "1",
        "TransactionType": kind,
        **fields,
    }
    token = vendor.sign(data)
    return (
        app.test_client().post(f"/betcore{path}", headers={"Authorization": f"Bearer {token}"}).json
    )


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_make_writes_its_accept_in_the_same_transaction(portal, sandbox):
    app, _ = portal
    _, vendor = sandbox
    stake = make(app, vendor, 11, -1, "5.00")
    assert stake["ErrorCode"] == 200
    make(app, vendor, 11, -1, "5.00")  # a repeat: no second accept
    refused = make(app, vendor, 12, -1, "500.00")  # insufficient funds: rolled back
    assert refused["ErrorCode"] == 103802
    (accept,) = messages(app)
    assert accept.url.endswith("/mis-api/api/v2/payments/accept")
    assert app.json.loads(accept.payload) == {
        "BetId": 11,
        "PartnerTransactionId": stake["Value"]["PartnerTransactionId"],
        "TransactionType": -1,
        "Amount": "5.00",
        "TaxAmount": "0.00",
        "Currency": "EUR",
        "ErrorCode": 200,
    }


def test_an_accept_refused_twice_is_delivered_on_the_third_try(portal, sandbox):
    app, _ = portal
    _, vendor = sandbox
    vendor.fail_next_accepts(2)
    make(app, vendor, 21, -1, "5.00")
    now = utcnow()
    with app.app_context():
        assert deliver_due(now=now) == (0, 1, 0)
        assert deliver_due(now=now) == (0, 0, 0)  # not due yet: backoff
        assert deliver_due(now=now + timedelta(seconds=2)) == (0, 1, 0)
        assert deliver_due(now=now + timedelta(seconds=10)) == (1, 0, 0)
    received = vendor.accepts("payment")
    assert [r["status"] for r in received] == [500, 500, 200]
    assert received[-1]["authorized"] is True  # with the partner token from /auth/token
    assert received[-1]["body"]["BetId"] == 21
    (message,) = messages(app)
    assert (message.status, message.attempts) == ("sent", 3)


def test_a_pending_accept_is_delivered_after_a_restart(portal, sandbox, make_app):
    app, config = portal
    _, vendor = sandbox
    make(app, vendor, 31, -1, "5.00")  # the process "dies" before any delivery
    restarted = make_app(**config)
    result = restarted.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert [r["body"]["BetId"] for r in vendor.accepts("payment")] == [31]
    assert messages(restarted)[0].status == "sent"


def test_cashback_is_credited_once_and_confirmed(portal, sandbox):
    app, _ = portal
    _, vendor = sandbox
    first = make(app, vendor, 0, 0, "3.00", path="/cashback-payments/make", CashbackId=77)
    again = make(app, vendor, 0, 0, "3.00", path="/cashback-payments/make", CashbackId=77)
    assert first["Value"]["Balance"] == "53.00"
    assert again["Value"]["PartnerTransactionId"] == first["Value"]["PartnerTransactionId"]
    assert again["Value"]["Balance"] == "53.00"
    other = make(app, vendor, 0, 0, "4.00", path="/cashback-payments/make", CashbackId=77)
    assert other["ErrorCode"] == 102823
    with app.app_context():
        deliver_due()
    assert [r["body"]["CashbackId"] for r in vendor.accepts("cashback")] == [77]
