"""sports-tournaments, sports-events, sports-bets and sports-odds, from both sportsbooks:
Betsy's bets (with the tournaments and events their metadata named) and the coupons of
the bet calculation service (with the line they were placed from).

Identifiers carry their source, so the two never collide: Betsy bets are
`betsy:<transactionId>`, coupons `coupon:<id>`; line events `line:<match>` or
`live:<match>`, their tournaments `line:<sport>:<tournament>`. An odds row (a selection)
changes with its bet: it is exported in the window of its bet's modification time, with
a status that follows the bet's result (Betsy and the calculation service report results
per bet, not per selection)."""

from sqlalchemy import func, select

from portal import money
from portal.accounts.models import Player
from portal.coupons.models import Coupon, CouponSelection, LineEvent
from portal.crm.feeds.base import Feed, Part, in_window
from portal.sportsbook.models import SportsBet, SportsEvent, SportsSelection, SportsTournament

# --- tournaments ----------------------------------------------------------------------------


def _tournaments(window):
    """A Betsy tournament is shown when it changed in the window or one of its events
    did: its start and end dates are its events' (a bet naming a new event of a known
    tournament moves its end_date, without writing the tournament's row)."""
    t = SportsTournament

    def of_events(aggregate):
        events = select(aggregate(SportsEvent.start_date))
        return events.where(SportsEvent.tournament_id == t.id).scalar_subquery()

    changed_events = select(SportsEvent.tournament_id).where(
        in_window(SportsEvent.modified_at, window), SportsEvent.tournament_id.is_not(None)
    )

    return (
        select(
            t.id,
            t.name,
            t.sport_id,
            t.sport_name,
            t.country_code,
            t.created_at,
            of_events(func.min).label("first_start"),
            of_events(func.max).label("last_start"),
        )
        .where(in_window(t.modified_at, window) | t.id.in_(changed_events))
        .order_by(t.modified_at, t.id)
    )


def _tournament_row(r) -> tuple:
    return (
        r.id, r.name, r.sport_id, r.sport_name, r.country_code,
        r.first_start or r.created_at, r.last_start,
    )  # fmt: skip


def _line_tournaments(window):
    """A line tournament is its events' (sport, tournament): shown when one of its events
    changed in the window."""
    e = LineEvent
    changed = select(e.sport, e.tournament).where(in_window(e.modified_at, window)).distinct()
    changed = changed.subquery()
    return (
        select(e.sport, e.tournament, func.min(e.start_at).label("first_start"),
               func.max(e.start_at).label("last_start"))
        .join(changed, (changed.c.sport == e.sport) & (changed.c.tournament == e.tournament))
        .group_by(e.sport, e.tournament)
        .order_by(e.sport, e.tournament)
    )  # fmt: skip


def line_tournament_id(sport: str, tournament: str) -> str:
    return f"line:{sport}:{tournament}"


def _line_tournament_row(r) -> tuple:
    return (
        line_tournament_id(r.sport, r.tournament), r.tournament, None, r.sport, None,
        r.first_start, r.last_start,
    )  # fmt: skip


SPORTS_TOURNAMENTS = Feed(
    "sports-tournaments",
    (
        ("id", "text"),
        ("name", "text"),
        ("sport_id", "text"),
        ("sport_name", "text"),
        ("country_code", "text"),
        ("start_date", "time"),
        ("end_date", "time"),
    ),
    (
        Part(_tournaments, row=_tournament_row),
        Part(_line_tournaments, row=_line_tournament_row),
    ),
)

# --- events ---------------------------------------------------------------------------------


def _events(window):
    e = SportsEvent
    return (
        select(e.id, e.tournament_id, e.title, e.status, e.start_date, e.modified_at)
        .where(in_window(e.modified_at, window))
        .order_by(e.modified_at, e.id)
    )


def _line_events(window):
    e = LineEvent
    return (
        select(e.event_type, e.match_id, e.sport, e.tournament, e.title, e.start_at,
               e.modified_at)
        .where(in_window(e.modified_at, window))
        .order_by(e.modified_at, e.id)
    )  # fmt: skip


def _line_event_row(r) -> tuple:
    return (
        f"{r.event_type}:{r.match_id}",
        line_tournament_id(r.sport, r.tournament),
        r.title,
        "live" if r.event_type == "live" else "prematch",
        r.start_at,
        r.modified_at,
        "match",
    )


SPORTS_EVENTS = Feed(
    "sports-events",
    (
        ("id", "text"),
        ("tournament_id", "text"),
        ("title", "text"),
        ("status", "text"),
        ("start_date", "time"),
        ("updated_at", "time"),
        ("type", "text"),
    ),
    (
        Part(
            _events,
            row=lambda r: (
                r.id,
                r.tournament_id,
                r.title,
                r.status,
                r.start_date,
                r.modified_at,
                "match",
            ),
        ),
        Part(_line_events, row=_line_event_row),
    ),
)

# --- bets -----------------------------------------------------------------------------------

# seed 003's bet statuses for a Betsy bet's and a coupon's
BETSY_BET_STATUSES = {
    "placed": "placed",
    "won": "win",
    "lost": "lost",
    "refund": "rolled_back",
    "cashout": "cashout",
    "unsettled": "unsettled",
    "rolled_back": "rolled_back",
}
COUPON_STATUSES = {
    "placing": "created",
    "open": "accepted",
    "refused": "declined",
    "unknown": "place_error",
    "won": "win",
    "lost": "lost",
    "returned": "rolled_back",
}
# ... and their selections' (odds) statuses
BETSY_ODDS_STATUSES = {
    "placed": "running",
    "unsettled": "running",
    "won": "win",
    "lost": "lost",
    "refund": "refunded",
    "cashout": "not_resulted",
    "rolled_back": "cancelled",
}
COUPON_ODDS_STATUSES = {
    "placing": "not_resulted",
    "unknown": "not_resulted",
    "open": "running",
    "refused": "rejected",
    "won": "win",
    "lost": "lost",
    "returned": "refunded",
}

BET_COLUMNS = (
    ("id", "text"),
    ("player_id", "text"),
    ("status", "text"),
    ("type", "text"),
    ("stake", "decimal"),
    ("win_amount", "decimal"),
    ("currency", "text"),
    ("ref_code", "text"),
    ("created_at", "time"),
    ("modified_at", "time"),
)


def _betsy_bets(window):
    b = SportsBet
    return (
        select(b.transaction_id, b.player_id, b.status, b.ticket_type, b.stake, b.payout,
               b.currency, b.created_at, b.modified_at, Player.btag)
        .join(Player, Player.id == b.player_id)
        .where(in_window(b.modified_at, window))
        .order_by(b.modified_at, b.id)
    )  # fmt: skip


def _betsy_bet_row(r) -> tuple:
    return (
        f"betsy:{r.transaction_id}",
        str(r.player_id),
        BETSY_BET_STATUSES.get(r.status, r.status),
        r.ticket_type or "single",
        money.from_minor(r.stake, r.currency),
        money.from_minor(r.payout, r.currency),
        r.currency,
        r.btag,
        r.created_at,
        r.modified_at,
    )


def _coupons(window):
    c = Coupon
    selections = (
        select(func.count(CouponSelection.id))
        .where(CouponSelection.coupon_id == c.id)
        .scalar_subquery()
    )
    return (
        select(c.id, c.player_id, c.status, c.stake, c.payout, c.currency, c.created_at,
               c.modified_at, Player.btag, selections.label("selections"))
        .join(Player, Player.id == c.player_id)
        .where(in_window(c.modified_at, window))
        .order_by(c.modified_at, c.id)
    )  # fmt: skip


def _coupon_row(r) -> tuple:
    return (
        f"coupon:{r.id}",
        str(r.player_id),
        COUPON_STATUSES.get(r.status, r.status),
        "single" if r.selections == 1 else "express",
        money.from_minor(r.stake, r.currency),
        money.from_minor(r.payout, r.currency),
        r.currency,
        r.btag,
        r.created_at,
        r.modified_at,
    )


SPORTS_BETS = Feed(
    "sports-bets",
    BET_COLUMNS,
    (Part(_betsy_bets, row=_betsy_bet_row), Part(_coupons, row=_coupon_row)),
)

# --- odds -----------------------------------------------------------------------------------


def _betsy_odds(window):
    s, b = SportsSelection, SportsBet
    return (
        select(s.id, b.transaction_id, s.event_id, s.coefficient, b.status, s.market,
               s.market_id, s.created_at, b.modified_at)
        .join(b, b.id == s.bet_id)
        .where(in_window(b.modified_at, window))
        .order_by(b.modified_at, s.id)
    )  # fmt: skip


def _betsy_odds_row(r) -> tuple:
    return (
        f"betsy:{r.id}",
        f"betsy:{r.transaction_id}",
        r.event_id,
        r.coefficient,
        BETSY_ODDS_STATUSES.get(r.status, "not_resulted"),
        r.market or r.market_id or "",
        r.created_at,
        r.modified_at,
    )


def _coupon_odds(window):
    s, c = CouponSelection, Coupon
    return (
        select(s.id, c.id.label("coupon_id"), s.event_type, s.match_id, s.odds, c.status,
               s.market, c.created_at, c.modified_at)
        .join(c, c.id == s.coupon_id)
        .where(in_window(c.modified_at, window))
        .order_by(c.modified_at, s.id)
    )  # fmt: skip


def _coupon_odds_row(r) -> tuple:
    return (
        f"coupon:{r.id}",
        f"coupon:{r.coupon_id}",
        f"{r.event_type}:{r.match_id}",
        r.odds,
        COUPON_ODDS_STATUSES.get(r.status, "not_resulted"),
        r.market,
        r.created_at,
        r.modified_at,
    )


SPORTS_ODDS = Feed(
    "sports-odds",
    (
        ("id", "text"),
        ("bet_id", "text"),
        ("event_id", "text"),
        ("ratio", "decimal"),
        ("status", "text"),
        ("market", "text"),
        ("created_at", "time"),
        ("updated_at", "time"),
    ),
    (Part(_betsy_odds, row=_betsy_odds_row), Part(_coupon_odds, row=_coupon_odds_row)),
)
