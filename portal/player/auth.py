"""Flask-Login over server-side sessions: the cookie holds only the session token."""

from flask import current_app, request
from flask_login import UserMixin

from portal.accounts.errors import InvalidSession
from portal.accounts.models import Player, PlayerSession
from portal.accounts.sessions import resolve_session
from portal.extensions import login_manager

# Endpoints that read the web session without keeping it alive (a page's timer polls them:
# that is no sign the player is there). Their modules add them.
PASSIVE_ENDPOINTS: set[str] = set()


def _active_request() -> bool:
    """Whether the request is the player's doing: any page, and a poll from a page whose
    game the player is playing (visible and focused, `playing=1`: a player inside the
    game frame for an hour is not idle)."""
    return request.endpoint not in PASSIVE_ENDPOINTS or request.args.get("playing") == "1"


class SessionUser(UserMixin):
    """The logged-in player of one web session (Flask-Login's "user")."""

    def __init__(self, session: PlayerSession, token: str):
        self.session = session
        self.player: Player = session.player
        self._token = token

    def get_id(self) -> str:
        return self._token


@login_manager.user_loader
def load_user(token: str) -> SessionUser | None:
    try:
        session = resolve_session(token, touch=_active_request())
    except InvalidSession:
        return None
    if session.channel != "web" or session.player.brand_id != current_app.config["SITE_BRAND_ID"]:
        return None
    return SessionUser(session, token)
