"""The bet calculation service's client against the sandbox stand-in over real HTTP: login
with cookies kept in the database, re-login on 99, every refusal, and the answers that
leave a coupon unknown."""

import json
import socket

import pytest

from portal.coupons import client
from portal.coupons.models import BetcalcSession
from portal.extensions import db
from portal.sandbox.betcalc import create_betcalc_sandbox
from tests.harness.live_server import LiveServer

BET = "line#586464528|17|954|2.5#4.27"


@pytest.fixture
def service(app):
    sandbox_app = create_betcalc_sandbox(login="12345", password="pw")
    with LiveServer(sandbox_app) as server:
        app.config.update(
            BETCALC_API_URL=server.url,
            BETCALC_LOGIN="12345",
            BETCALC_PASSWORD="pw",
            BETCALC_TIMEOUT=2.0,
        )
        yield sandbox_app.extensions["betcalc_sandbox"]


def _data(*bets, mode="reject", amount="2"):
    return {
        "list_bets": list(bets or [BET]),
        "realAmount": amount,
        "currency": "EUR",
        "lang": "en",
        "remote_host": "http://127.0.0.1:9/betcalc/secret",
        "rate_mode": mode,
    }


def test_login_keeps_the_cookies_for_every_process(service, ctx):
    placed = client.place(_data())
    assert isinstance(placed, client.Placed), placed
    assert placed.bar_code == service.coupons()[0].bar_code
    kept = db.session.get(BetcalcSession, 1)
    assert kept.user_id == "36557" and "ASP.NET_SessionId" in json.loads(kept.cookies)
    client.place(_data("live#1|1|1|0#2.10"))
    assert service.logins == 1  # the second placement used the kept session


def test_a_forgotten_session_logs_in_again_once(service, ctx):
    assert isinstance(client.place(_data()), client.Placed)
    service.restart()  # the service forgets its sessions: 99 Invalid access level
    again = client.place(_data("live#2|1|1|0#2.10"))
    assert isinstance(again, client.Placed), again
    assert service.logins == 2


def test_a_wrong_password_refuses_before_anything_is_sent(service, app, ctx):
    app.config["BETCALC_PASSWORD"] = "wrong"
    refused = client.place(_data())
    assert isinstance(refused, client.Refused) and refused.code == "login"
    assert service.coupons() == []


@pytest.mark.parametrize(
    ("arrange", "bets", "code", "message"),
    [
        (None, ["line#1|17#2.0", "line#1|18#2.0"], 1, "error_repeat_bet_data"),
        (lambda s: s.block("586464528"), [BET], 1, "error_block_bet_data"),
        (lambda s: s.remove("586464528", "17|954|2.5"), [BET], 3, "error_exist_bet"),
        (None, ["line#1|17#abc"], 1, "error_wrong_bet_data"),
    ],
)
def test_refusals_are_final(service, ctx, arrange, bets, code, message):
    if arrange:
        arrange(service)
    refused = client.place(_data(*bets))
    assert isinstance(refused, client.Refused)
    assert (refused.code, refused.message) == (code, message)
    assert service.logins == 1


def test_a_missing_remote_host_is_99_and_final_after_one_relogin(service, ctx):
    data = _data() | {"remote_host": ""}
    refused = client.place(data)
    assert (refused.code, refused.message) == (99, "Error exist remote host!")
    assert service.logins == 2  # 99 logs in again once, and the retry's 99 is final


def test_odds_changed_in_reject_mode_say_the_new_odds(service, ctx):
    service.move_odds("586464528", "17|954|2.5", "4.50")
    refused = client.place(_data())
    assert refused.code == 2
    assert refused.changed == [{"gid": "586464528", "rb": 4.27, "rg": "4.50", "rt": 1}]


def test_odds_changed_in_accept_mode_are_taken(service, ctx):
    service.move_odds("586464528", "17|954|2.5", "4.00")
    placed = client.place(_data(mode="accept"))
    assert isinstance(placed, client.Placed)
    assert service.coupon(placed.bar_code).bets == ["line#586464528|17|954|2.5#4.00"]


def test_no_answer_in_time_is_unknown(service, ctx):
    service.stall_next(3.0)  # BETCALC_TIMEOUT is 2 s
    outcome = client.place(_data())
    assert isinstance(outcome, client.Unknown), outcome
    assert len(service.coupons()) == 1  # it was placed: only an operator may say so


def test_an_answer_broken_off_is_unknown(service, ctx):
    service.drop_next()
    outcome = client.place(_data())
    assert isinstance(outcome, client.Unknown), outcome


@pytest.mark.parametrize("kept_session", [True, False], ids=["placement", "login"])
def test_a_connection_error_is_unknown_saying_nothing_was_sent(app, ctx, kept_session):
    """Issue 11: a timeout or connection error leaves the coupon unknown (never refunded
    silently); its reason tells the operator that nothing reached the service."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    app.config.update(BETCALC_API_URL=f"http://127.0.0.1:{port}", BETCALC_TIMEOUT=2.0)
    if kept_session:  # the placement itself finds nobody listening
        db.session.add(BetcalcSession(id=1, user_id="1", cookies='{"ASP.NET_SessionId": "x"}'))
    db.session.commit()
    outcome = client.place(_data())
    assert isinstance(outcome, client.Unknown) and "nothing was sent" in outcome.reason


def test_placing_with_unsaved_changes_is_a_programming_error(service, ctx):
    db.session.add(BetcalcSession(id=1, user_id="1", cookies="{}"))
    with pytest.raises(RuntimeError):
        client.place(_data())
    db.session.rollback()


def test_the_sandbox_console_controls_the_service():
    sandbox_app = create_betcalc_sandbox(login="12345", password="pw")
    sandbox, console = sandbox_app.extensions["betcalc_sandbox"], sandbox_app.test_client()
    sandbox.sessions.add("s")

    def act(**form):
        return console.post("/console/service", data=form).status_code

    assert act(action="restart") == 302 and sandbox.sessions == set()
    assert act(action="odds", match_id="5", bet_code="1|1|0", odds="2.40") == 302
    assert sandbox.odds == {("5", "1|1|0"): "2.40"}
    assert act(action="odds", match_id="5", bet_code="1|1|0", odds="two") == 400
    assert act(action="block", match_id="7") == 302 and sandbox.blocked == {"7"}
    assert act(action="remove", match_id="5", bet_code="1|1|0") == 302
    assert act(action="nonsense") == 400
    page = console.get("/console").get_data(as_text=True)
    assert "Blocked: 7" in page and "5|1|1|0 → 2.40" in page


def test_an_odd_refusal_code_is_kept_as_text():
    class Answer:
        status_code = 200

        @staticmethod
        def json():
            return {"errorCode": 1, "fullErrorCode": 2**63, "errorMessage": "odd"}

    refused = client._answer(Answer())
    assert isinstance(refused, client.Refused) and refused.code == "unexpected"
