"""The lobby at `/`: the ways into the casino, the sportsbook and the bet slip, for visitors
and players; a logged-in player also sees the balance, the active bonus and quick links.

The casino is BETCORE's WebFrame: one frame (TagId 1) in which BETCORE offers its games;
its casino API names no game, so the portal has no list of games of its own and the lobby
shows the frame as the way in. When the frame is the local stand-in (portal.sandbox.betcore,
mounted by `make run` and the browser tests), its games are known and each gets its entry.
A visitor who picks a game is asked to log in or register, with `next` naming the game's
page so that they come back to it. A player excluded from play (`restricted`) sees no
game entries: the rest of the lobby stays.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.bonuses import operations as bonuses
from portal.database import transactional
from portal.player.blueprint import bp, site_brand
from portal.wallet import queries as wallet_queries


@dataclass(frozen=True)
class Entry:
    """A way into a product: its name, a line about it, and the page it opens."""

    key: str
    name: str
    about: str
    url: str


def casino_entries() -> list[Entry]:
    """The casino's ways in: the stand-in's games when the frame is the local stand-in,
    else the one frame BETCORE offers."""
    from portal.devserver import BETCORE_PREFIX
    from portal.sandbox.betcore import GAMES

    frame = urlsplit(current_app.config["BETCORE_WEBFRAME_URL"] or "")
    public = urlsplit(current_app.config["PUBLIC_URL"] or "")
    if frame.netloc == public.netloc and frame.path == BETCORE_PREFIX + "/webframe":
        return [
            Entry(
                slug,
                name,
                _l("A dice game of the BETCORE sandbox: roll 4, 5 or 6 to win twice the stake."),
                url_for("player.casino", game=slug),
            )
            for slug, name in GAMES.items()
        ]
    return [
        Entry(
            "betcore",
            _l("Casino games"),
            _l("BETCORE's game frame: you choose the game inside it."),
            url_for("player.casino"),
        )
    ]


def product_entries() -> tuple[Entry, Entry]:
    return (
        Entry(
            "sportsbook",
            _l("Sportsbook"),
            _l("Live and upcoming matches: bet on them in the sportsbook frame."),
            url_for("player.sportsbook"),
        ),
        Entry(
            "coupons",
            _l("Bet slip"),
            _l("Pick outcomes from our line and place them as one coupon."),
            url_for("player.coupons"),
        ),
    )


def player_summary(player) -> dict:
    """The logged-in player's balance in the active currency and the active bonus there."""
    currency = player.active_currency
    return {
        "balance": wallet_queries.balance(player, currency),
        "currency": currency,
        "bonus": bonuses.active(player.id, currency),  # (a BonusAssignment, or None)
    }


@bp.get("/")
@transactional
def home():
    summary = None
    if current_user.is_authenticated:
        summary = player_summary(current_user.player)
    sportsbook, coupons = product_entries()
    return render_template(
        "player/home.html",
        brand=site_brand(),
        games=casino_entries(),
        sportsbook=sportsbook,
        coupons=coupons,
        summary=summary,
    )
