"""Actions on a player in the back office: each works through the core, writes one audit
entry (action, target, before/after, reason) and is refused (403) to a role not allowed."""

import json

import pytest
from sqlalchemy import select

from portal.accounts.models import OutboundMail, Player, PlayerSession
from portal.admin.models import PlayerNote
from portal.bonuses import operations as bonuses
from portal.bonuses.models import BonusAssignment
from portal.crm import autologin
from portal.crm.models import AutoLogin
from portal.extensions import db
from portal.limits import operations as limits
from portal.limits.models import PlayerLimit
from portal.wallet import queries as wallet_queries
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.conftest import csrf_token
from tests.players_data import open_session


def _player(app, player_id) -> Player:
    return db.session.get(Player, player_id)


def _post(client, player_id, path, data):
    page = f"/admin/players/{player_id}"
    return post_action(client, f"{page}/{path}", data, page=page)


def _entries(app, action):
    """The audit entries of `action`, their before/after read from JSON."""
    found = audit_entries(app, action)
    for entry in found:
        for side in ("before", "after"):
            if isinstance(entry[side], str):
                entry[side] = json.loads(entry[side])
    return found


def _entry(app, action, player_id, reason):
    [entry] = _entries(app, action)
    assert entry["target_type"] == "player" and entry["target_id"] == str(player_id)
    assert entry["reason"] == reason
    return entry


def _player_login(client, email="player@example.com", password="secret123"):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"csrf_token": csrf_token(page), "identifier": email,
                                       "password": password})  # fmt: skip


# (action path, form, roles refused)
REFUSED = [
    ("block", {}, ("finance",)),
    ("unblock", {}, ("finance",)),
    ("temporary-password", {"password": "Temp-pass-99"}, ("finance",)),
    ("resend-verification", {}, ("finance",)),
    ("sessions/revoke", {}, ("finance",)),
    ("notes", {"text": "x"}, ("finance",)),
    ("verify-email", {}, ("finance", "support")),
    ("bonus", {"code": "X"}, ("finance", "support")),
    ("limit", {"kind": "bets", "value": "3"}, ("finance", "support")),
    ("exclude", {"kind": "timeout", "duration": "24h"}, ("finance", "support")),
    ("close", {}, ("finance", "support")),
    ("adjust", {"direction": "credit", "amount": "1", "currency": "EUR"}, ("support",)),
]


@pytest.mark.parametrize("path,data,roles", REFUSED)
def test_each_action_is_refused_to_roles_not_allowed(app, make_player, path, data, roles):
    player_id = make_player()
    for role in roles:
        client = app.test_client()
        log_in(app, client, role)
        answer = _post(client, player_id, path, {"reason": "r", **data})
        assert answer.status_code == 403, (path, role)
    assert not any(e["action"].startswith("player.") for e in audit_entries(app))


def test_block_ends_sessions_and_login_links_and_stops_login_then_unblock(app, client, make_player):
    player_id = make_player()
    browser = app.test_client()
    assert _player_login(browser).status_code == 302
    assert browser.get("/account").status_code == 200
    with app.app_context():
        autologin.issue(_player(app, player_id))
        db.session.commit()
    log_in(app, client, "support")
    answer = _post(client, player_id, "block", {"reason": "fraud check"})
    assert answer.status_code == 302
    entry = _entry(app, "player.block", player_id, "fraud check")
    assert entry["before"]["status"] == "active" and entry["after"]["status"] == "blocked"
    with app.app_context():
        assert _player(app, player_id).status == "blocked"
        live = db.session.scalars(select(PlayerSession).where(PlayerSession.revoked_at.is_(None)))
        assert list(live) == []
        assert all(row.revoked_at for row in db.session.scalars(select(AutoLogin)))
    assert browser.get("/account").status_code == 302  # the session has ended
    assert _player_login(app.test_client()).status_code != 302  # no new login
    # blocking twice says so (400), and keeps no entry
    assert _post(client, player_id, "block", {"reason": "again"}).status_code == 400
    answer = _post(client, player_id, "unblock", {"reason": "cleared"})
    assert answer.status_code == 302
    entry = _entry(app, "player.unblock", player_id, "cleared")
    assert entry["before"] == {"status": "blocked"} and entry["after"] == {"status": "active"}
    assert _player_login(app.test_client()).status_code == 302


def test_an_action_without_a_reason_is_refused(app, client, make_player):
    player_id = make_player()
    log_in(app, client, "admin")
    assert _post(client, player_id, "block", {"reason": " "}).status_code == 400
    with app.app_context():
        assert _player(app, player_id).status == "active"


def test_temporary_password(app, client, make_player):
    player_id = make_player()
    log_in(app, client, "support")
    weak = _post(client, player_id, "temporary-password", {"password": "x", "reason": "call"})
    assert weak.status_code == 400
    answer = _post(client, player_id, "temporary-password",
                   {"password": "Temp-pass-99", "reason": "called in"})  # fmt: skip
    assert answer.status_code == 302
    entry = _entry(app, "player.temporary_password", player_id, "called in")
    assert entry["before"] == {"password_change_required": False}
    assert entry["after"]["password_change_required"] is True
    assert "Temp-pass-99" not in str(entry)
    with app.app_context():
        assert _player(app, player_id).password_change_required


def test_resend_verification_and_mark_verified(app, client, make_player):
    player_id = make_player(email="new@example.com")
    with app.app_context():
        _player(app, player_id).email_verified_at = None
        db.session.commit()
    log_in(app, client, "admin")
    answer = _post(client, player_id, "resend-verification", {"reason": "lost the mail"})
    assert answer.status_code == 302
    entry = _entry(app, "player.resend_verification", player_id, "lost the mail")
    assert entry["after"] == {"activation_mail_to": "new@example.com"}
    with app.app_context():
        mails = db.session.scalars(select(OutboundMail.recipient)).all()
        assert "new@example.com" in mails
    answer = _post(client, player_id, "verify-email", {"reason": "checked by phone"})
    assert answer.status_code == 302
    entry = _entry(app, "player.verify_email", player_id, "checked by phone")
    assert entry["before"] == {"email_verified_at": None} and entry["after"]["email_verified_at"]
    with app.app_context():
        assert _player(app, player_id).email_verified_at is not None
    again = _post(client, player_id, "resend-verification", {"reason": "x"})
    assert again.status_code == 400


def test_revoke_one_session_or_all(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        first, second, third = (open_session(player_id) for _ in range(3))
        db.session.commit()
    log_in(app, client, "support")
    answer = _post(client, player_id, "sessions/revoke",
                   {"session_id": str(first), "reason": "lost phone"})  # fmt: skip
    assert answer.status_code == 302
    entry = _entry(app, "player.revoke_sessions", player_id, "lost phone")
    assert entry["before"] == {"live_sessions": [first, second, third]}
    assert entry["after"] == {"revoked": [first]}
    assert _post(client, player_id, "sessions/revoke",
                 {"session_id": "999999", "reason": "x"}).status_code == 400  # fmt: skip
    assert _post(client, player_id, "sessions/revoke", {"reason": "all"}).status_code == 302
    entries = _entries(app, "player.revoke_sessions")
    assert entries[-1]["after"] == {"revoked": [second, third]}
    with app.app_context():
        assert all(s.revoked_at for s in db.session.scalars(select(PlayerSession)))


def test_add_note(app, client, make_player):
    player_id = make_player()
    log_in(app, client, "support")
    answer = _post(client, player_id, "notes",
                   {"text": "<b>VIP</b> asked for a callback", "reason": "call"})  # fmt: skip
    assert answer.status_code == 302
    entry = _entry(app, "player.add_note", player_id, "call")
    assert entry["before"] is None and entry["after"]["text"] == "<b>VIP</b> asked for a callback"
    html = client.get(f"/admin/players/{player_id}").get_data(as_text=True)
    assert "&lt;b&gt;VIP&lt;/b&gt; asked" in html and "<b>VIP</b>" not in html
    with app.app_context():
        [note] = db.session.scalars(select(PlayerNote)).all()
        assert note.author == "support@example.com"


def test_assign_a_bonus(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        bonuses.create("Ten", "TENNER", amount="10.00", wagering="5", max_conversion="20",
                       days=30)  # fmt: skip
        bonuses.create("Match", "MATCH", percent="100", max_amount="50", wagering="5",
                       max_conversion="20", days=30)  # fmt: skip
        db.session.commit()
    log_in(app, client, "admin")
    refused = _post(client, player_id, "bonus", {"code": "MATCH", "reason": "x"})
    assert refused.status_code == 400
    answer = _post(client, player_id, "bonus",
                   {"code": "TENNER", "currency": "EUR", "reason": "goodwill"})  # fmt: skip
    assert answer.status_code == 302
    entry = _entry(app, "player.assign_bonus", player_id, "goodwill")
    assert entry["after"]["bonus"] == "TENNER" and entry["after"]["amount"] == 1000
    with app.app_context():
        [given] = db.session.scalars(select(BonusAssignment)).all()
        assert given.player_id == player_id and given.wagering_required == 5000
    assert _post(client, player_id, "bonus",
                 {"code": "TENNER", "reason": "twice"}).status_code == 400  # fmt: skip


def test_lower_a_limit_but_never_raise_it(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        limits.set_limit(_player(app, player_id), "deposit", "day", "EUR", 10000)
        db.session.commit()
    log_in(app, client, "admin")
    form = {"kind": "deposit", "period": "day", "currency": "EUR"}
    raised = _post(client, player_id, "limit", {**form, "value": "200.00", "reason": "asked"})
    assert raised.status_code == 400
    answer = _post(client, player_id, "limit", {**form, "value": "50.00", "reason": "RG check"})
    assert answer.status_code == 302
    entry = _entry(app, "player.lower_limit", player_id, "RG check")
    assert entry["before"] == {"deposit day EUR": "100.00 EUR"}
    assert entry["after"] == {"deposit day EUR": "50.00 EUR"}
    with app.app_context():
        row = db.session.scalar(select(PlayerLimit).where(PlayerLimit.kind == "deposit"))
        assert row.value == 5000 and row.pending_at is None
    first = _post(client, player_id, "limit", {"kind": "session", "value": "60", "reason": "s"})
    assert first.status_code == 302


def test_time_out_and_close_the_account(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        open_session(player_id)
        db.session.commit()
    log_in(app, client, "admin")
    bad = _post(client, player_id, "exclude", {"kind": "timeout", "duration": "9y", "reason": "x"})
    assert bad.status_code == 400
    form = {"kind": "timeout", "duration": "24h", "reason": "asked on the phone"}
    answer = _post(client, player_id, "exclude", form)
    assert answer.status_code == 302
    entry = _entry(app, "player.exclude", player_id, "asked on the phone")
    assert entry["before"] == {"status": "active"} and entry["after"]["status"] == "timed_out"
    with app.app_context():
        assert all(s.revoked_at for s in db.session.scalars(select(PlayerSession)))
    # a closure cannot replace a running exclusion (the core's rule): lift it first
    assert _post(client, player_id, "close", {"reason": "wants out"}).status_code == 400
    with app.app_context():
        limits.lift(_player(app, player_id), reason="test", actor="operator:test")
        db.session.commit()
    answer = _post(client, player_id, "close", {"reason": "wants out"})
    assert answer.status_code == 302
    entry = _entry(app, "player.close_account", player_id, "wants out")
    assert entry["before"] == {"status": "active"} and entry["after"]["status"] == "closed"


def test_adjust_a_balance_once_per_form(app, client, make_player):
    player_id = make_player()
    log_in(app, client, "finance")
    form = {"direction": "credit", "amount": "12.50", "currency": "EUR", "account": "real",
            "key": "form-1", "reason": "compensation"}  # fmt: skip
    assert _post(client, player_id, "adjust", form).status_code == 302
    assert _post(client, player_id, "adjust", form).status_code == 302  # the same form again
    with app.app_context():
        assert wallet_queries.balance(_player(app, player_id), "EUR").real == 12.5
    [entry] = _entries(app, "player.adjust_balance")  # the repeat moved and wrote nothing
    assert entry["target_id"] == str(player_id) and entry["reason"] == "compensation"
    assert entry["before"]["real"] == "0.00" and entry["after"]["real"] == "12.50"
    debit = {**form, "direction": "debit", "amount": "100", "key": "form-2"}
    assert _post(client, player_id, "adjust", debit).status_code == 400  # not enough money
    debit = {**debit, "amount": "2.50", "key": "form-3"}
    assert _post(client, player_id, "adjust", debit).status_code == 302
    with app.app_context():
        assert wallet_queries.balance(_player(app, player_id), "EUR").real == 10
    assert _post(client, player_id, "adjust", {**form, "amount": "-1"}).status_code == 400
    assert _post(client, player_id, "adjust", {**form, "currency": "XXX"}).status_code == 400


def test_the_cli_blocks_and_unblocks_through_the_same_core(app, runner, make_player):
    player_id = make_player(email="cli@example.com")
    with app.app_context():
        open_session(player_id)
        db.session.commit()
    result = runner.invoke(args=["players", "block", "cli@example.com", "--reason", "fraud"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _player(app, player_id).status == "blocked"
        assert all(s.revoked_at for s in db.session.scalars(select(PlayerSession)))
    again = runner.invoke(args=["players", "block", str(player_id), "--reason", "again"])
    assert again.exit_code != 0 and "blocked already" in again.output
    result = runner.invoke(args=["players", "unblock", str(player_id), "--reason", "ok"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _player(app, player_id).status == "active"
    [entry] = [e for e in audit_entries(app) if e["action"] == "cli players block"]
    assert entry["target_id"] == "cli@example.com" and entry["reason"] == "fraud"


def test_unblocking_returns_an_excluded_player_to_the_exclusion(app, client, make_player):
    player_id = make_player()
    with app.app_context():
        limits.exclude(_player(app, player_id), "self-exclusion", "6m", reason="mine")
        db.session.commit()
    log_in(app, client, "support")
    assert _post(client, player_id, "block", {"reason": "check"}).status_code == 302
    assert _post(client, player_id, "unblock", {"reason": "done"}).status_code == 302
    with app.app_context():
        assert _player(app, player_id).status == "self_excluded"
