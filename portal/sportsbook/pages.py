"""The sportsbook for players: Betsy's iframe with a token for (player, active currency)."""

from urllib.parse import urlencode

from flask import current_app, render_template, url_for
from flask_login import current_user

from portal.database import transactional
from portal.player.balance import live_balance
from portal.player.blueprint import bp as player_pages
from portal.player.blueprint import site_brand
from portal.sportsbook import operations


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
