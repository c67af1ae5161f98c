"""Mail: kept in the outbox without MAIL_SERVER, delivered by SMTP with it."""

import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.accounts.models import OutboundMail
from portal.extensions import db
from tests.harness.postgres import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def wait_for(condition, seconds=10.0):
    """Mail goes out in a background thread: wait (bounded) until `condition()` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for mail delivery"
        time.sleep(0.02)


def mail_status(app):
    with app.app_context():
        return db.session.scalar(select(OutboundMail.status))


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def register(client, brand_id, email="new@example.com"):
    body = {"email": email, "password": "goal2024x", "over18": True}
    return client.post(f"/gateway/reg-step-one/1/{brand_id}", json=body)


def test_mail_is_kept_in_the_outbox_without_mail_server(app, client, brand_id):
    assert register(client, brand_id).status_code == 201
    with app.app_context():
        message = db.session.scalar(select(OutboundMail))
        assert (message.recipient, message.status) == ("new@example.com", "kept")
        assert "welcome to Test Casino" in message.body


def test_mail_is_delivered_by_smtp_after_commit(make_app, brand_id, smtp_server):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    assert register(app.test_client(), brand_id).status_code == 201
    wait_for(lambda: mail_status(app) == "sent")
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert recipients == ["new@example.com"]
    assert "Subject: Welcome to Test Casino" in content


def test_a_request_does_not_wait_for_a_slow_mail_server(make_app, brand_id):
    """A server that accepts the connection and never greets: the request answers at once."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1])
        started = time.monotonic()
        assert register(app.test_client(), brand_id).status_code == 201
        assert time.monotonic() - started < 3  # SMTP's own timeout is 10 s
        assert mail_status(app) == "pending"
    finally:
        silent.close()


def test_failed_delivery_stays_pending_and_is_retried(make_app, brand_id, smtp_server):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    assert register(app.test_client(), brand_id).status_code == 201  # the player is registered
    wait_for(lambda: mail_status(app) == "failed")
    with app.app_context():
        assert db.session.scalar(select(OutboundMail.attempts)) == 1
    app.config["MAIL_PORT"] = controller.port
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    assert len(inbox.messages) == 1


def test_no_mail_is_sent_when_the_registration_fails(make_app, brand_id, smtp_server):
    controller, inbox = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    client = app.test_client()
    register(client, brand_id)
    wait_for(lambda: mail_status(app) == "sent")
    assert register(client, brand_id).status_code == 422  # same address again
    assert len(inbox.messages) == 1
