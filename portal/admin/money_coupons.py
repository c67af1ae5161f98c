"""Coupons nobody knows the end of, and coupon results to look at. Finance resolves an
unknown coupon (the service took it under a barcode, or never took it: refund) and applies
a refused correction again, with the same core as `flask coupons resolve|retry`."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import money
from portal.admin.blueprint import FINANCE, action, audit, page, required_reason
from portal.admin.money import RESULTS_TO_LOOK_AT, common_conditions, day_arg, int_arg
from portal.admin.paging import paginate
from portal.coupons import operations, results
from portal.coupons.models import Coupon, CouponResult
from portal.extensions import db


def _state(coupon: Coupon) -> dict:
    return {
        "status": coupon.status,
        "barcode": coupon.barcode,
        "stake": money.format_amount(coupon.stake, coupon.currency),
        "currency": coupon.currency,
        "player_id": coupon.player_id,
        "payout": money.format_amount(coupon.payout, coupon.currency),
    }


@page("/money/coupons")
def unknown_coupons():
    conditions, problems, _currency = common_conditions(Coupon)
    query = select(Coupon).where(operations.unknown_condition(), *conditions)
    sorts = {
        "id": Coupon.id,
        "created": Coupon.created_at,
        "player": Coupon.player_id,
        "stake": Coupon.stake,
    }
    coupons = paginate(query, sorts, "id")
    return render_template(
        "admin/money/coupons.html",
        coupons=coupons,
        problems=problems,
        amount=money.format_amount,
    )


def _locked(coupon_id: int) -> Coupon | None:
    return db.session.scalar(
        select(Coupon)
        .where(Coupon.id == coupon_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


@action("/money/coupons/<int:coupon_id>/resolve", roles=FINANCE)
def resolve_coupon(coupon_id: int):
    """`outcome=placed` with the service's `barcode` (its results apply), or
    `outcome=refused` (the stake is refunded; the reason becomes the coupon's note)."""
    reason = required_reason()
    outcome = request.form.get("outcome")
    if outcome not in ("placed", "refused"):
        flash("Choose whether the service took the coupon or not.", "error")
        return redirect(url_for("admin.unknown_coupons"))
    coupon = _locked(coupon_id)
    before = _state(coupon) if coupon is not None else None
    try:
        if outcome == "placed":
            done = operations.resolve_placed(coupon_id, request.form.get("barcode", ""))
        else:
            done = operations.resolve_refused(coupon_id, reason)
    except operations.CouponRefused as exc:  # refused before anything changed
        flash(_refusal(exc), "error")
        return redirect(url_for("admin.unknown_coupons"))
    audit(
        f"coupon.resolve_{outcome}",
        target_type="coupon",
        target_id=coupon_id,
        before=before,
        after=_state(done),
        reason=reason,
    )
    flash(f"Coupon {coupon_id} resolved: {done.status}.", "success")
    return redirect(url_for("admin.unknown_coupons"))


def _refusal(exc: operations.CouponRefused) -> str:
    texts = {
        "no_coupon": f"There is no coupon {exc.detail}.",
        "not_unknown": f"The coupon is {exc.detail}, not unknown: nothing to resolve.",
        "bad_barcode": f"Barcode: {exc.detail}.",
    }
    return texts.get(exc.code, str(exc))


@page("/money/coupon-results")
def coupon_results():
    query = select(CouponResult)
    outcome = request.args.get("outcome", "look")
    if outcome == "look":
        query = query.where(CouponResult.outcome.in_(RESULTS_TO_LOOK_AT))
    elif outcome:
        query = query.where(CouponResult.outcome == outcome)
    if (coupon_id := int_arg("coupon")) is not None:
        query = query.where(CouponResult.coupon_id == coupon_id)
    barcode = request.args.get("barcode", "").strip()
    if barcode:
        query = query.where(CouponResult.barcode == barcode)
    if (start := day_arg("from")) is not None:
        query = query.where(CouponResult.received_at >= start)
    sorts = {"id": CouponResult.id, "received": CouponResult.received_at}
    found = paginate(query, sorts, "id")
    return render_template(
        "admin/money/coupon_results.html",
        results=found,
        outcome=outcome,
        outcomes=("applied", "repeated", "recorded", *RESULTS_TO_LOOK_AT),
    )


@action("/money/coupon-results/<int:result_id>/retry", roles=FINANCE)
def retry_coupon_result(result_id: int):
    """Apply a correction refused for want of balance again (`flask coupons retry`)."""
    reason = required_reason()
    found = db.session.get(CouponResult, result_id)
    before = {"outcome": found.outcome, "note": found.note} if found is not None else None
    try:
        outcome = results.apply_again(result_id)
    except results.NotRetried as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.coupon_results"))
    audit(
        "coupon.result_retry",
        target_type="coupon_result",
        target_id=result_id,
        before=before,
        after={"outcome": found.outcome, "note": found.note, "coupon_id": found.coupon_id},
        reason=reason,
    )
    kind = "success" if outcome == "applied" else "error"
    flash(f"Result {result_id}: {'applied' if kind == 'success' else outcome}.", kind)
    return redirect(url_for("admin.coupon_results"))
