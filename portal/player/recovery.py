"""Pages behind mail links, and the forgotten-password flow.

A link only shows a page; the change happens when the player presses its button (a POST
with CSRF), so mail scanners that prefetch links cannot use them up.
"""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from portal.accounts import credentials
from portal.accounts.errors import InvalidLink, ValidationFailed
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit
from portal.player.blueprint import bp, client, safe_next, show_errors, site_brand, text
from portal.player.forms import ButtonForm, ForgotPasswordForm, ResetPasswordForm
from portal.player.gating import AFTER_VERIFICATION
from portal.player.views import start_web_session


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], scope="forgot-password")
@transactional
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            credentials.request_password_reset(site_brand(), form.email.data)
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(text("forgot_email_sent"), "success")
            return redirect(url_for("player.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("player/forgot_password.html", form=form), status


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], scope="reset-password")
@transactional
def reset_password():
    token = request.args.get("hash", "")
    form = ResetPasswordForm()
    if not form.is_submitted() and not credentials.reset_link_works(site_brand(), token):
        return _link_failed()
    if form.validate_on_submit():
        try:
            _player, session_token = credentials.reset_password(
                site_brand(), token, form.new_password.data, channel="web", client=client()
            )
        except InvalidLink:
            return _link_failed()
        except ValidationFailed as exc:
            show_errors(form, exc, aliases={"password": "new_password"})
        else:
            if session_token:
                start_web_session(session_token)
            flash(text("password_successfully_changed"), "success")
            return redirect(url_for("player.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("player/reset_password.html", form=form, token=token), status


def _link_failed():
    return render_template(
        "player/link_result.html", ok=False, message=text("general_failure")
    ), 400


LINKS = {
    "verify_email": (credentials.activate, _l("Confirm my email address"), "email_verified"),
    "confirm_email": (
        credentials.confirm_email_change,
        _l("Confirm my new email address"),
        "email_verified",
    ),
    "cancel_email_change": (credentials.cancel_email_change, _l("Cancel the email change"), None),
}


def _continue_to() -> str:
    """After a mail link: where a logged-in player was going when asked to confirm the
    email address (portal/player/gating.py), else home."""
    target = session.pop(AFTER_VERIFICATION, None) if current_user.is_authenticated else None
    return safe_next(target)


def _link_page(endpoint: str):
    operation, button, done_code = LINKS[endpoint]
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            operation(request.args.get("token"))
        except InvalidLink:
            return _link_failed()
        except ValidationFailed as exc:
            return render_template(
                "player/link_result.html", ok=False, message=text(exc.errors[0].code)
            ), 422
        message = (
            text(done_code)
            if done_code
            else _("The change is cancelled. If you did not ask for it, change your password now.")
        )
        return render_template(
            "player/link_result.html", ok=True, message=message, continue_to=_continue_to()
        )
    return render_template("player/link_confirm.html", form=form, button=button)


@bp.route("/verify-email", methods=["GET", "POST"])
@transactional
def verify_email():
    return _link_page("verify_email")


@bp.route("/confirm-email", methods=["GET", "POST"])
@transactional
def confirm_email():
    return _link_page("confirm_email")


@bp.route("/cancel-email-change", methods=["GET", "POST"])
@transactional
def cancel_email_change():
    return _link_page("cancel_email_change")


@bp.post("/account/resend-activation")
@login_required
@limiter.limit(login_rate_limit, scope="resend-activation")
@transactional
def resend_activation():
    if ButtonForm().validate_on_submit() and credentials.send_activation(current_user.player):
        flash(text("activation_sent"), "success")
    return redirect(url_for("player.email_unverified", next=request.args.get("next")))
