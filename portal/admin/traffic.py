"""The vendor traffic log (every call in and out, masked: portal.traffic) and the outbox
(vendor calls waiting for the worker), with "retry now" (portal.outbox.operations.retry,
as `flask outbox retry`)."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import redaction
from portal.admin.args import day, day_after
from portal.admin.blueprint import FINANCE, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.extensions import db
from portal.outbox import operations as outbox
from portal.outbox.models import DEAD, PENDING, SENT, OutboxMessage
from portal.traffic import capture, recorder
from portal.traffic.models import VendorCall

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "none")


def _filtered_calls():
    query = select(VendorCall)
    args = request.args
    if args.get("vendor") in capture.VENDORS:
        query = query.where(VendorCall.vendor == args["vendor"])
    if args.get("direction") in ("in", "out"):
        query = query.where(VendorCall.direction == args["direction"])
    status = args.get("status")
    if status == "none":
        query = query.where(VendorCall.status.is_(None))
    elif status in STATUS_CLASSES:
        low = int(status[0]) * 100
        query = query.where(VendorCall.status >= low, VendorCall.status < low + 100)
    if endpoint := args.get("url", "").strip():
        query = query.where(VendorCall.endpoint.contains(endpoint, autoescape=True))
    if (start := day("from")) is not None:
        query = query.where(VendorCall.at >= start)
    if (end := day("to")) is not None:
        query = query.where(VendorCall.at < day_after(end))
    return query


@page("/traffic")
def traffic():
    sorts = {
        "at": VendorCall.id,
        "vendor": VendorCall.vendor,
        "status": VendorCall.status,
        "duration": VendorCall.duration_ms,
    }
    calls = paginate(_filtered_calls(), sorts, "at")
    log = recorder.for_app(_app())
    return render_template(
        "admin/traffic.html",
        calls=calls,
        vendors=capture.VENDORS,
        status_classes=STATUS_CLASSES,
        waiting=log.pending(),
        dropped=log.dropped,
    )


@page("/traffic/<int:call_id>")
def traffic_call(call_id: int):
    call = db.session.get(VendorCall, call_id)
    if call is None:
        abort(404, "No such vendor call.")
    return render_template("admin/traffic_call.html", call=call)


@page("/traffic/outbox")
def traffic_outbox():
    query = select(OutboxMessage)
    args = request.args
    if args.get("status") in (PENDING, SENT, DEAD):
        query = query.where(OutboxMessage.status == args["status"])
    if kind := args.get("kind", "").strip():
        query = query.where(OutboxMessage.kind.startswith(kind, autoescape=True))
    if text := args.get("text", "").strip():
        query = query.where(OutboxMessage.payload.contains(text, autoescape=True))
    sorts = {
        "id": OutboxMessage.id,
        "next": OutboxMessage.next_attempt_at,
        "attempts": OutboxMessage.attempts,
        "status": OutboxMessage.status,
    }
    messages = paginate(query, sorts, "id")
    payloads = {m.id: redaction.mask_body(m.payload) for m in messages.items}
    return render_template(
        "admin/outbox.html", messages=messages, payloads=payloads, statuses=(PENDING, SENT, DEAD)
    )


@action("/traffic/outbox/<int:message_id>/retry", roles=FINANCE)
def outbox_retry(message_id: int):
    """Retry now: a dead message pending again (fresh attempts), a pending one due now."""
    reason = required_reason()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404, "No such outbox message.")
    before = _state(message)
    if message.status == SENT:
        flash(f"Message #{message_id} was delivered already: nothing to retry.", "error")
        return redirect(_back())
    outbox.retry([message_id])
    db.session.refresh(message)
    audit(
        "outbox.retry",
        target_type="outbox_message",
        target_id=message_id,
        before=before,
        after=_state(message),
        reason=reason,
    )
    flash(f"Message #{message_id} will be sent again now.", "success")
    return redirect(_back())


def _state(message: OutboxMessage) -> dict:
    return {
        "status": message.status,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat(timespec="seconds"),
    }


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/admin/traffic/outbox") and "\\" not in target and "//" not in target:
        return target
    return url_for("admin.traffic_outbox")


def _app():
    from flask import current_app

    return current_app._get_current_object()
