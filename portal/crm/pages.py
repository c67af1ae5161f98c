"""/auto-login/<token> on the player door: the page of a CRM campaign's login link.

GET only shows who the link logs in and a button (a mail scanner or a link preview
spends nothing); the button's POST (with CSRF) spends the link and opens a web session.
A link that is unknown, used, revoked or expired, or whose player is blocked, excluded
or closed, logs nobody in: the page says so and points to the normal login."""

from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.accounts.models import Player
from portal.accounts.sessions import open_session, revoke_session
from portal.crm import autologin
from portal.database import transactional
from portal.extensions import db, limiter, login_rate_limit
from portal.player.blueprint import bp, client, site_brand
from portal.player.forms import ButtonForm
from portal.player.views import start_web_session

MESSAGES = {
    "unknown": _l("This login link is not valid."),
    "used": _l("This login link has already been used."),
    "revoked": _l("This login link is no longer valid: a newer one was sent, or it was withdrawn."),
    "expired": _l("This login link has expired."),
    "blocked": _l("This account cannot be logged in with a link."),
    "excluded": _l("This account cannot be logged in with a link."),
}
STATUS = {"unknown": 404, "used": 410, "revoked": 410, "expired": 410}


def _refused(reason: str):
    return render_template(
        "crm/auto_login.html", brand=site_brand(), refused=MESSAGES[reason]
    ), STATUS.get(reason, 403)


@bp.route("/auto-login/<token>", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], scope="auto-login")
@transactional
def auto_login(token: str):
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            player = autologin.spend(token, client(), site_brand().id)
        except autologin.InvalidAutoLogin as exc:
            return _refused(exc.reason)
        if current_user.is_authenticated:  # someone else's session in this browser ends
            revoke_session(current_user.session)
        web_token = open_session(
            player, channel="web", ip=client().ip, user_agent=client().user_agent
        )
        start_web_session(web_token)
        return redirect(url_for("player.home"))
    row = autologin.find(token, site_brand().id)
    reason = autologin.state(row)
    if reason is not None:
        return _refused(reason)
    player = db.session.get(Player, row.player_id)
    return render_template("crm/auto_login.html", brand=site_brand(), form=form, name=_name(player))


def _name(player: Player) -> str | None:
    """Who the link logs in, without the email address (links get forwarded)."""
    return player.first_name or player.login_name
