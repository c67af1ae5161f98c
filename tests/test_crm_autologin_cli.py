"""The operators' login-link commands (`flask --app app crm links issue|revoke|show`)
through the Flask CLI runner: what each prints and keeps, that the printed link works on
the site, and that wrong input is a usage error with nothing written."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Player
from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.limits import operations as limits
from tests.conftest import csrf_token

URL = "http://portal.test/auto-login/"


@pytest.fixture
def rita(make_player) -> int:
    return make_player(email="Rita@example.com")


def cli(runner, *args):
    return runner.invoke(args=["crm", "links", *[str(a) for a in args]])


def ok(runner, *args) -> list[str]:
    result = cli(runner, *args)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def links(app) -> list[AutoLogin]:
    with app.app_context():
        found = db.session.scalars(select(AutoLogin).order_by(AutoLogin.id)).all()
        db.session.expunge_all()
        return found


def at(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def test_issue_prints_each_players_link_or_why_there_is_none(app, runner, rita, make_player):
    blocked, excluded = make_player(email="bo@example.com"), make_player(email="ex@example.com")
    with app.app_context():
        db.session.get(Player, blocked).status = "blocked"
        limits.exclude(db.session.get(Player, excluded), "timeout", "7d", reason="a break")
        db.session.commit()

    said = ok(runner, "issue", rita, "nobody@example.com", blocked, excluded, "RITA@example.com",
              "--campaign", "spring")  # fmt: skip
    (link,) = links(app)
    assert (link.player_id, link.campaign) == (rita, "spring")
    token = said[0].removeprefix(f"player {rita}: {URL}").split(" ")[0]
    assert said == [
        f"player {rita}: {URL}{token} (expires {at(link.expires_at)})",
        "nobody@example.com: no link (unknown)",
        f"player {blocked}: no link (blocked)",
        f"player {excluded}: no link (excluded (timed out, self-excluded or closed))",
        f"RITA@example.com: player {rita} again (one link, above)",
        "1 link(s) issued, 3 player(s) without one",
    ]

    client = app.test_client()  # the printed link logs Rita in
    page = client.get(f"/auto-login/{token}")
    response = client.post(f"/auto-login/{token}", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert "Rita@example.com" in client.get("/account").text


def test_a_new_link_revokes_the_last_and_revoke_counts(app, runner, rita):
    ok(runner, "issue", rita)
    ok(runner, "issue", rita, "--campaign", "autumn")
    first, second = links(app)
    assert (first.revoked_at is not None, second.revoked_at) == (True, None)
    assert ok(runner, "revoke", "rita@example.com") == [f"player {rita}: 1 link(s) revoked"]
    assert ok(runner, "revoke", rita) == [f"player {rita}: 0 link(s) revoked"]
    assert links(app)[1].revoked_at is not None


def test_show_prints_the_current_link_and_the_history(app, runner, rita, clock):
    assert ok(runner, "show", rita) == [
        f"player {rita} Rita@example.com (brand 1)",
        "current link: none",
    ]
    ok(runner, "issue", rita, "--campaign", "spring")
    clock.travel(timedelta(minutes=5))
    said = ok(runner, "issue", rita)
    token = said[0].removeprefix(f"player {rita}: {URL}").split(" ")[0]
    first, second = links(app)
    shown = ok(runner, "show", rita)
    assert shown == [
        f"player {rita} Rita@example.com (brand 1)",
        f"current link: {URL}{token} (expires {at(second.expires_at)})",
        "links (newest first, 2 of 2):",
        f"{second.id}  issued {at(second.created_at)}  open until {at(second.expires_at)}",
        f"{first.id}  issued {at(first.created_at)}  campaign spring  "
        f"revoked {at(first.revoked_at)}",
    ]

    client = app.test_client()
    page = client.get(f"/auto-login/{token}")
    client.post(f"/auto-login/{token}", data={"csrf_token": csrf_token(page.text)})
    used = links(app)[1]
    assert ok(runner, "show", "rita@example.com", "--history", "1")[1:] == [
        "current link: none",
        "links (newest first, 1 of 2):",
        f"{used.id}  issued {at(used.created_at)}  used {at(used.used_at)} from 127.0.0.1",
    ]

    ok(runner, "issue", rita)
    clock.travel(timedelta(days=app.config["CRM_AUTO_LOGIN_DAYS"], minutes=1))
    shown = ok(runner, "show", rita, "--history", "1")
    assert shown[1] == "current link: none"
    assert shown[3].endswith(f"expired {at(links(app)[2].expires_at)}")

    with app.app_context():
        db.session.get(Player, rita).status = "blocked"
        db.session.commit()
    said = ok(runner, "show", rita, "--history", "0")
    assert said[1:] == ["current link: none (the player is blocked: no link logs them in)"]


WRONG = [
    (["issue"], "Missing argument 'PLAYER...'"),
    (["issue", "1", "--campaign", ""], "--campaign must be 1 to 100 printable characters"),
    (["issue", "1", "--campaign", "x" * 101], "--campaign must be 1 to 100"),
    (["issue", "1", "--campaign", "a\nb"], "--campaign must be 1 to 100"),
    (["issue", *map(str, range(1001))], "at most 1000 players at once (1001 given)"),
    (["show", "1", "--history", "-1"], "Invalid value for '--history'"),
    (["revoke"], "Missing argument 'PLAYER'"),
    (["revoke", "1", "2"], "Got unexpected extra argument (2)"),
    (["revoke", "1", "--history", "3"], "No such option '--history'"),
    (["nonsense"], "No such command 'nonsense'"),
]


def test_wrong_input_is_a_usage_error_and_writes_nothing(app, runner, rita):
    for args, message in WRONG:
        result = cli(runner, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, args
    assert links(app) == []


def test_an_unknown_player_is_an_error_for_show_and_revoke(app, runner, rita):
    for command in ("show", "revoke"):
        result = cli(runner, command, "nobody@example.com")
        assert result.exit_code == 1
        assert result.output == "Error: no player nobody@example.com\n"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AutoLogin)) == 0
