"""The sportsbook for players: Betsy's iframe with a token for (player, active currency),
and the page of one of the player's bets (linked from the history)."""

from urllib.parse import urlencode

from flask import current_app, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.database import transactional
from portal.extensions import db
from portal.player import history_words as words
from portal.player import wallet as wallet_pages
from portal.player.balance import live_balance
from portal.player.blueprint import bp as player_pages
from portal.player.blueprint import players_own, site_brand
from portal.sportsbook import operations
from portal.sportsbook.models import SportsBet
from portal.wallet.models import Transaction


def iframe_url(*, token: str | None, language: str) -> str:
    base = current_app.config["BETSY_IFRAME_URL"] or url_for("player.sportsbook_missing")
    params = {"lang": language, **({"token": token} if token else {})}
    return f"{base}?{urlencode(params)}"


@player_pages.get("/sportsbook")
@transactional
def sportsbook():
    """The iframe; a logged-in player's token is for the active currency (a switch of
    currency means a new token; the userId stays the same)."""
    token, language = None, site_brand().default_language
    if current_user.is_authenticated:
        player = current_user.player
        language = player.language
        token = operations.issue_token(player, player.active_currency)
    url = iframe_url(token=token, language=language)
    return render_template("sportsbook/sportsbook.html", frame_url=url, live=live_balance(url))


@player_pages.get("/sportsbook/unavailable")
def sportsbook_missing():
    return render_template("sportsbook/unavailable.html"), 503


@player_pages.get("/sportsbook/bets/<int:bet_id>")
@login_required
@transactional
def sports_bet(bet_id: int):
    """One of the player's Betsy bets: its selections, result and the money it moved."""
    bet = players_own(SportsBet, bet_id)
    movements = db.session.scalars(
        select(Transaction)
        .where(
            Transaction.player_id == bet.player_id,
            Transaction.source == operations.SOURCE,
            Transaction.reference == bet.transaction_id,
            Transaction.status == "applied",
        )
        .order_by(Transaction.id)
    ).all()
    return render_template(
        "sportsbook/bet.html",
        bet=bet,
        reference=words.sports_reference(bet),
        selections=words.sports_selections([bet.id])[bet.id],
        result=words.bet_result(bet.status, bet.payout, bet.currency, words.SPORTS_RESULTS),
        odds=words.odds_text,
        movements=movements,
        label=wallet_pages.label,
    )
