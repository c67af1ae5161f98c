"""logins and casino-game-activity."""

from sqlalchemy import select

from portal import money
from portal.accounts.models import LoginEvent, Player
from portal.casino.models import SESSION_TOTALS, CasinoBet, CasinoPayment, GameSession
from portal.crm.feeds.base import Feed, Part, in_window


def _logins(window):
    """Every login attempt of a known player (an attempt with an unknown name has no
    player to show), stamped when it was made (login_event.created_at)."""
    return (
        select(
            LoginEvent.id,
            LoginEvent.player_id,
            LoginEvent.ip,
            LoginEvent.created_at,
            LoginEvent.channel,
            LoginEvent.user_agent,
            LoginEvent.host,
            LoginEvent.success,
            Player.btag,
        )
        .join(Player, Player.id == LoginEvent.player_id)
        .where(in_window(LoginEvent.created_at, window))
        .order_by(LoginEvent.created_at, LoginEvent.id)
    )


def _login_row(r) -> tuple:
    return (
        str(r.id),
        str(r.player_id),
        r.ip,
        r.created_at,
        r.btag,
        r.channel,  # web | api (the gateway) | auto-login
        r.user_agent,
        r.host,
        bool(r.success),
    )


LOGINS = Feed(
    "logins",
    (
        ("id", "text"),
        ("player_id", "text"),
        ("ip", "text"),
        ("created_at", "time"),
        ("ref_code", "text"),
        ("traffic_source", "text"),
        ("user_agent", "text"),
        ("host", "text"),
        ("is_success", "bool"),
    ),
    (Part(_logins, row=_login_row),),
)

GAME_VENDOR = "BETCORE"


def _game_sessions(window):
    """Seed 003's three steps in one statement: (1) the game sessions with an action (a
    payment of one of their bets) in the window, (2) all their actions whatever their
    time, (3) one aggregated row per session."""
    touched = (
        select(CasinoBet.game_session_id)
        .join(CasinoPayment, CasinoPayment.bet_id == CasinoBet.bet_id)
        .where(in_window(CasinoPayment.created_at, window))
        .where(CasinoBet.game_session_id.is_not(None))
        .distinct()
    )
    totals = (
        select(
            CasinoBet.game_session_id.label("session_id"),
            *[total.label(name) for name, total in SESSION_TOTALS.items()],
        )
        .join(CasinoPayment, CasinoPayment.bet_id == CasinoBet.bet_id)
        .where(CasinoBet.game_session_id.in_(touched))
        .group_by(CasinoBet.game_session_id)
        .subquery()
    )
    return (
        select(
            totals,
            GameSession.player_id,
            GameSession.currency,
            GameSession.tag_id,
            GameSession.game,
            Player.btag,
        )
        .join(GameSession, GameSession.id == totals.c.session_id)
        .join(Player, Player.id == GameSession.player_id)
        .order_by(totals.c.last_action_at, totals.c.session_id)
    )


def _game_row(r) -> tuple:
    return (
        str(r.player_id),
        r.session_id,
        None if r.tag_id is None else r.tag_id,
        r.game or (f"BETCORE frame {r.tag_id}" if r.tag_id is not None else "BETCORE casino"),
        r.currency,
        r.bet_count,
        r.win_count,
        money.from_minor(r.bet_amount, r.currency),
        money.from_minor(r.win_amount, r.currency),
        r.first_action_at,
        r.last_action_at,
        GAME_VENDOR,
        "normal",
        None,  # BETCORE's calls carry no player address or browser
        None,
        r.btag,
    )


CASINO_GAME_ACTIVITY = Feed(
    "casino-game-activity",
    (
        ("player_id", "text"),
        ("session_id", "text"),
        ("game_code", "int"),
        ("game_name", "text"),
        ("currency", "text"),
        ("bet_count", "int"),
        ("win_count", "int"),
        ("bet_amount", "decimal"),
        ("win_amount", "decimal"),
        ("created_at", "time"),
        ("updated_at", "time"),
        ("game_vendor", "text"),
        ("balance_type", "text"),
        ("ip", "text"),
        ("user_agent", "text"),
        ("ref_code", "text"),
    ),
    (Part(_game_sessions, row=_game_row),),
)
