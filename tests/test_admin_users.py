"""The admin users pages (role admin only): list, create (the new admin enrols TOTP at the
first login), change role, reset the second factor (enrol again at the next login),
disable (the admin's sessions end) and enable; the last active admin cannot be demoted
or disabled. Every change is audited with before, after and reason."""

import pytest
from sqlalchemy import select

from portal.accounts.models import AdminUser
from portal.admin import users
from portal.extensions import db
from tests.admin_audit import entries
from tests.admin_helpers import PASSWORD, audit_entries, log_in, make_admin, post_action
from tests.conftest import csrf_token, page_text

EVIL = "<script>alert(1)</script>"


def _password_step(client, email, password=PASSWORD):
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post(
        "/admin/login", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )


def _admin(app, admin_id) -> AdminUser:
    with app.app_context():
        found = db.session.get(AdminUser, admin_id)
        db.session.expunge(found)
        return found


def test_the_admin_pages_render_with_data(app, client):
    finance_id = make_admin(app, "finance")
    make_admin(app, "support", "x+evil@example.com")
    log_in(app, client, "admin")
    listing = client.get("/admin/admins?sort=role&dir=asc")
    assert listing.status_code == 200
    text = page_text(listing)
    assert "finance@example.com" in text and "x+evil@example.com" in text and "3 found" in text
    filtered = client.get("/admin/admins?role=finance&active=1&email=fin")
    assert "1 found" in page_text(filtered)
    detail = client.get(f"/admin/admins/{finance_id}")
    assert detail.status_code == 200 and "10 recovery code(s) left" not in page_text(detail)
    assert "finance" in page_text(detail)


def test_an_admin_creates_an_admin_who_enrols_at_the_first_login(app, client):
    log_in(app, client, "admin")
    answer = post_action(
        client,
        "/admin/admins",
        {"email": "New@Example.com", "password": "Another-pass-987", "role": "support",
         "reason": "new colleague"},
        page="/admin/admins",
    )  # fmt: skip
    assert answer.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(AdminUser).where(AdminUser.email == "new@example.com"))
        assert created.role == "support" and created.totp_enrolled_at is None
    [entry] = entries(app, "admin_user.create")
    assert entry["target_type"] == "admin_user" and entry["target_id"] == str(created.id)
    assert entry["after"]["role"] == "support" and entry["reason"] == "new colleague"
    assert "Another-pass" not in str(entry)
    first_login = _password_step(app.test_client(), "new@example.com", "Another-pass-987")
    assert "/admin/login/enrol" in first_login.headers["Location"]
    weak = post_action(
        client,
        "/admin/admins",
        {"email": f"{EVIL}@x", "password": "short", "role": "king", "reason": "r"},
        page="/admin/admins",
    )
    assert weak.status_code == 400 and EVIL not in weak.get_data(as_text=True)
    assert "The role must be admin, finance or support." in page_text(weak)
    assert len(audit_entries(app, "admin_user.create")) == 1


def test_a_role_change_is_audited_and_takes_effect(app, client):
    support_id = make_admin(app, "support")
    other = app.test_client()
    log_in(app, other, "support")
    assert other.get("/admin/admins").status_code == 403
    log_in(app, client, "admin")
    page = f"/admin/admins/{support_id}"
    answer = post_action(client, f"{page}/role", {"role": "admin", "reason": "promoted"}, page=page)
    assert answer.status_code == 302
    assert _admin(app, support_id).role == "admin"
    assert other.get("/admin/admins").status_code == 200  # the role is read per request
    [entry] = entries(app, "admin_user.role")
    assert entry["before"]["role"] == "support" and entry["after"]["role"] == "admin"
    assert entry["target_id"] == str(support_id) and entry["reason"] == "promoted"


def test_a_reset_second_factor_means_enrolling_again_at_the_next_login(app, client):
    finance = app.test_client()
    finance_id = log_in(app, finance, "finance")
    assert finance.get("/admin/").status_code == 200
    log_in(app, client, "admin")
    page = f"/admin/admins/{finance_id}"
    answer = post_action(client, f"{page}/reset-second-factor", {"reason": "lost phone"}, page=page)
    assert answer.status_code == 302
    assert finance.get("/admin/").status_code == 302  # the session ended
    found = _admin(app, finance_id)
    assert found.totp_secret is None and found.totp_enrolled_at is None
    with app.app_context():
        assert users.recovery_codes_left(db.session.get(AdminUser, finance_id)) == 0
    again = _password_step(app.test_client(), "finance@example.com")
    assert "/admin/login/enrol" in again.headers["Location"]
    [entry] = entries(app, "admin_user.reset_second_factor")
    assert entry["before"]["second_factor"] == "enrolled"
    assert entry["after"]["second_factor"] == "not enrolled" and entry["reason"] == "lost phone"


def test_a_disabled_admin_is_logged_out_and_cannot_log_in_until_enabled(app, client):
    support = app.test_client()
    support_id = log_in(app, support, "support")
    log_in(app, client, "admin")
    page = f"/admin/admins/{support_id}"
    off = post_action(client, f"{page}/active", {"active": "0", "reason": "left"}, page=page)
    assert off.status_code == 302
    assert support.get("/admin/").status_code == 302
    assert _password_step(app.test_client(), "support@example.com").status_code == 401
    [entry] = entries(app, "admin_user.disable")
    assert entry["before"]["active"] is True and entry["after"]["active"] is False
    assert entry["reason"] == "left"
    on = post_action(client, f"{page}/active", {"active": "1", "reason": "back"}, page=page)
    assert on.status_code == 302
    assert _password_step(app.test_client(), "support@example.com").status_code == 302
    [entry] = entries(app, "admin_user.enable")
    assert entry["after"]["active"] is True


def test_the_last_active_admin_cannot_be_demoted_or_disabled(app, client):
    me = log_in(app, client, "admin")
    page = f"/admin/admins/{me}"
    demote = post_action(client, f"{page}/role", {"role": "finance", "reason": "r"}, page=page)
    assert demote.status_code == 400 and "must remain" in page_text(demote)
    disable = post_action(client, f"{page}/active", {"active": "0", "reason": "r"}, page=page)
    assert disable.status_code == 400
    other = make_admin(app, "admin", "second@example.com")
    other_page = f"/admin/admins/{other}"
    post_action(client, f"{other_page}/active", {"active": "0", "reason": "r"}, page=other_page)
    assert _admin(app, other).is_active is False
    # a disabled admin does not count: still refused
    assert (
        post_action(client, f"{page}/role", {"role": "support", "reason": "r"}, page=page)
    ).status_code == 400
    post_action(client, f"{other_page}/active", {"active": "1", "reason": "r"}, page=other_page)
    ok = post_action(client, f"{page}/role", {"role": "support", "reason": "hand over"}, page=page)
    assert ok.status_code == 302
    assert _admin(app, me).role == "support"
    assert client.get("/admin/admins").status_code == 403  # my own new role applies at once
    assert audit_entries(app, "admin_user.role")[0]["reason"] == "hand over"
    # the rule is the core's: the CLI and any other door obey it too
    with app.app_context(), pytest.raises(users.LastAdmin):
        users.set_active(db.session.get(AdminUser, other), False)


@pytest.mark.parametrize("role", ["finance", "support"])
def test_only_admins_see_and_change_admin_users(app, client, role):
    target = make_admin(app, "support" if role == "finance" else "finance")
    log_in(app, client, role)
    assert client.get("/admin/admins").status_code == 403
    assert client.get(f"/admin/admins/{target}").status_code == 403
    assert "Admin users" not in page_text(client.get("/admin/"))
    page = "/admin/"
    posts = [
        ("/admin/admins", {"email": "n@example.com", "password": "Another-pass-987",
                           "role": "admin", "reason": "r"}),
        (f"/admin/admins/{target}/role", {"role": "admin", "reason": "r"}),
        (f"/admin/admins/{target}/reset-second-factor", {"reason": "r"}),
        (f"/admin/admins/{target}/active", {"active": "0", "reason": "r"}),
    ]  # fmt: skip
    for url, data in posts:
        assert post_action(client, url, data, page=page).status_code == 403, url
    found = _admin(app, target)
    assert found.is_active and found.totp_enrolled_at is not None
    assert [e for e in audit_entries(app) if e["action"].startswith("admin_user.")] == []
