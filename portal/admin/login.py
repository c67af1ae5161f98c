"""The admin login: password, then the second factor (TOTP, or a recovery code), with
enrolment (QR code, first code, recovery codes) on the first login. Logout."""

import io

import qrcode
import qrcode.image.svg
from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from limits import parse
from markupsafe import Markup

from portal.admin import sessions, users
from portal.admin.blueprint import audit, page, public, safe_next
from portal.admin.models import AdminSession
from portal.audit.chain import Actor, record
from portal.extensions import limiter


def _set_cookie(response, token: str):
    response.set_cookie(
        sessions.COOKIE,
        token,
        path="/admin",
        httponly=True,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        samesite="Strict",
    )
    return response


def _half_session() -> AdminSession | None:
    session = sessions.resolve(request.cookies.get(sessions.COOKIE))
    return session if session is not None and session.second_factor_at is None else None


@public("/login", methods=("GET", "POST"), limited=True)
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        admin = users.authenticate(request.form.get("email", ""), request.form.get("password", ""))
        if admin is not None:
            token = sessions.open_session(
                admin, full=False, ip=request.remote_addr, user_agent=request.user_agent.string
            )
            step = "admin.second_factor" if admin.totp_enrolled_at else "admin.enrol"
            return _set_cookie(redirect(url_for(step, next=target)), token)
        flash("Wrong email or password, or the account is disabled.", "error")
        return render_template(
            "admin/login.html", next=target, email=request.form.get("email")
        ), 401
    return render_template("admin/login.html", next=target, email="")


@public("/login/second-factor", methods=("GET", "POST"), limited=True, code=True)
def second_factor():
    half = _half_session()
    if half is None or half.admin.totp_enrolled_at is None:
        return redirect(url_for("admin.login"))
    target = safe_next(request.values.get("next"))
    if request.method == "POST":
        _refuse_after_many_wrong_codes(half.admin)
        try:
            kind = users.check_code(half.admin, request.form.get("code", ""))
        except users.SecondFactorRefused:
            _wrong_code(half.admin)
            flash("That code is not right (or was used already). Try the next one.", "error")
            return render_template("admin/second_factor.html", next=target), 401
        return _complete(half, kind, redirect(target))
    return render_template("admin/second_factor.html", next=target)


@public("/login/enrol", methods=("GET", "POST"), limited=True, code=True)
def enrol():
    half = _half_session()
    if half is None or half.admin.totp_enrolled_at is not None:
        return redirect(url_for("admin.login"))
    admin = half.admin
    secret = users.enrolment_secret(admin)
    if request.method == "POST":
        _refuse_after_many_wrong_codes(admin)
        try:
            users.check_code(admin, request.form.get("code", ""))
        except users.SecondFactorRefused:
            _wrong_code(admin)
            flash("That code is not right. Check the time on your phone and try again.", "error")
            return _enrol_page(admin, secret), 401
        codes = users.new_recovery_codes(admin)
        target = safe_next(request.values.get("next"))
        page_ = render_template("admin/recovery_codes.html", codes=codes, next=target)
        return _complete(half, "enrolment", make_response(page_))
    return _enrol_page(admin, secret)


WRONG_CODES = parse("10 per hour")  # wrong second-factor codes per admin, from anywhere


def _refuse_after_many_wrong_codes(admin) -> None:
    """429 once an admin's codes were wrong WRONG_CODES times, whatever the addresses and
    sessions they came from (the per-client and per-session limits are in blueprint)."""
    if current_app.config.get("RATELIMIT_ENABLED", True) and not limiter.limiter.test(
        WRONG_CODES, "admin-wrong-codes", str(admin.id)
    ):
        abort(429, "Too many wrong codes for this account: try again in an hour.")


def _wrong_code(admin) -> None:
    """Count the wrong code and write it to the audit log (who tried, from where)."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        limiter.limiter.hit(WRONG_CODES, "admin-wrong-codes", str(admin.id))
    actor = Actor("admin", admin.email, admin.id, admin.role, request.remote_addr)
    record(actor, "admin.login_code_refused", target_type="admin", target_id=admin.id)


def _enrol_page(admin, secret: str):
    uri = users.provisioning_uri(admin)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode().split("?>", 1)[-1]  # inline: no XML declaration
    return render_template(
        "admin/enrol.html",
        qr=Markup(svg),  # noqa: S704 (SVG drawn by qrcode from our own otpauth URI)
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        next=safe_next(request.values.get("next")),
    )


def _complete(half: AdminSession, kind: str, response):
    """The second factor is given: a new, full session replaces the half-open one."""
    admin = half.admin
    sessions.revoke(half)
    token = sessions.open_session(
        admin, full=True, ip=request.remote_addr, user_agent=request.user_agent.string
    )
    actor = Actor("admin", admin.email, admin.id, admin.role, request.remote_addr)
    record(actor, "admin.login", target_type="admin", target_id=admin.id, after={"with": kind})
    return _set_cookie(response, token)


@page("/logout", methods=("POST",))
def logout():
    audit("admin.logout", target_type="admin", target_id=g.admin.id)
    sessions.revoke(g.admin_session)
    response = redirect(url_for("admin.login"))
    response.delete_cookie(sessions.COOKIE, path="/admin")
    return response


@page("/account")
def account():
    """The admin's own account: role, two-factor state, recovery codes left."""
    return render_template("admin/account.html", codes_left=users.recovery_codes_left(g.admin))


@page("/account/recovery-codes", methods=("POST",))
def renew_recovery_codes():
    """Fresh recovery codes for the admin who asks with a current code from the app (a
    session alone is not enough: the old codes stop working)."""
    try:
        if users.check_code(g.admin, request.form.get("code", "")) != "totp":
            raise users.SecondFactorRefused()
    except users.SecondFactorRefused:
        flash("Enter a current code from your authenticator app.", "error")
        return redirect(url_for("admin.account"))
    codes = users.new_recovery_codes(g.admin)
    audit("admin.recovery_codes_renewed", target_type="admin", target_id=g.admin.id)
    return render_template("admin/recovery_codes.html", codes=codes, next=url_for("admin.home"))
