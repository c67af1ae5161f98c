"""The player's bonuses: the active one with its wagering progress, the history, and a
form to claim a code (POST /bonuses with CSRF, field `code`)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.bonuses import operations
from portal.bonuses.models import BonusAssignment
from portal.database import commit, rollback, transactional
from portal.extensions import db
from portal.player.blueprint import bp
from portal.player.forms import ButtonForm
from portal.wallet import queries

STATE_WORDS = {
    "active": _l("Active"),
    "completed": _l("Wagering completed"),
    "expired": _l("Expired"),
    "forfeited": _l("Forfeited"),
}


@bp.get("/bonuses")
@login_required
@transactional
def bonuses():
    player = current_user.player
    operations.expire_if_due(player.id, player.active_currency)  # (shown as it stands)
    mine = db.session.scalars(
        select(BonusAssignment)
        .where(BonusAssignment.player_id == player.id)
        .order_by(BonusAssignment.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "bonuses/bonuses.html",
        active=[a for a in mine if a.status == "active"],
        history=[a for a in mine if a.status != "active"],
        balance=queries.balance(player, player.active_currency),
        words=STATE_WORDS,
        form=ButtonForm(),
    )


@bp.post("/bonuses")
@login_required
def claim_bonus():
    if not ButtonForm().validate_on_submit():
        rollback()
        flash(_("The form has expired: please try again."), "warning")
        return redirect(url_for("player.bonuses"))
    player = current_user.player
    try:
        given = operations.claim(player, request.form.get("code", ""), player.active_currency)
        name = given.bonus.name
        commit()
    except operations.BonusRefused as exc:
        rollback()
        said = operations.WORDS.get(exc.code)
        flash(_(said) if said else _("This bonus cannot be claimed."), "warning")
        return redirect(url_for("player.bonuses"))
    flash(_("%(bonus)s is yours: it is in your bonus balance.", bonus=name), "success")
    return redirect(url_for("player.bonuses"))
