"""The vendor traffic log (portal.traffic) and its back-office pages: every vendor call in
and out is kept, masked (no token, signature, password, JWT or card number), written by the
background writer; the outbox page and its "retry now" (the core of `flask outbox retry`)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import redaction
from portal.accounts.models import Player
from portal.extensions import db
from portal.outbox import operations as outbox
from portal.outbox.models import DEAD, PENDING, SENT, OutboxMessage
from portal.outbox.operations import deliver_due
from portal.sandbox.betcore import create_betcore_sandbox
from portal.sportsbook import betsy as jws
from portal.timeutil import utcnow
from portal.traffic import capture, recorder
from portal.traffic.models import VendorCall
from portal.wallet import operations as wallet
from tests import test_betsy_api as betsy_api
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.harness.live_server import LiveServer

CLIENT_SECRET = "client-secret-of-the-traffic-test-7f3a9c"


@pytest.fixture
def sandbox():
    app = create_betcore_sandbox("http://127.0.0.1:9")  # the portal is called via test clients
    with LiveServer(app) as server:
        yield server.url, app.extensions["betcore_sandbox"]


@pytest.fixture
def portal(make_app, make_player, make_brand, sandbox):
    """An app with BETCORE (the sandbox) and Betsy, and a player with money and tokens."""
    url, _ = sandbox
    app = make_app(
        BETCORE_API_URL=url,
        BETCORE_CLIENT_SECRET=CLIENT_SECRET,
        BETCORE_JWKS_COOLDOWN=0,
        BETSY_PARTNER_SECRET=betsy_api.SECRET,
    )
    brand = make_brand("Traffic Casino", currencies=("EUR", "USD"))
    player_id = make_player(email="ann@example.com", brand=brand)
    with app.app_context():
        player = db.session.get(Player, player_id)
        wallet.adjust(player, "EUR", "50", reason="t", operator="t", external_id="open")
        token = betsy_api.issue_token(player, "EUR")
        db.session.commit()
    return app, betsy_api.Who(player_id, token)


def calls(app, **where) -> list[VendorCall]:
    recorder.for_app(app).flush()
    with app.app_context():
        query = select(VendorCall).order_by(VendorCall.id)
        for name, value in where.items():
            query = query.where(getattr(VendorCall, name) == value)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def betcore_make(app, vendor, player_id, bet, amount="5.00"):
    data = {
        "Amount": amount,
        "TaxAmount": "0",
        "BetId": bet,
        "PartnerUserId": str(player_id),
        "TransactionType": -1,
    }
    token = vendor.sign(data)
    answer = app.test_client().post(
        "/betcore/payments/make", headers={"Authorization": f"Bearer {token}"}
    )
    return token, answer.json


def test_vendor_calls_are_logged_with_no_secret_on_the_page_or_in_the_rows(portal, sandbox):
    app, who = portal
    _, vendor = sandbox
    jwt_token, answer = betcore_make(app, vendor, who.id, 11)
    assert answer["ErrorCode"] == 200
    betsy = betsy_api.Betsy(app.test_client())
    body = betsy_api.encode(betsy_api.bet(who, betsy_api.new_tx()))
    signature = jws.sign(body, betsy_api.SECRET)
    betsy.send("POST", "/payment/bet", body=body, signature=signature).ok()
    with app.app_context():
        assert deliver_due() == (1, 0, 0)  # the accept, with a partner token from /auth/token
    from portal.casino import accepts

    partner_tokens = [t["value"] for t in accepts._tokens.values() if "value" in t]
    assert partner_tokens
    secrets = [jwt_token, who.token, signature, betsy_api.SECRET, CLIENT_SECRET, *partner_tokens]
    secrets += [part for part in jwt_token.split(".")] + signature.split(".")
    secrets = [s for s in secrets if len(s) > 8]

    rows = calls(app)
    seen = {(c.vendor, c.direction, c.endpoint) for c in rows}
    assert ("betcore", "in", "/betcore/payments/make") in seen
    assert ("betsy", "in", "/betsy/payment/bet") in seen
    assert any(v == "betcore" and d == "out" and e.endswith("/auth/token") for v, d, e in seen)
    assert any(v == "betcore" and d == "out" and e.endswith("/payments/accept") for v, d, e in seen)
    make_call = next(c for c in rows if c.endpoint == "/betcore/payments/make")
    assert make_call.status == 200 and make_call.duration_ms is not None
    assert '\\"BetId\\": 11' in make_call.request_body or '"BetId": 11' in make_call.request_body
    betsy_call = next(c for c in rows if c.vendor == "betsy")
    assert redaction.REDACTED in betsy_call.request_body  # the token field
    assert "transactionId" in betsy_call.request_body
    for row in rows:
        stored = " ".join(
            str(getattr(row, f)) for f in ("endpoint", "request_body", "response_body", "error")
        )
        for secret in secrets:
            assert secret not in stored, (secret, row.endpoint)

    client = app.test_client()
    log_in(app, client, "support")
    pages = [client.get("/admin/traffic"), client.get("/admin/traffic/outbox")]
    pages += [client.get(f"/admin/traffic/{row.id}") for row in rows]
    for page in pages:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for secret in secrets:
            assert secret not in html
    detail = client.get(f"/admin/traffic/{make_call.id}").get_data(as_text=True)
    assert "BetId" in detail and "/betcore/payments/make" in detail


def test_mask_body_masks_json_forms_jwts_and_card_numbers():
    body = json.dumps(
        {
            "token": "abc123secretvalue",
            "nested": [{"Password": "hunter2hunter2", "cardNumber": "4111 1111 1111 1111"}],
            "note": "paid with 5500005555555559 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-1",
            "amount": "10.00",
        }
    )
    masked = redaction.mask_body(body, "application/json")
    for secret in (
        "abc123secretvalue",
        "hunter2hunter2",
        "4111 1111 1111 1111",
        "5500005555555559",
    ):
        assert secret not in masked
    assert "eyJhbGciOiJIUzI1NiJ9" not in masked and "550000******5559" in masked
    assert '"amount": "10.00"' in masked
    form = redaction.mask_body(
        "client_id=x&client_secret=s3cr3t&grant_type=y", "application/x-www-form-urlencoded"
    )
    assert form == "client_id=x&client_secret=[redacted]&grant_type=y"
    assert redaction.mask_text("/frame?token=abc&x=1") == "/frame?token=[redacted]&x=1"


def test_the_buffer_drops_the_oldest_when_full_and_counts(app):
    log = recorder.Recorder(app, capacity=3)
    for n in range(5):
        log.record(capture.row("crm", "in", "GET", f"/crm/{n}", 200, 1, None, None))
    assert log.pending() == 3 and log.dropped == 2
    assert log.flush() == 3
    log.close()
    with app.app_context():
        endpoints = db.session.scalars(select(VendorCall.endpoint).order_by(VendorCall.id)).all()
    assert endpoints == ["/crm/2", "/crm/3", "/crm/4"]


def test_the_writer_thread_writes_within_seconds(app):
    import time

    log = recorder.for_app(app)
    with app.app_context():
        capture.outbound("betcalc", "POST", "http://betcalc.test/bet/place/", request_body="{}")
    deadline = time.monotonic() + 10
    while log.written == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.written == 1


def _add_calls(app):
    now = utcnow()
    rows = [
        capture.row("betcore", "in", "POST", "/betcore/payments/make", 200, 12, "{}", "{}"),
        capture.row("betsy", "in", "POST", "/betsy/payment/bet", 400, 7, "{}", "{}"),
        capture.row(
            "betcalc",
            "out",
            "POST",
            "http://x/bet/place/<script>alert(1)</script>",
            None,
            30000,
            '{"who": "<b>bold</b>"}',
            None,
            "ReadTimeout: <i>slow</i>",
        ),  # fmt: skip
        capture.row("crm", "in", "GET", "/crm/feeds/players", 500, 3, None, "oops"),
    ]
    rows[3]["at"] = now - timedelta(days=3)
    log = recorder.for_app(app)
    for row in rows:
        log.record(row)
    log.flush()


def test_the_traffic_page_filters_sorts_and_escapes(app, client):
    _add_calls(app)
    log_in(app, client, "finance")
    html = client.get("/admin/traffic").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<i>slow</i>" not in html
    only = client.get("/admin/traffic?vendor=betsy").get_data(as_text=True)
    assert "/betsy/payment/bet" in only and "/betcore/payments/make" not in only
    out = client.get("/admin/traffic?direction=out").get_data(as_text=True)
    assert "bet/place" in out and "/betsy/" not in out
    failed = client.get("/admin/traffic?status=5xx").get_data(as_text=True)
    assert "/crm/feeds/players" in failed and "/betsy/payment/bet" not in failed
    none = client.get("/admin/traffic?status=none").get_data(as_text=True)
    assert "bet/place" in none and "/crm/" not in none
    contains = client.get("/admin/traffic?url=payments/make").get_data(as_text=True)
    assert "/betcore/payments/make" in contains and "/betsy/" not in contains
    today = utcnow().strftime("%Y-%m-%d")
    recent = client.get(f"/admin/traffic?from={today}").get_data(as_text=True)
    assert "/crm/feeds/players" not in recent and "/betsy/payment/bet" in recent
    slowest = client.get("/admin/traffic?sort=duration&dir=desc").get_data(as_text=True)
    assert slowest.index("bet/place") < slowest.index("/betcore/payments/make")
    with app.app_context():
        call_id = db.session.scalar(select(VendorCall.id).where(VendorCall.vendor == "betcalc"))
    detail = client.get(f"/admin/traffic/{call_id}").get_data(as_text=True)
    assert "<b>bold</b>" not in detail and "&lt;b&gt;bold&lt;/b&gt;" in detail
    assert client.get("/admin/traffic/999999").status_code == 404


def test_the_traffic_page_pages(app, client):
    log = recorder.for_app(app)
    for n in range(60):
        log.record(capture.row("crm", "in", "GET", f"/crm/page-{n:03}", 200, 1, None, None))
    log.flush()
    log_in(app, client, "admin")
    first = client.get("/admin/traffic").get_data(as_text=True)
    assert "60 found" in first and "/crm/page-059" in first and "/crm/page-009" not in first
    second = client.get("/admin/traffic?page=2").get_data(as_text=True)
    assert "/crm/page-009" in second


def test_prune_keeps_vendor_log_days(app, runner):
    _add_calls(app)
    with app.app_context():
        assert len(db.session.scalars(select(VendorCall)).all()) == 4
    result = runner.invoke(args=["traffic", "prune", "--days", "1"])
    assert result.output == "1 vendor call(s) deleted\n", result.output
    result = runner.invoke(args=["traffic", "prune"])  # VENDOR_LOG_DAYS (30)
    assert result.output == "0 vendor call(s) deleted\n"
    assert len(audit_entries(app, "cli traffic prune")) == 2  # each operator command audited


def test_the_worker_chores_prune_the_log(app):
    from portal.outbox import worker

    _add_calls(app)
    app.config["VENDOR_LOG_DAYS"] = 2
    worker._chores(app)
    with app.app_context():
        left = db.session.scalars(select(VendorCall.endpoint)).all()
    assert len(left) == 3 and "/crm/feeds/players" not in left


# --- the outbox page ------------------------------------------------------------------------


def _message(
    app, status, *, attempts=3, next_in=timedelta(minutes=5), error="HTTP 500: <b>down</b>"
):
    with app.app_context():
        message = OutboxMessage(
            kind="betcore.accept",
            url="http://vendor.test/accept",
            payload=json.dumps({"BetId": 7, "token": "outbox-secret-token-123"}),
            status=status,
            attempts=attempts,
            next_attempt_at=utcnow() + next_in,
            last_error=error,
            last_status=500,
        )
        db.session.add(message)
        db.session.commit()
        return message.id


def _state(app, message_id):
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        return message.status, message.attempts, message.next_attempt_at


def test_the_outbox_page_lists_messages_masked_and_escaped(app, client):
    dead = _message(app, DEAD)
    _message(app, SENT, error=None)
    log_in(app, client, "support")
    html = client.get("/admin/traffic/outbox").get_data(as_text=True)
    assert "outbox-secret-token-123" not in html
    assert "<b>down</b>" not in html and "&lt;b&gt;down&lt;/b&gt;" in html
    assert "Retry now</button>" not in html  # support reads, does not retry
    only = client.get("/admin/traffic/outbox?status=dead").get_data(as_text=True)
    assert only.count("betcore.accept") == 1
    assert f"<td>{dead}</td>" in only


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_retry_now_revives_a_dead_message_and_is_audited(app, client, role):
    message_id = _message(app, DEAD)
    log_in(app, client, role)
    page = "/admin/traffic/outbox"
    assert "Retry now</button>" in client.get(page).get_data(as_text=True)
    answer = post_action(
        client, f"/admin/traffic/outbox/{message_id}/retry", {"reason": "vendor is back"}, page=page
    )
    assert answer.status_code == 302
    status, attempts, next_at = _state(app, message_id)
    assert (status, attempts) == (PENDING, 0) and next_at <= utcnow()
    [entry] = audit_entries(app, "outbox.retry")
    assert (entry["target_type"], entry["target_id"]) == ("outbox_message", str(message_id))
    assert entry["reason"] == "vendor is back" and entry["role"] == role
    before, after = (
        json.loads(e) if isinstance(e, str) else e for e in (entry["before"], entry["after"])
    )
    assert before["status"] == DEAD and before["attempts"] == 3
    assert after["status"] == PENDING and after["attempts"] == 0


def test_retry_now_makes_a_pending_message_due_now(app, client):
    message_id = _message(app, PENDING, attempts=4, next_in=timedelta(hours=1))
    log_in(app, client, "admin")
    post_action(
        client,
        f"/admin/traffic/outbox/{message_id}/retry",
        {"reason": "hurry"},
        page="/admin/traffic/outbox",
    )
    status, attempts, next_at = _state(app, message_id)
    assert (status, attempts) == (PENDING, 4) and next_at <= utcnow()
    assert len(audit_entries(app, "outbox.retry")) == 1


def test_retry_now_of_a_sent_message_is_a_flash_not_a_change(app, client):
    message_id = _message(app, SENT, error=None)
    log_in(app, client, "admin")
    answer = post_action(
        client,
        f"/admin/traffic/outbox/{message_id}/retry",
        {"reason": "x"},
        page="/admin/traffic/outbox",
    )
    assert answer.status_code == 302
    assert "delivered already" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert _state(app, message_id)[0] == SENT and audit_entries(app, "outbox.retry") == []


def test_retry_now_is_refused_to_support_and_needs_a_reason(app, client):
    message_id = _message(app, DEAD)
    log_in(app, client, "support")
    url = f"/admin/traffic/outbox/{message_id}/retry"
    answer = post_action(client, url, {"reason": "x"}, page="/admin/traffic/outbox")
    assert answer.status_code == 403
    assert _state(app, message_id)[0] == DEAD
    admin_client = app.test_client()
    log_in(app, admin_client, "admin")
    answer = post_action(admin_client, url, {"reason": ""}, page="/admin/traffic/outbox")
    assert answer.status_code == 400 and _state(app, message_id)[0] == DEAD


def test_the_cli_retry_uses_the_same_core(app, runner):
    dead = _message(app, DEAD)
    pending = _message(app, PENDING, next_in=timedelta(hours=1))
    sent = _message(app, SENT, error=None)
    result = runner.invoke(args=["outbox", "retry", str(dead), str(pending), str(sent)])
    assert result.output == "2 message(s) pending again\n"
    assert _state(app, dead)[:2] == (PENDING, 0) and _state(app, sent)[0] == SENT
    with app.app_context():
        assert outbox.retry([sent]) == []


def test_the_webhook_secret_the_payment_signature_and_card_numbers_stay_out(make_app, make_player):
    from portal.payments import deposits
    from portal.payments.cli import method_row
    from tests.harness.payments import LIMITS, SECRET, signed

    webhook_secret = "betcalc-webhook-secret-4242"
    app = make_app(PAYMENT_SANDBOX_SECRET=SECRET, BETCALC_RESULT_SECRET=webhook_secret)
    player_id = make_player()
    with app.app_context():
        player = db.session.get(Player, player_id)
        method_row(player.brand_id, "sandbox", "EUR", LIMITS)
        reference = deposits.start(player, "10.00", "EUR", "sandbox").reference
        db.session.commit()
    client = app.test_client()
    card = "4111111111111111"
    body = {"provider_tx_id": "T-1", "reference": reference, "status": "success"}
    raw, signature = signed(body | {"amount": "10.00", "currency": "EUR", "card": card})
    headers = {"Content-Type": "application/json", "X-Signature": signature}
    assert client.post("/payments/sandbox/callback", data=raw, headers=headers).status_code == 200
    results = [{"BarCode": "NOPE", "Status": 1, "AmountOut": "0", "Note": f"card {card}"}]
    client.post(f"/betcalc/{webhook_secret}/api/bet/result", json=results)
    rows = calls(app)
    assert {c.vendor for c in rows} == {"payments", "betcalc"}
    for row in rows:
        stored = " ".join(
            str(getattr(row, f)) for f in ("endpoint", "request_body", "response_body", "error")
        )
        for secret in (webhook_secret, signature, card, SECRET):
            assert secret not in stored
    assert '"card": "[redacted]"' in next(c for c in rows if c.vendor == "payments").request_body
    assert "card 411111******1111" in next(c for c in rows if c.vendor == "betcalc").request_body
    assert "/betcalc/[redacted]/api/bet/result" in {c.endpoint for c in rows}


def test_a_vendor_body_with_nul_and_lone_surrogates_is_logged_escaped(make_app):
    """Neither database stores NUL (PostgreSQL) or lone surrogates (UTF-8): the log shows
    them escaped instead of losing the call (or the batch it was written with)."""
    app = make_app()
    body = b'{"token": "t0ken-secret", "transactionId": "a\\u0000b", "requestId": "\\ud800x"}'
    app.test_client().post(
        "/betsy/payment/bet", data=body, headers={"Content-Type": "application/json"}
    )
    app.test_client().post("/betsy/user/balance", json={"userId": "2"})
    found = calls(app, vendor="betsy")
    assert [call.endpoint for call in found] == ["/betsy/payment/bet", "/betsy/user/balance"]
    logged = found[0].request_body
    assert "t0ken-secret" not in logged and "\x00" not in logged  # masked, then stored
    assert "\\ud800" in logged
    assert recorder.for_app(app).dropped == 0


def test_a_row_the_database_refuses_costs_only_itself(make_app):
    app = make_app()
    log = recorder.for_app(app)
    good = capture.row("crm", "in", "GET", "/crm/players", 200, 1, None, None)
    bad = dict(good, vendor=None)  # NOT NULL
    log.record(good)
    log.record(bad)
    log.record(dict(good, endpoint="/crm/logins"))
    assert log.flush() == 2 and log.dropped == 1
    assert [call.endpoint for call in calls(app)] == ["/crm/players", "/crm/logins"]
