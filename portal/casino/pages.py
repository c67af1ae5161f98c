"""The casino for players: the page embedding BETCORE's WebFrame, and the page of one of
the player's rounds (linked from the history)."""

from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.casino import operations
from portal.casino.models import CasinoBet, CasinoPayment, GameSession
from portal.database import transactional
from portal.extensions import db
from portal.player import history_words as words
from portal.player.balance import live_balance
from portal.player.blueprint import bp as player_pages
from portal.player.blueprint import players_own, site_brand

DEFAULT_TAG_ID = 1
# BETCORE's TransactionType, in words
PAYMENT_WORDS = {
    operations.STAKE: _l("Stake"),
    operations.PAYOUT: _l("Payout"),
    operations.REFUND: _l("Stake returned"),
    operations.PAYOUT_RETURN: _l("Payout taken back"),
    operations.JACKPOT: _l("Jackpot"),
}


def webframe_url(*, token: str | None, language: str, game: str | None, tag_id: int) -> str:
    """BETCORE_WEBFRAME_URL (or the local sandbox's frame) with the launch parameters."""
    base = current_app.config["BETCORE_WEBFRAME_URL"] or url_for(
        "player.casino_sandbox_missing", _external=False
    )
    params = {
        "lang": language,
        "tagId": tag_id,
        "clientId": current_app.config["BETCORE_CLIENT_ID"],
    }
    if token:
        params["token"] = token
    if game:
        params["game"] = game
    return f"{base}?{urlencode(params)}"


@player_pages.get("/casino")
@transactional
def casino():
    """The WebFrame, with a fresh refresh token for a logged-in player (none for visitors)."""
    token, language = None, site_brand().default_language
    if current_user.is_authenticated:
        player = current_user.player
        language = player.language
        token = operations.issue_token(player, player.active_currency, DEFAULT_TAG_ID)
    game = request.args.get("game") or None
    url = webframe_url(token=token, language=language, game=game, tag_id=DEFAULT_TAG_ID)
    return render_template(
        "casino/casino.html",
        frame_url=url,
        tag_id=DEFAULT_TAG_ID,
        game_page=url_for("player.casino", game=game),
        live=live_balance(url),
    )


@player_pages.get("/casino/sandbox-missing")
def casino_sandbox_missing():
    return render_template("casino/unavailable.html"), 503


@player_pages.get("/casino/rounds/<int:round_id>")
@login_required
@transactional
def casino_round(round_id: int):
    """One of the player's casino rounds (a BETCORE bet): game, result and its payments."""
    bet = players_own(CasinoBet, round_id)
    session = db.session.get(GameSession, bet.game_session_id) if bet.game_session_id else None
    payments = db.session.scalars(
        select(CasinoPayment).where(CasinoPayment.bet_id == bet.bet_id).order_by(CasinoPayment.id)
    ).all()
    status, result = words.casino_result(payments, bet.currency)
    return render_template(
        "casino/round.html",
        bet=bet,
        game=words.game_name(session),
        reference=words.round_reference(bet),
        status=status,
        result=result,
        payments=payments,
        payment_words=PAYMENT_WORDS,
    )
