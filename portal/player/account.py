"""Player account pages: details, registration step two, email, password, terms."""

from babel import Locale
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required

from portal.accounts import credentials, documents, profile
from portal.accounts.errors import ActionRequired, ValidationFailed
from portal.database import transactional
from portal.extensions import limiter, login_rate_limit
from portal.player.blueprint import bp, client, show_errors, text
from portal.player.forms import (
    ButtonForm,
    DetailsForm,
    EmailChangeForm,
    PasswordChangeForm,
    SelectChoice,
    TermsForm,
    country_choices,
    time_zone_choices,
)
from portal.player.gating import continue_to, step_url


def _details_form(player) -> DetailsForm:
    form = DetailsForm(obj=None if request.method == "POST" else player)
    form.language.choices = [
        SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
        for code in player.brand.language_list
    ]
    form.country.choices = country_choices()
    form.time_zone.choices = time_zone_choices()
    if request.method != "POST":
        form.birthdate.data = player.birthdate.isoformat() if player.birthdate else ""
        form.language.data = player.language
        form.time_zone.data = player.time_zone
    return form


def _status(form) -> int:
    return 422 if form.is_submitted() else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
@transactional
def account():
    player = current_user.player
    form = _details_form(player)
    if form.validate_on_submit():
        try:
            details = profile.validate_details(player, form.core_values())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            profile.update_details(player, details, comment="changed on the account page")
            refresh()  # the page's language and time zone are the new ones from here on
            flash(_("Your details are saved."), "success")
            return redirect(url_for("player.account"))
    return render_template("player/account.html", form=form, player=player), _status(form)


@bp.route("/register/details", methods=["GET", "POST"])
@login_required
@transactional
def registration_details():
    player = current_user.player
    form = _details_form(player)
    if form.validate_on_submit():
        try:
            profile.complete_registration(player, form.core_values())
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("Thank you, your registration is complete."), "success")
            return redirect(continue_to())
    return render_template("player/registration_details.html", form=form), _status(form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(login_rate_limit, methods=["POST"], scope="email")
@transactional
def change_email():
    player = current_user.player
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            credentials.request_email_change(
                player, form.email.data, comment="changed on the account page"
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(text("email_change_pending"), "success")
            return redirect(url_for("player.account"))
    return render_template("player/change_email.html", form=form, player=player), _status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_rate_limit, methods=["POST"], scope="password")
@transactional
def change_password():
    player = current_user.player
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            credentials.change_password(
                player,
                form.old_password.data,
                form.new_password.data,
                keep=current_user.session,
                every_error=True,
            )
        except ActionRequired:
            return redirect(step_url("player.terms"))
        except ValidationFailed as exc:
            show_errors(form, exc, aliases={"password": "new_password"})
        else:
            flash(text("password_replaced"), "success")
            return redirect(continue_to("player.account"))
    return render_template(
        "player/change_password.html",
        form=form,
        player=player,
        required=player.password_change_required,
    ), _status(form)


@bp.route("/terms", methods=["GET", "POST"])
@transactional
def terms():
    if not current_user.is_authenticated:  # (old links: a visitor reads the terms)
        return redirect(url_for("player.document", doc_type="tnc"))
    player = current_user.player
    pending = [
        documents.latest(player.brand, t, player.language) for t in documents.unsigned_types(player)
    ]
    form = TermsForm()
    if pending and form.validate_on_submit():
        documents.sign_all(player, language=player.language, ip=client().ip)
        flash(_("Thank you for accepting."), "success")
        return redirect(continue_to())
    return render_template("player/terms.html", form=form, pending=pending), _status(form)


@bp.get("/verify-email-required")
@login_required
@transactional
def email_unverified():
    return render_template(
        "player/email_unverified.html", player=current_user.player, form=ButtonForm()
    )
