"""Settings: bonus definitions — create, edit, offer or stop offering — through
portal.bonuses.operations, as `flask bonuses create|edit|offer` do."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.admin.refusals import form_int, refuse
from portal.bonuses import operations
from portal.bonuses.models import Bonus
from portal.extensions import db


def _definition_form() -> dict:
    """The definition's fields from the form: an empty amount field means none."""
    form = request.form

    def optional(name):
        return (form.get(name) or "").strip() or None

    return {
        "name": (form.get("name") or "").strip(),
        "amount": optional("amount"),
        "percent": optional("percent"),
        "max_amount": optional("max_amount"),
        "wagering": (form.get("wagering") or "").strip(),
        "max_conversion": (form.get("max_conversion") or "").strip(),
        "days": form_int("days"),
    }


@page("/settings/bonuses")
def settings_bonuses():
    query = select(Bonus)
    if text := request.args.get("q", "").strip():
        query = query.where(Bonus.code.contains(text.upper()) | Bonus.name.contains(text))
    if request.args.get("active") in ("1", "0"):
        query = query.where(Bonus.active.is_(request.args["active"] == "1"))
    sorts = {"id": Bonus.id, "code": Bonus.code, "name": Bonus.name}
    return render_template("admin/bonuses.html", bonuses=paginate(query, sorts, "id"))


@page("/settings/bonuses/<int:bonus_id>")
def settings_bonus(bonus_id: int):
    return render_template("admin/bonus.html", bonus=db.get_or_404(Bonus, bonus_id))


@action("/settings/bonuses", roles=ADMIN)
def settings_bonus_create():
    reason = required_reason()
    try:
        bonus = operations.create(code=request.form.get("code") or "", **_definition_form())
    except operations.BonusRefused as exc:
        refuse(exc)
    audit("bonus.create", target_type="bonus", target_id=bonus.id,
          after=operations.describe(bonus), reason=reason)  # fmt: skip
    flash(f"Bonus {bonus.code} created.", "success")
    return redirect(url_for("admin.settings_bonus", bonus_id=bonus.id))


@action("/settings/bonuses/<int:bonus_id>", roles=ADMIN)
def settings_bonus_update(bonus_id: int):
    reason = required_reason()
    bonus = db.get_or_404(Bonus, bonus_id)
    before = operations.describe(bonus)
    try:
        operations.update(bonus, **_definition_form())
    except operations.BonusRefused as exc:
        refuse(exc)
    audit("bonus.update", target_type="bonus", target_id=bonus.id,
          before=before, after=operations.describe(bonus), reason=reason)  # fmt: skip
    flash(f"Bonus {bonus.code} changed.", "success")
    return redirect(url_for("admin.settings_bonus", bonus_id=bonus.id))


@action("/settings/bonuses/<int:bonus_id>/offer", roles=ADMIN)
def settings_bonus_offer(bonus_id: int):
    """Offer the bonus (active=1) or stop offering it (active=0)."""
    reason = required_reason()
    bonus = db.get_or_404(Bonus, bonus_id)
    before = {"active": bonus.active}
    operations.set_active(bonus, request.form.get("active") == "1")
    audit("bonus.enable" if bonus.active else "bonus.disable", target_type="bonus",
          target_id=bonus.id, before=before, after={"active": bonus.active},
          reason=reason)  # fmt: skip
    flash(f"Bonus {bonus.code} {'offered' if bonus.active else 'switched off'}.", "success")
    return redirect(url_for("admin.settings_bonus", bonus_id=bonus.id))
