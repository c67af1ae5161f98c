"""Settings: brands (currencies added, never removed; languages, password maximum, email
verification, reality checks, through accounts.operations.update_brand as `flask brands
set`) and their payment
methods' limits (payments.methods.set_method, as `flask payments method`)."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.accounts import operations
from portal.accounts.errors import ValidationFailed
from portal.accounts.models import Brand
from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.admin.refusals import form_int, refuse
from portal.extensions import db
from portal.payments import methods, providers
from portal.payments.models import PaymentMethod


def _brand_settings(brand: Brand) -> dict:
    return {
        "currencies": brand.currencies,
        "languages": brand.languages,
        "password_max_length": brand.password_max_length,
        "require_verified_email": brand.require_verified_email,
        "reality_check_minutes": brand.reality_check_minutes,
        "via_aggregator": brand.via_aggregator,
        "legal_text": brand.legal_text,
        "contact_email": brand.contact_email,
    }


@page("/settings")
def settings():
    """The brands, and links to each brand's settings and to the bonuses."""
    query = select(Brand)
    if name := request.args.get("name", "").strip():
        query = query.where(Brand.name.contains(name))
    sorts = {"id": Brand.id, "name": Brand.name}
    return render_template("admin/settings.html", brands=paginate(query, sorts, "id"))


@page("/settings/brands/<int:brand_id>")
def settings_brand(brand_id: int):
    brand = db.get_or_404(Brand, brand_id)
    query = select(PaymentMethod).where(PaymentMethod.brand_id == brand_id)
    if provider := request.args.get("provider", "").strip():
        query = query.where(PaymentMethod.provider == provider)
    if currency := request.args.get("currency", "").strip().upper():
        query = query.where(PaymentMethod.currency == currency)
    sorts = {"provider": PaymentMethod.provider, "currency": PaymentMethod.currency}
    found = paginate(query, sorts, "provider")
    editing = db.session.get(PaymentMethod, request.args.get("edit", type=int) or 0)
    return render_template(
        "admin/brand.html",
        brand=brand,
        methods=found,
        limits={row.id: methods.as_text(row) for row in found.items},
        providers=providers.names(),
        editing=editing if editing is not None and editing.brand_id == brand.id else None,
        editing_limits=methods.as_text(editing) or {},
    )


@action("/settings/brands/<int:brand_id>", roles=ADMIN)
def settings_brand_update(brand_id: int):
    reason = required_reason()
    brand = db.get_or_404(Brand, brand_id)
    before = _brand_settings(brand)
    form = request.form
    languages = [x.strip().lower() for x in form.get("languages", "").split(",") if x.strip()]
    try:
        operations.update_brand(
            brand,
            languages=languages,
            password_max_length=form_int("password_max_length"),
            require_verified_email=form.get("require_verified_email") == "1",
            reality_check_minutes=form_int("reality_check_minutes", required=False) or 0,
            via_aggregator=form.get("via_aggregator") == "1",
            legal_text=form.get("legal_text", ""),
            contact_email=form.get("contact_email", ""),
            add_currencies=[
                x.strip().upper() for x in form.get("add_currencies", "").split(",") if x.strip()
            ],
        )
    except ValidationFailed as exc:
        refuse(exc)
    after = _brand_settings(brand)
    audit("brand.update", target_type="brand", target_id=brand.id,
          before=before, after=after, reason=reason)  # fmt: skip
    flash("The brand's settings are saved.", "success")
    return redirect(url_for("admin.settings_brand", brand_id=brand.id))


@action("/settings/brands/<int:brand_id>/methods", roles=ADMIN)
def settings_method(brand_id: int):
    """Offer a provider in a currency with its limits, or change the limits."""
    reason = required_reason()
    provider = request.form.get("provider", "").strip()
    currency = request.form.get("currency", "").strip().upper()
    before = methods.as_text(methods.find(brand_id, provider, currency))
    limits = {name: request.form.get(name, "") for name in methods.LIMITS}
    try:
        row = methods.set_method(brand_id, provider, currency, limits)
    except methods.MethodRefused as exc:
        refuse(exc)
    audit("payment_method.set", target_type="payment_method", target_id=row.id,
          before=before, after={"brand_id": brand_id, "provider": provider,
                                "currency": currency, **methods.as_text(row)},
          reason=reason)  # fmt: skip
    flash(f"{provider} {currency}: limits saved.", "success")
    return redirect(url_for("admin.settings_brand", brand_id=brand_id))
