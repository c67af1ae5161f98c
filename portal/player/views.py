"""Player pages: register, log in, log out (the lobby at `/` is portal/player/lobby.py)."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import operations
from portal.accounts.errors import InvalidCredentials, PlayerBlocked, ValidationFailed
from portal.accounts.sessions import open_session, resolve_session, revoke_session
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit
from portal.i18n import page_language
from portal.limits.pages import restricted_mode_start
from portal.login_limits import limit_failed_logins, page_account
from portal.player.auth import SessionUser
from portal.player.blueprint import bp, client, safe_next, show_errors, site_brand, text
from portal.player.forms import LoginForm, RegistrationForm
from portal.player.gating import continue_to


def start_web_session(token: str) -> None:
    """A fresh Flask session for the new login (no fixation), holding only the token."""
    session.clear()
    login_user(SessionUser(resolve_session(token), token))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], scope="register")
@transactional
def register():
    brand = site_brand()
    form = RegistrationForm()
    form.currency.choices = brand.currency_list
    if form.validate_on_submit():
        try:
            player = operations.register_player(
                brand,
                email=form.email.data,
                password=form.password.data,
                login_name=form.login_name.data,
                currency=form.currency.data,
                language=page_language(),
                over18=form.over18.data,
                terms_accepted=form.accept_terms.data,
                client=client(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            token = open_session(
                player, channel="web", ip=client().ip, user_agent=client().user_agent
            )
            start_web_session(token)
            flash(_("Welcome! One more step: tell us who you are."), "success")
            return redirect(continue_to())
    status = 422 if form.is_submitted() else 200
    return render_template("player/register.html", form=form, brand=brand), status


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_logins(page_account)
@transactional
def login():
    brand = site_brand()
    form = LoginForm()
    if form.validate_on_submit():
        try:
            player, token = operations.login(
                brand, form.identifier.data, form.password.data, channel="web", client=client()
            )
        except InvalidCredentials:
            form.form_errors.append(text("login_failed"))
        except PlayerBlocked:
            form.form_errors.append(text("player_blocked"))
        else:
            start_web_session(token)
            if restricted_page := restricted_mode_start(player):
                return restricted_page
            return redirect(safe_next(request.args.get("next")))
    status = (401 if form.form_errors else 422) if form.is_submitted() else 200
    return render_template("player/login.html", form=form, brand=brand), status


@bp.post("/logout")
@login_required
@transactional
def logout():
    revoke_session(current_user.session)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("player.home"))
