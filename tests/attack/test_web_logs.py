"""Secrets in logs. Mail links carry their secret in the query (`/reset-password?hash=`,
`/verify-email?token=`, `/confirm-email?token=`, the gateway's `verify/password?hash=`) and
so do the vendor frames (`?token=`); the page a link opens sends it on as the Referer. The
development server (`flask --app app dev`, run for real) and gunicorn (with the
repository's gunicorn.conf.py and `--access-logfile -`) must log those requests without the
secrets. The app's own log records, captured through registration, login, password reset,
BETCORE calls with JWTs and signed Betsy calls (good and bad ones), hold no password,
token, reset hash, JWT or partner secret either."""

import contextlib
import json
import logging
import sys
import time
import uuid
from decimal import Decimal

import pytest
import requests
import simplejson

from portal.accounts.models import Player
from portal.casino import operations as casino
from portal.extensions import db
from portal.redaction import REDACTED, REDACTING_FILTER, redact
from portal.sportsbook import betsy as jws
from portal.sportsbook import operations as sportsbook
from portal.wallet import operations as wallet
from tests.conftest import BACKENDS, submit_form
from tests.gateway_flows import EMAIL_UPDATE, FORGOT, VERIFY, last_link, login, register, token_of
from tests.harness.appserver import Gunicorn, _Process, portal_environment
from tests.harness.postgres import free_port
from tests.harness.scale import scaled
from tests.harness.vendors import Betcore

BETSY_SECRET = "betsy-partner-secret-for-the-log-tests-0123456789abcdef"
# The servers' logs are written apart from the database: the default run starts them on
# SQLite only (each start costs seconds), the long run (make reliability) on both.
SERVER_BACKENDS = pytest.mark.parametrize(
    "database_url", scaled(["sqlite"], BACKENDS), indirect=True
)


class DevServer(_Process):
    """`flask --app app dev` (the stand-ins mounted, the worker in a thread) on a free port."""

    def __init__(self, env: dict):
        super().__init__(env, "devserver.log")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "app", "dev", "--port", str(self.port)]

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"flask dev exited:\n{self.log()[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                requests.get(self.url + "/login", timeout=2)
                return
            time.sleep(0.1)
        raise RuntimeError(f"flask dev did not answer within 60 s:\n{self.log()[-3000:]}")


@pytest.fixture
def mail_links(app, brand_id) -> dict[str, str]:
    """Live secret-bearing links (path and query) as the mails carry them."""
    client = app.test_client()
    auth = {"x-auth-token": register(client, brand_id).json["auth_token"]}
    changed = client.put(
        EMAIL_UPDATE.format(brand_id), json={"email": "new@example.com"}, headers=auth
    )
    assert changed.status_code == 204
    assert (
        client.post(FORGOT.format(brand_id), json={"mail": "john@example.com"}).status_code == 201
    )
    links = {
        path: last_link(app, path).removeprefix("http://portal.test")
        for path in ("/reset-password", "/verify-email", "/confirm-email")
    }
    with app.app_context():
        player = db.session.scalar(db.select(Player))
        links["/sandbox/betsy/iframe"] = "/sandbox/betsy/iframe?lang=en&token=" + (
            sportsbook.issue_token(player, "EUR")
        )
        db.session.commit()
    return links


def visit(base_url: str, links: dict[str, str], brand_id: int) -> list[str]:
    """Open every link as a browser (and the next request with it as Referer), then spend
    the reset hash through the gateway. Returns the secrets that were sent."""
    secrets = [token_of(link) for link in links.values()]
    session = requests.Session()
    for link in links.values():
        session.get(base_url + link, timeout=30)
        session.get(base_url + "/static/site.css", headers={"Referer": base_url + link}, timeout=30)
    reset_hash = token_of(links["/reset-password"])
    answer = session.post(
        f"{base_url}{VERIFY.format(brand_id)}?hash={reset_hash}",
        json={"new_password": "fresh4321"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text  # the hash was real: it worked once
    return secrets


def assert_logged_without(log: str, secrets: list[str]) -> None:
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == [], f"secrets in the log:\n{log[-3000:]}"
    assert "/reset-password?hash=" + REDACTED in log  # the requests were logged, redacted
    assert "/verify/password/1?hash=" + REDACTED in log


@SERVER_BACKENDS
def test_the_dev_server_logs_no_secret(database_url, mail_links, brand_id):
    env = portal_environment(database_url, LOG_LEVEL="INFO", PUBLIC_URL="")
    with DevServer(env) as server:
        secrets = visit(server.url, mail_links, brand_id)
    assert_logged_without(server.log(), secrets)
    assert "/sandbox/betsy/iframe?lang=en&token=" + REDACTED in server.log()


@SERVER_BACKENDS
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_gunicorn_logs_no_secret(database_url, mail_links, brand_id, log_format):
    env = portal_environment(database_url, ACCESS_LOG_FORMAT=log_format)
    with Gunicorn(env, workers=1) as server:
        secrets = visit(server.url, mail_links, brand_id)
    assert_logged_without(server.log(), secrets)
    access_lines = [line for line in server.log().splitlines() if line.startswith("{")]
    assert bool(access_lines) == (log_format == "json")


ACCESS_FIELDS = {
    "time",
    "method",
    "path",
    "status",
    "bytes",
    "duration_ms",
    "remote_addr",
    "user_agent",
    "referer",
    "request_id",
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gunicorn_writes_one_json_object_per_request(database_url, brand_id):
    """The default access log: one JSON line per request with the documented fields;
    credentials (Authorization, cookies, x-auth-token, x-sign-jws) never, secret query
    values redacted in the target and the Referer."""
    secrets = ["jwt-in-the-header", "cookie-value-1", "session-token-2", "sig-3", "hash-4"]
    headers = {
        "Authorization": "Bearer jwt-in-the-header",
        "Cookie": "session=cookie-value-1",
        "x-auth-token": "session-token-2",
        "x-sign-jws": "sig-3",
        "Referer": "http://portal.test/reset-password?hash=hash-4&x=1",
        "User-Agent": 'agent "quoted"',
        "X-Request-ID": "lb-7f3a",
    }
    with Gunicorn(portal_environment(database_url), workers=1) as server:
        page = requests.get(
            f"{server.url}/login?next=/wallet&token=hash-4", headers=headers, timeout=30
        )
        vendor = requests.post(f"{server.url}/betcore/payments/make", headers=headers, timeout=30)
        requests.get(f"{server.url}/healthz", timeout=30)
    log = server.log()
    assert not [secret for secret in secrets if secret in log], log[-3000:]
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")][-3:]
    assert [(line["method"], line["path"]) for line in lines] == [
        ("GET", "/login?next=/wallet&token=" + REDACTED),
        ("POST", "/betcore/payments/make"),
        ("GET", "/healthz"),
    ]
    login_line = lines[0]
    assert set(login_line) == ACCESS_FIELDS
    assert (login_line["status"], login_line["bytes"]) == (200, len(page.content))
    assert lines[1]["status"] == vendor.status_code == 200
    assert login_line["remote_addr"] == "127.0.0.1"
    assert login_line["referer"] == "http://portal.test/reset-password?hash=[redacted]&x=1"
    assert login_line["user_agent"] == 'agent "quoted"'
    assert login_line["request_id"] == "lb-7f3a"
    assert isinstance(login_line["duration_ms"], float) and login_line["duration_ms"] > 0
    assert login_line["time"].endswith("Z")
    assert lines[2]["referer"] == lines[2]["request_id"] is None  # not sent: null


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_access_log_format_stops_gunicorn(database_url):
    with pytest.raises(RuntimeError, match="ACCESS_LOG_FORMAT must be one of json, text"):
        Gunicorn(portal_environment(database_url, ACCESS_LOG_FORMAT="xml"), workers=1).start()


def test_what_is_redacted():
    line = 'GET /reset-password?hash=s3cr%3D&page=2&Api%4Bey=k1&next=/x HTTP/1.1 "-"'
    assert redact(line) == (
        'GET /reset-password?hash=[redacted]&page=2&Api%4Bey=[redacted]&next=/x HTTP/1.1 "-"'
    )
    assert redact("token=t1;x=1") == "token=[redacted];x=1"  # a query string alone
    assert (
        redact("http://a.test/v?csrf_token=t2#top") == "http://a.test/v?csrf_token=[redacted]#top"
    )
    assert (
        redact("/wallet/history?currency=EUR&kind=win") == "/wallet/history?currency=EUR&kind=win"
    )
    record = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s",
        ("/verify-email?token=t3",), None,
    )  # fmt: skip
    REDACTING_FILTER.filter(record)
    assert record.getMessage() == "Error handling request /verify-email?token=[redacted]"


def signed_betsy(client, method, path, body: dict, secret=BETSY_SECRET):
    raw = simplejson.dumps(body, use_decimal=True).encode()
    headers = {"content-type": "application/json", jws.HEADER: jws.sign(raw, secret)}
    return client.open(f"/betsy{path}", method=method, data=raw, headers=headers), headers


@pytest.fixture(scope="module")
def betcore():
    vendor = Betcore()
    yield vendor
    vendor.stop()


def test_the_app_logs_no_secret(make_app, brand_id, betcore, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(
        BETSY_PARTNER_SECRET=BETSY_SECRET,
        BETCORE_API_URL=betcore.server.url,
        BETCORE_JWKS_COOLDOWN=0,
        BETCORE_CLIENT_SECRET="betcore-client-secret-of-the-log-tests",
    )
    secrets = [BETSY_SECRET, "betcore-client-secret-of-the-log-tests"]
    web = app.test_client()
    form = {"email": "ann@example.com", "login_name": "ann", "password": "first1234"}
    form |= {"currency": "EUR", "over18": "y", "accept_terms": "y"}
    assert submit_form(web, "/register", form).status_code == 302
    secrets += ["first1234", "wrong9876", "second1234", "third1234"]
    assert submit_form(web, "/logout", {}, page="/register/details").status_code == 302
    for password, status in (("wrong9876", 401), ("first1234", 302)):
        answer = submit_form(web, "/login", {"identifier": "ann", "password": password})
        assert answer.status_code == status
    session = login(app.test_client(), brand_id, "first1234", email="ann@example.com").json
    secrets.append(session["auth_token"])

    app.test_client().post(FORGOT.format(brand_id), json={"mail": "ann@example.com"})
    reset = last_link(app, "/reset-password").removeprefix("http://portal.test")
    secrets.append(token_of(reset))
    assert submit_form(web, reset, {"new_password": "second1234"}).status_code == 302
    again = app.test_client().post(
        f"{VERIFY.format(brand_id)}?hash={token_of(reset)}", json={"new_password": "third1234"}
    )
    assert again.status_code == 400  # spent

    with app.app_context():
        player = db.session.scalar(db.select(Player))
        player_id = player.id
        wallet.adjust(player, "EUR", "50.00", reason="t", operator="t", external_id="funds")
        refresh = casino.issue_token(player, "EUR", tag_id=1)
        betsy_token = sportsbook.issue_token(player, "EUR")
        db.session.commit()
    secrets += [refresh, betsy_token]
    calls = app.test_client()
    for data, options in (
        ({"RefreshToken": refresh, "TagId": 1}, {}),
        ({"RefreshToken": refresh, "TagId": 1}, {}),  # spent: refused
        ({"RefreshToken": "x" * 40, "TagId": 1}, {"ttl": -60}),  # expired JWT
    ):
        token = betcore.token(data, **options)
        secrets += [token, token.rsplit(".", 1)[1]]
        answer = betcore.call(calls, "/users/auth", token=token)
        if answer["ErrorCode"] == 200:
            secrets.append(answer["Value"]["RefreshToken"])
    bet = {"token": betsy_token, "transactionId": str(uuid.uuid4()), "currency": "EUR"}
    bet |= {"amount": Decimal("1.00"), "userId": str(player_id), "requestId": "r1"}
    placed, headers = signed_betsy(calls, "POST", "/payment/bet", bet)
    assert placed.status_code == 200
    refused, forged = signed_betsy(calls, "POST", "/user/balance", bet, secret="forged-" * 6)
    assert refused.status_code == 400
    secrets += [headers[jws.HEADER], forged[jws.HEADER]]

    app.logger.info("capture works")  # records of the app's loggers do reach caplog
    assert "capture works" in [record.getMessage() for record in caplog.records]
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{record.name}: {text[:500]}"
