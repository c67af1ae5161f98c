"""A game page (casino, sportsbook) asked by a player who may not play now: a page that says
why, instead of a game frame (no vendor token is issued)."""

from flask import render_template

from portal.limits.errors import PlayRefused
from portal.limits.words import refusal_words
from portal.player.blueprint import bp


@bp.errorhandler(PlayRefused)
def play_refused(exc: PlayRefused):
    words = refusal_words(exc.reason, exc.until)
    return render_template("limits/play_refused.html", words=words, reason=exc.reason), 403
