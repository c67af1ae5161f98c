"""The players pages: search (one box over id, email, login name, names and phone, with
brand and status filters) and a player's page with every section of their account. The
actions on a player are in portal.admin.players_actions."""

import uuid

from flask import abort, g, render_template, request
from sqlalchemy import func, or_, select

from portal.accounts.models import Brand, Player
from portal.admin import player_sections
from portal.admin.args import number
from portal.admin.blueprint import page
from portal.admin.paging import paginate
from portal.extensions import db
from portal.limits import rules
from portal.wallet.models import Transaction
from portal.wallet.operations import APPLIED

STATUSES = ("active", "blocked", "timed_out", "self_excluded", "closed")
LEDGER_PAGE = 25


def _search(query, text: str):
    """Players whose id is `text`, or whose email, login name, first or last name or phone
    contains it (any case)."""
    text = text.strip()[:100]
    needle = text.casefold()
    fields = [
        Player.email_key.contains(needle, autoescape=True),
        Player.login_name_key.contains(needle, autoescape=True),
        func.lower(Player.first_name).contains(needle, autoescape=True),
        func.lower(Player.last_name).contains(needle, autoescape=True),
        func.lower(func.coalesce(Player.first_name, "") + " " + func.coalesce(Player.last_name, ""))
        .contains(needle, autoescape=True),
        Player.phone.contains(text.replace(" ", ""), autoescape=True),
    ]  # fmt: skip
    if (player_id := number(text)) is not None:
        fields.append(Player.id == player_id)
    return query.where(or_(*fields))


@page("/players")
def players():
    args = request.args
    query = select(Player, Brand.name).join(Brand, Brand.id == Player.brand_id)
    if args.get("q", "").strip():
        query = _search(query, args["q"])
    if (brand := number(args.get("brand"))) is not None:
        query = query.where(Player.brand_id == brand)
    status = args.get("status")
    if status in STATUSES:
        query = query.where(Player.status == status)
    elif status == "excluded":
        query = query.where(Player.status.in_(rules.EXCLUDED_STATUSES))
    if args.get("test") in ("yes", "no"):
        query = query.where(Player.is_test.is_(args["test"] == "yes"))
    sorts = {
        "id": Player.id,
        "email": Player.email_key,
        "login": Player.login_name_key,
        "last_name": Player.last_name,
        "brand": Brand.name,
        "status": Player.status,
        "created": Player.created_at,
    }
    found = paginate(query, sorts, "id", scalars=False)
    brands = db.session.execute(select(Brand.id, Brand.name).order_by(Brand.name)).all()
    return render_template(
        "admin/players/index.html", found=found, brands=brands, statuses=STATUSES
    )


def get_player(player_id: int) -> Player:
    player = db.session.get(Player, player_id)
    if player is None:
        abort(404, "No such player.")
    return player


@page("/players/<int:player_id>")
def player(player_id: int):
    from portal.admin import players_actions
    from portal.bonuses.models import Bonus

    found = get_player(player_id)
    ledger_query = select(Transaction).where(
        Transaction.player_id == found.id, Transaction.status == APPLIED
    )
    if request.args.get("currency") in found.brand.currency_list:
        ledger_query = ledger_query.where(Transaction.currency == request.args["currency"])
    if request.args.get("kind"):
        ledger_query = ledger_query.where(Transaction.kind == request.args["kind"][:20])
    ledger = paginate(
        ledger_query,
        {"id": Transaction.id, "amount": Transaction.amount, "kind": Transaction.kind},
        "id",
        per_page=LEDGER_PAGE,
    )
    bonuses = db.session.scalars(
        select(Bonus).where(Bonus.active.is_(True), Bonus.amount.is_not(None)).order_by(Bonus.code)
    ).all()
    return render_template(
        "admin/players/player.html",
        player=found,
        ledger=ledger,
        sections=player_sections.load(found, request.args.get("more")),
        live=player_sections.live,
        can=players_actions.allowed(g.admin.role),
        fixed_bonuses=bonuses,
        adjust_key=str(uuid.uuid4()),
        limit_kinds=rules.KINDS,
        periods={kind: rules.periods_of(kind) for kind in rules.KINDS},
        durations={kind: tuple(rules.DURATIONS[kind]) for kind in rules.DURATIONS},
    )
