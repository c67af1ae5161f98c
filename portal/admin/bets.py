"""The bets pages: casino bets (BETCORE BetIds) with their payments and accept messages,
sportsbook bets (Betsy) with selections and settlement history. Coupons and the coupon line
are in portal.admin.coupons."""

from flask import abort, render_template, request
from sqlalchemy import or_, select

from portal.admin import args
from portal.admin.blueprint import page
from portal.admin.paging import paginate
from portal.casino.models import CasinoBet, CasinoPayment
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.sportsbook.models import SportsBet
from portal.wallet.models import Transaction

CASINO_TYPES = {-1: "stake", 1: "win", 2: "refund", 3: "cashback"}


def number(name: str) -> int | None:
    """A whole-number filter; None when empty. A non-number matches nothing (-1)."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    found = args.number(value, limit=args.MAX_BIG)
    return -1 if found is None else found


def dated(query, column):
    if (start := args.day("from")) is not None:
        query = query.where(column >= start)
    if (end := args.day("to")) is not None:
        query = query.where(column < args.day_after(end))
    return query


def statuses(column) -> list[str]:
    return sorted(s for s in db.session.scalars(select(column).distinct()) if s)


@page("/bets")
def bets():
    """Casino bets, newest first."""
    query = select(CasinoBet)
    if (player := number("player")) is not None:
        query = query.where(CasinoBet.player_id == player)
    if (bet := number("bet")) is not None:
        query = query.where(CasinoBet.bet_id == bet)
    if request.args.get("status") in ("open", "closed"):
        query = query.where(CasinoBet.closed.is_(request.args["status"] == "closed"))
    query = dated(query, CasinoBet.created_at)
    sorts = {"created": CasinoBet.id, "bet": CasinoBet.bet_id, "player": CasinoBet.player_id}
    found = paginate(query, sorts, "created")
    return render_template("admin/bets_casino.html", bets=found)


@page("/bets/casino/<int(max=9223372036854775807):bet_id>")
def casino_bet(bet_id: int):
    bet = db.session.scalar(select(CasinoBet).where(CasinoBet.bet_id == bet_id))
    payments = db.session.execute(
        select(CasinoPayment, Transaction)
        .join(Transaction, Transaction.id == CasinoPayment.wallet_transaction_id)
        .where(CasinoPayment.bet_id == bet_id)
        .order_by(CasinoPayment.id)
    ).all()
    if bet is None and not payments:
        abort(404, "No casino bet with this BetId.")
    accepts = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind.startswith("betcore."),
            or_(
                OutboxMessage.payload.contains(f'"BetId": {bet_id},'),
                OutboxMessage.payload.contains(f'"BetId":{bet_id},'),
                OutboxMessage.payload.contains(f'"BetId": {bet_id}}}'),
            ),
        )
        .order_by(OutboxMessage.id)
    ).all()
    return render_template(
        "admin/bet_casino.html",
        bet=bet,
        bet_id=bet_id,
        payments=payments,
        accepts=accepts,
        types=CASINO_TYPES,
    )


@page("/bets/sports")
def sports_bets():
    query = select(SportsBet)
    if (player := number("player")) is not None:
        query = query.where(SportsBet.player_id == player)
    if tx := request.args.get("bet", "").strip():
        query = query.where(SportsBet.transaction_id == tx)
    if status := request.args.get("status", "").strip():
        query = query.where(SportsBet.status == status)
    query = dated(query, SportsBet.created_at)
    sorts = {
        "created": SportsBet.id,
        "player": SportsBet.player_id,
        "stake": SportsBet.stake,
        "payout": SportsBet.payout,
    }
    found = paginate(query, sorts, "created")
    return render_template(
        "admin/bets_sports.html", bets=found, statuses=statuses(SportsBet.status)
    )


@page("/bets/sports/<int:bet_id>")
def sports_bet(bet_id: int):
    bet = db.session.get(SportsBet, bet_id)
    if bet is None:
        abort(404, "No such sportsbook bet.")
    movements = db.session.scalars(
        select(Transaction)
        .where(
            Transaction.source == "betsy",
            or_(
                Transaction.reference == bet.transaction_id,
                Transaction.external_id.startswith(f"{bet.transaction_id}:", autoescape=True),
            ),
        )
        .order_by(Transaction.id)
    ).all()
    return render_template("admin/bet_sports.html", bet=bet, movements=movements)
