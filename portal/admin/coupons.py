"""The coupons pages: coupons with their selections, the service's raw results and the
wallet movements; the coupon line (what players can pick) and its upload (the core of
`flask line load`: portal.coupons.line.parse and load)."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.admin import args
from portal.admin.bets import dated, number, statuses
from portal.admin.blueprint import ADMIN, action, audit, page, required_reason
from portal.admin.paging import paginate
from portal.coupons import line
from portal.coupons.models import Coupon, LineEvent
from portal.extensions import db
from portal.wallet.models import Transaction

MAX_LINE_FILE = 5 * 1024 * 1024


@page("/bets/coupons")
def coupons():
    query = select(Coupon)
    if (player := number("player")) is not None:
        query = query.where(Coupon.player_id == player)
    if wanted := request.args.get("bet", "").strip():
        by_id = args.number(wanted)
        by_id = -1 if by_id is None else by_id
        query = query.where(or_(Coupon.id == by_id, Coupon.barcode == wanted))
    if status := request.args.get("status", "").strip():
        query = query.where(Coupon.status == status)
    query = dated(query, Coupon.created_at)
    sorts = {
        "created": Coupon.id,
        "player": Coupon.player_id,
        "stake": Coupon.stake,
        "payout": Coupon.payout,
    }
    found = paginate(query, sorts, "created")
    return render_template("admin/coupons.html", coupons=found, statuses=statuses(Coupon.status))


@page("/bets/coupons/<int:coupon_id>")
def coupon(coupon_id: int):
    found = db.session.scalar(
        select(Coupon)
        .where(Coupon.id == coupon_id)
        .options(selectinload(Coupon.selections), selectinload(Coupon.results))
    )
    if found is None:
        abort(404, "No such coupon.")
    movements = db.session.scalars(
        select(Transaction)
        .where(Transaction.source == "coupons", Transaction.reference == f"coupon:{found.id}")
        .order_by(Transaction.id)
    ).all()
    return render_template("admin/coupon.html", coupon=found, movements=movements)


@page("/bets/line")
def coupon_line():
    """What players can pick now (live matches and pre-match ones not started), and the
    whole loaded line with `all=1`."""
    query = select(LineEvent).options(selectinload(LineEvent.outcomes))
    if request.args.get("all") != "1":
        query = query.where(line._open_now())
    if text := request.args.get("q", "").strip():
        query = query.where(
            or_(
                LineEvent.title.contains(text, autoescape=True),
                LineEvent.match_id == text,
                LineEvent.tournament.contains(text, autoescape=True),
            )
        )
    sorts = {"start": LineEvent.start_at, "sport": LineEvent.sport, "id": LineEvent.id}
    events = paginate(query, sorts, "start", per_page=25)
    return render_template("admin/coupon_line.html", events=events)


@action("/bets/line/upload", roles=ADMIN)
def line_upload():
    """Load a line file (JSON or CSV), as `flask line load FILE`: it replaces the offer of
    the matches it names; nothing is loaded when any part of it is wrong."""
    reason = required_reason()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a line file to upload.", "error")
        return redirect(url_for("admin.coupon_line"))
    raw = upload.read(MAX_LINE_FILE + 1)
    if len(raw) > MAX_LINE_FILE:
        flash("The line file is over 5 MiB: nothing loaded.", "error")
        return redirect(url_for("admin.coupon_line"))
    try:
        events = line.parse(raw.decode("utf-8"), upload.filename)
    except line.LineFileError as exc:
        flash(f"{upload.filename}: nothing loaded: " + "; ".join(exc.problems[:10]), "error")
        return redirect(url_for("admin.coupon_line"))
    except UnicodeDecodeError:
        flash(f"{upload.filename}: not UTF-8 text; nothing loaded.", "error")
        return redirect(url_for("admin.coupon_line"))
    named = {(e.event_type, e.match_id) for e in events}
    replaced = db.session.execute(
        select(LineEvent.event_type, LineEvent.match_id).where(
            LineEvent.match_id.in_({match for _, match in named})
        )
    ).all()
    before = {"replaced": sorted(f"{t}#{m}" for t, m in replaced if (t, m) in named)[:200]}
    matches, outcomes = line.load(events)
    audit(
        "line.load",
        target_type="line",
        target_id=upload.filename[:100],
        before=before,
        after={
            "file": upload.filename[:200],
            "matches": matches,
            "outcomes": outcomes,
            "match_ids": [f"{e.event_type}#{e.match_id}" for e in events][:200],
        },
        reason=reason,
    )
    flash(f"Loaded {matches} match(es), {outcomes} outcome(s) from {upload.filename}.", "success")
    return redirect(url_for("admin.coupon_line", all=1))
