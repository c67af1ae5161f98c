"""The CRM door (seed 003): GET /crm/<feed>?from=…&to=…[&format=json] for InTarget, and
POST /crm/auto-logins for a campaign's personal login links.

Errors answer JSON {"error": "<what is wrong>"}: 400 (parameters, unknown feed or
format, a window that is too long or not over yet), 401 with WWW-Authenticate (missing or
wrong credentials), 403 (an address outside CRM_ALLOWED_IPS), 404 (feeds not enabled),
503 with Retry-After (a window that has not settled in CRM_SETTLE_WAIT_SECONDS)."""

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from sqlalchemy import text

from portal.accounts.models import Player
from portal.crm import access, autologin, settle, window
from portal.crm.errors import FeedError
from portal.crm.feeds import FEEDS
from portal.crm.output import CONTENT_TYPES, WRITERS
from portal.database import transactional
from portal.extensions import csrf, db
from portal.json_provider import unstorable_text

bp = Blueprint("crm", __name__, url_prefix="/crm")
csrf.exempt(bp)

_NOT_STREAMED = {"stream_results": False}  # a statement that is not a query (no cursor)


def render_http_error(status: int, description: str):
    """HTTP-level errors under /crm (404, 405, 413, 500) in the feeds' JSON shape."""
    messages = {404: "no such feed or page", 405: "method not allowed here"}
    return jsonify(error=messages.get(status, description or "error")), status


@bp.errorhandler(FeedError)
def _feed_error(exc: FeedError):
    response = jsonify(error=exc.message)
    response.status_code = exc.status
    response.headers.update(exc.headers)
    return response


@bp.get("/<name>")
def feed(name: str):
    access.check()
    chosen = FEEDS.get(name)
    if chosen is None:
        raise FeedError(400, f"unknown feed {name[:60]!r} (feeds: {', '.join(FEEDS)})")
    span, format_ = window.parse(request.args, current_app.config["CRM_MAX_WINDOW_HOURS"])
    settle.wait_until_settled(span.end)
    connection = db.engine.connect().execution_options(stream_results=True, portal_read_only=True)
    try:
        if connection.dialect.name == "postgresql":
            # PostgreSQL compiles a large window's query (JIT) for most of a second before
            # its first row, to speed up expressions that are not where a stream's time goes
            connection.execute(text("SET LOCAL jit = off"), execution_options=_NOT_STREAMED)
        columns = chosen.all_columns(connection)
    except BaseException:
        connection.close()
        raise

    def body():  # (run while the response is sent: the app's context is kept for it)
        try:
            yield from WRITERS[format_](columns, chosen.batches(connection, span, columns))
        finally:
            connection.close()

    extension = "json" if format_ == "json" else "csv"
    return Response(
        stream_with_context(body()),
        content_type=CONTENT_TYPES[format_],
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="{name}.{extension}"',
        },
    )


MAX_CAMPAIGN_PLAYERS = 1000


@bp.post("/auto-logins")
@transactional
def issue_auto_logins():
    """A campaign asks for new personal login links: JSON {"player_ids": ["12", …],
    "campaign": "name"} → {"links": [{player_id, login_token, login_url}], "refused":
    [{player_id, reason}]} (reason: unknown, blocked, excluded, or other_brand: a player
    of a brand this site does not serve). Each new link revokes the player's previous
    one; the auto-logins feed shows the change."""
    access.check()
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or unstorable_text(body):
        raise FeedError(400, "the body must be a JSON object")
    ids, campaign = body.get("player_ids"), body.get("campaign")
    if not isinstance(ids, list) or not 0 < len(ids) <= MAX_CAMPAIGN_PLAYERS:
        raise FeedError(400, f"'player_ids' must be a list of 1 to {MAX_CAMPAIGN_PLAYERS} ids")
    if not all(isinstance(i, str | int) and str(i).isdigit() and len(str(i)) <= 18 for i in ids):
        raise FeedError(400, "'player_ids' must hold player ids (digits)")
    if campaign is not None and (not isinstance(campaign, str) or len(campaign) > 100):
        raise FeedError(400, "'campaign' must be a text of at most 100 characters")
    links, refused = [], []
    for player_id in dict.fromkeys(str(i) for i in ids):
        player = db.session.get(Player, int(player_id))
        if player is None:
            refused.append({"player_id": player_id, "reason": "unknown"})
            continue
        try:
            token = autologin.link_token(autologin.issue(player, campaign))
        except autologin.AutoLoginRefused as exc:
            refused.append({"player_id": player_id, "reason": exc.reason})
            continue
        links.append(
            {"player_id": player_id, "login_token": token, "login_url": autologin.url_of(token)}
        )
    return jsonify(links=links, refused=refused)
