"""The reality check and the session time limit while the player plays (issue 13).

Every page of a logged-in player carries the dialog of templates/layout.html and
static/reality-check.js, which polls GET /responsible-gambling/status: when the brand's
reality check is due it shows the session's figures over the page (the game frames
included) until the player continues (POST /reality-check) or logs out; when the web
session is older than the player's session time limit the session ends, here or on the
next page load (`end_sessions_over_their_limit`), and the dialog says so.

The status poll only reads: it does not keep the session alive (auth.PASSIVE_ENDPOINTS),
and it writes only to end a session whose limit is reached.
"""

from math import ceil

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.accounts import status
from portal.accounts.models import Player, PlayerSession
from portal.database import transactional
from portal.extensions import db
from portal.limits import operations, words
from portal.player.auth import PASSIVE_ENDPOINTS
from portal.player.blueprint import bp, safe_next
from portal.player.forms import ButtonForm
from portal.timeutil import utcnow

STATUS_ENDPOINT = "player.responsible_gambling_status"
PASSIVE_ENDPOINTS.add(STATUS_ENDPOINT)
SHORTEST_POLL = 5  # seconds between polls at least (unless REALITY_CHECK_POLL_SECONDS is less)


def minutes_text(minutes: int) -> str:
    """ "15 minutes" in the page's language."""
    return words.minutes(minutes)


def limit_reached_text(minutes: int) -> str:
    return _(
        "Your session time limit of %(limit)s is reached. You are logged out.",
        limit=minutes_text(minutes),
    )


def session_limit(web_session: PlayerSession) -> dict | None:
    """The session time limit of this web session (None: the player has none), read once
    per request: {minutes, ends_at, ended}."""
    if "session_limit" not in g:
        limit = operations.session_limit(web_session, utcnow())
        g.session_limit = None if limit is None else vars(limit).copy()
    return g.session_limit


def status_of(web_session: PlayerSession) -> dict:
    """What the page's script needs: the reality check when due (None otherwise), the
    session limit, and how long to wait before asking again."""
    limit = session_limit(web_session)
    ended = limit is not None and limit["ended"]
    check = None
    if not ended and status.reality_check_due(web_session):
        summary = status.reality_check(web_session)
        check = {  # (time played in the page's language; the gateway's stays English)
            "time_played": words.duration(int(summary["h"]) * 60 + int(summary["min"])),
            "total_bets": _amount(summary["total_bets"]),
            "total_wins": _amount(summary["total_wins"]),
            "profit": _amount(summary["profit"]),
            "currency": summary["currency"],
        }
    return {
        "logged_in": True,
        "reality_check": check,
        "session_limit": None
        if limit is None
        else {
            "minutes": limit["minutes"],
            "shown": minutes_text(limit["minutes"]),
            "ends_at": limit["ends_at"].isoformat(timespec="seconds") + "Z",
            "ended": ended,
        },
        "next_poll_seconds": _next_poll(web_session, limit),
    }


def _amount(value) -> str:
    return format(value, "f")


def _next_poll(web_session: PlayerSession, limit: dict | None) -> int:
    """Seconds until the next check is due or the session limit is reached, within
    [SHORTEST_POLL, REALITY_CHECK_POLL_SECONDS] (a limit set or a check acknowledged
    meanwhile, in another tab, shows within the longest wait)."""
    longest = max(1, current_app.config["REALITY_CHECK_POLL_SECONDS"])
    now = utcnow()
    moments = [status.reality_check_due_at(web_session), limit and limit["ends_at"]]
    waits = [ceil((at - now).total_seconds()) for at in moments if at and at > now]
    return max(min(SHORTEST_POLL, longest), min([longest, *waits]))


def _wants_json() -> bool:
    return request.endpoint == STATUS_ENDPOINT or (
        request.accept_mimetypes.best == "application/json"
    )


@bp.before_app_request
def end_sessions_over_their_limit():
    """A web session older than the player's session time limit ends (with the player's
    other sessions and vendor tokens) on its next request: a page goes to the login page,
    the script's requests hear `"ended": true`."""
    if request.blueprint != "player" or not current_user.is_authenticated:
        return None  # (blueprint first: gateway and static requests load no web session)
    limit = session_limit(current_user.session)
    if limit is None or not limit["ended"]:
        return None
    answer = status_of(current_user.session) if _wants_json() else None
    _end_play(current_user.session.player_id)
    logout_user()
    session.clear()
    if answer is not None:
        return jsonify(answer)
    flash(limit_reached_text(limit["minutes"]), "warning")
    return redirect(url_for("player.login"))


@transactional
def _end_play(player_id: int) -> None:
    operations.end_play(db.session.get(Player, player_id))


@bp.get("/responsible-gambling/status")
@transactional
def responsible_gambling_status():
    if not current_user.is_authenticated:
        return jsonify(logged_in=False), 401
    return jsonify(status_of(current_user.session))


@bp.post("/reality-check")
@transactional
def acknowledge_reality_check():
    """The player continues: the next check is one interval later. The page's script asks
    for JSON (the new status); the plain form goes back to the page."""
    form = ButtonForm()
    if current_user.is_authenticated and form.validate_on_submit():
        status.acknowledge_reality_check(current_user.session)
    if _wants_json():
        if not current_user.is_authenticated:
            return jsonify(logged_in=False), 401
        return jsonify(status_of(current_user.session))
    return redirect(safe_next(request.form.get("next", "")))


@bp.app_context_processor
def reality_check_dialog():
    """The layout's dialog: filled in and open when the check is due as the page loads."""
    if not getattr(current_user, "is_authenticated", False):  # no user when mails render
        return {}
    answer = status_of(current_user.session)
    return {
        "reality_check": answer["reality_check"],
        "reality_check_next_poll": answer["next_poll_seconds"],
        "reality_check_form": ButtonForm(),
    }
