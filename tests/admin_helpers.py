"""Logging in to the back office as a browser does: the password form, then a TOTP code
computed from the admin's enrolled secret (each 30 s step is accepted once, so the
helper moves the admin's last used step back when a test logs in twice in one step)."""

import pyotp
from sqlalchemy import select, update

from portal.accounts.models import AdminUser
from portal.admin import users
from portal.extensions import db
from tests.conftest import csrf_token

PASSWORD = "Admin-pass-1234"
SECRETS = {role: pyotp.random_base32() for role in users.ROLES}


def make_admin(app, role: str = "admin", email: str | None = None, *, enrolled=True) -> int:
    email = email or f"{role}@example.com"
    with app.app_context():
        admin = db.session.scalar(select(AdminUser).where(AdminUser.email == email))
        if admin is None:
            admin = users.create(email, PASSWORD, role, SECRETS[role] if enrolled else None)
            db.session.commit()
        return admin.id


def code_for(app, admin_id: int) -> str:
    """A code the admin has not used yet (the current step's)."""
    with app.app_context():
        admin = db.session.get(AdminUser, admin_id)
        db.session.execute(
            update(AdminUser).where(AdminUser.id == admin_id).values(totp_last_step=None)
        )
        db.session.commit()
        return pyotp.TOTP(admin.totp_secret).now()


def log_in(app, client, role: str = "admin", email: str | None = None):
    """Log `client` in as an enrolled admin of `role`; returns the admin's id."""
    admin_id = make_admin(app, role, email)
    email = email or f"{role}@example.com"
    page = client.get("/admin/login").get_data(as_text=True)
    answer = client.post(
        "/admin/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": PASSWORD},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert "/admin/login/second-factor" in answer.headers["Location"]
    page = client.get("/admin/login/second-factor").get_data(as_text=True)
    answer = client.post(
        "/admin/login/second-factor",
        data={"csrf_token": csrf_token(page), "code": code_for(app, admin_id)},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return admin_id


def post_action(client, url: str, data: dict, *, page: str):
    """Post an admin form the way a browser does: load `page`, take its CSRF token."""
    html = client.get(page).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(html), **data})


def audit_entries(app, action: str | None = None):
    from portal.audit.models import AuditEntry

    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        return [
            {c: getattr(e, c) for c in ("seq", "actor", "role", "action", "target_type",
                                         "target_id", "before", "after", "reason", "ip")}
            for e in db.session.scalars(query)
        ]  # fmt: skip
