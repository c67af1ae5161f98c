"""Admin users (role admin only): list, create (the new admin enrols TOTP at the first
login), change role, reset the second factor, disable and enable — through
portal.admin.users, which also refuses to leave no active admin."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.accounts.errors import ValidationFailed
from portal.accounts.models import AdminUser
from portal.admin import users
from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.admin.refusals import refuse
from portal.extensions import db


def _state(admin: AdminUser) -> dict:
    return {
        "email": admin.email,
        "role": admin.role,
        "active": admin.is_active,
        "second_factor": "enrolled" if admin.totp_enrolled_at else "not enrolled",
    }


def _admin(admin_id: int) -> AdminUser:
    found = db.session.get(AdminUser, admin_id)
    if found is None:
        abort(404, "No such admin.")
    return found


@page("/admins", roles=ADMIN)
def admin_users():
    query = select(AdminUser)
    if email := request.args.get("email", "").strip().lower():
        query = query.where(AdminUser.email.contains(email))
    if request.args.get("role") in users.ROLES:
        query = query.where(AdminUser.role == request.args["role"])
    if request.args.get("active") in ("1", "0"):
        query = query.where(AdminUser.is_active.is_(request.args["active"] == "1"))
    sorts = {"email": AdminUser.email, "role": AdminUser.role, "created": AdminUser.created_at}
    return render_template(
        "admin/admins.html", admins=paginate(query, sorts, "email"), roles=users.ROLES
    )


@page("/admins/<int:admin_id>", roles=ADMIN)
def admins_detail(admin_id: int):
    admin = _admin(admin_id)
    codes_left = users.recovery_codes_left(admin) if admin.totp_enrolled_at else 0
    return render_template(
        "admin/admin_user.html", user=admin, roles=users.ROLES, codes_left=codes_left
    )


@action("/admins", roles=ADMIN)
def admins_create():
    reason = required_reason()
    form = request.form
    try:
        created = users.create(
            form.get("email") or "", form.get("password") or "", form.get("role") or ""
        )
    except ValidationFailed as exc:
        refuse(exc)
    audit("admin_user.create", target_type="admin_user", target_id=created.id,
          after=_state(created), reason=reason)  # fmt: skip
    flash(f"{created.email} created: the first login sets up the authenticator.", "success")
    return redirect(url_for("admin.admins_detail", admin_id=created.id))


@action("/admins/<int:admin_id>/role", roles=ADMIN)
def admins_role(admin_id: int):
    reason = required_reason()
    admin = _admin(admin_id)
    before = _state(admin)
    try:
        users.set_role(admin, request.form.get("role") or "")
    except (ValidationFailed, users.LastAdmin) as exc:
        refuse(exc)
    audit("admin_user.role", target_type="admin_user", target_id=admin.id,
          before=before, after=_state(admin), reason=reason)  # fmt: skip
    flash(f"{admin.email} now has the role {admin.role}.", "success")
    return redirect(url_for("admin.admins_detail", admin_id=admin.id))


@action("/admins/<int:admin_id>/reset-second-factor", roles=ADMIN)
def admins_reset_second_factor(admin_id: int):
    """The admin enrols a new authenticator at the next login; their sessions end."""
    reason = required_reason()
    admin = _admin(admin_id)
    before = _state(admin)
    users.reset_second_factor(admin)
    db.session.flush()
    audit("admin_user.reset_second_factor", target_type="admin_user", target_id=admin.id,
          before=before, after=_state(admin), reason=reason)  # fmt: skip
    flash(f"{admin.email} sets up a new authenticator at the next login.", "success")
    return redirect(url_for("admin.admins_detail", admin_id=admin.id))


@action("/admins/<int:admin_id>/active", roles=ADMIN)
def admins_active(admin_id: int):
    """Disable (active=0: their sessions end) or enable (active=1) an admin."""
    reason = required_reason()
    admin = _admin(admin_id)
    before = _state(admin)
    try:
        users.set_active(admin, request.form.get("active") == "1")
    except users.LastAdmin as exc:
        refuse(exc)
    audit("admin_user.enable" if admin.is_active else "admin_user.disable",
          target_type="admin_user", target_id=admin.id, before=before, after=_state(admin),
          reason=reason)  # fmt: skip
    flash(f"{admin.email} is {'enabled' if admin.is_active else 'disabled'}.", "success")
    return redirect(url_for("admin.admins_detail", admin_id=admin.id))
