"""GET /balance.json: the header's balance for a page's script (static/balance.js).

    {"balance": "92.00", "currency": "EUR", "shown": "92.00 EUR"}

The player's real balance in the active currency, as the header shows it (`shown` in the
player's language: "92,00 EUR" in German). Cheap: the web session, its player and one
balance read (tests/test_live_balance.py counts the statements). It lives on a blueprint of
its own so that the player pages' checks before every page (pending steps, exclusions:
several statements) do not run for a read that shows what /wallet shows anyway. `no-store`;
401 JSON for a visitor. A poll is no sign that the player is there (auth.PASSIVE_ENDPOINTS).
"""

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from flask_login import current_user

from portal.database import transactional
from portal.i18n import amount
from portal.player.auth import PASSIVE_ENDPOINTS
from portal.wallet import queries as wallet_queries

bp = Blueprint("live", __name__)
PASSIVE_ENDPOINTS.add("live.balance_json")


@bp.get("/balance.json")
@transactional
def balance_json():
    if not current_user.is_authenticated:
        response = jsonify(logged_in=False)
        response.status_code = 401
    else:
        player = current_user.player
        currency = player.active_currency
        real = wallet_queries.real_balance(player.id, currency)
        response = jsonify(
            balance=format(real, "f"), currency=currency, shown=f"{amount(real)} {currency}"
        )
    response.headers["Cache-Control"] = "no-store"
    return response


POLL_SECONDS = 5  # how often a game page asks while it is visible


def frame_origin(frame_url: str) -> str:
    """The origin a game frame's messages come from: the vendor's (its configured URL's),
    or this site's for a frame served here (a relative URL: the "unavailable" page)."""
    parts = urlsplit(frame_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return request.host_url.rstrip("/")


def live_balance(frame_url: str) -> dict:
    """What a game page's template puts on its frame for static/balance.js."""
    return {"vendor_origin": frame_origin(frame_url), "poll_seconds": POLL_SECONDS}
