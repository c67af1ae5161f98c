"""Personal login links for CRM campaigns: issue, find, spend, revoke.

A link is `PUBLIC_URL/auto-login/<token>`; the token is `<row id>-<signature>`, the
signature an HMAC-SHA256 of the row's id and salt under the app's SECRET_KEY (so the
feed can show the current token without the database holding it). A link is single use,
expires after CRM_AUTO_LOGIN_DAYS, is revoked by the next one issued for the player (one
per campaign request), by an operator or by an exclusion, and never logs in a blocked,
excluded or closed player. It logs in only on the site of the player's brand
(SITE_BRAND_ID): elsewhere it is unknown. Spending it needs a POST (a page with a button):
a mail scanner that follows the link only sees the page."""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from portal.accounts.models import LoginEvent, Player
from portal.crm.models import MAX_ID, AutoLogin
from portal.errors import DomainError
from portal.extensions import db
from portal.limits import rules
from portal.timeutil import utcnow
from portal.wallet.operations import lock_players

CHANNEL = "auto-login"  # the login event's channel (the logins feed's traffic_source)
# <row id>-<HMAC-SHA256 in unpadded base64url>, in ASCII only (hmac.compare_digest refuses
# other text, and int() reads other scripts' digits)
_TOKEN = re.compile(r"([0-9]{1,18})-[A-Za-z0-9_-]{43}")


class AutoLoginRefused(DomainError):
    """No link for this player: blocked, excluded (timed out, self-excluded, closed) or of
    a brand this site does not serve (other_brand)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvalidAutoLogin(DomainError):
    """The link is unknown, used, revoked or expired, or its player may not log in now."""

    keeps_changes = True  # the failed attempt's LoginEvent is kept

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_of(row_id: int, salt: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"auto-login:{row_id}:{salt}".encode(), hashlib.sha256).digest()
    return f"{row_id}-{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def link_token(row: AutoLogin) -> str:
    """What the link's URL carries."""
    return token_of(row.id, row.salt)


def url_of(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + f"/auto-login/{token}"


def refusal(player: Player) -> str | None:
    """Why this player gets no link and may not use one: blocked | excluded | None."""
    if player.status == "blocked":
        return "blocked"
    if rules.player_excluded(player, utcnow()):
        return "excluded"
    return None


def issue_refusal(player: Player) -> str | None:
    """Why this player gets no link: other_brand (its URL would be this site's, where the
    player cannot log in) | blocked | excluded | None."""
    if player.brand_id != current_app.config["SITE_BRAND_ID"]:
        return "other_brand"
    return refusal(player)


def issue(player: Player, campaign: str | None = None) -> AutoLogin:
    """A new link for the player (the previous open one is revoked); `link_token(link)` is
    what the URL carries."""
    lock_players([player.id])  # two campaign requests at once leave one open link
    db.session.refresh(player)  # (as the lock found it: blocked or excluded meanwhile?)
    if reason := issue_refusal(player):
        raise AutoLoginRefused(reason)
    now = utcnow()
    revoke(player, now=now)
    row = AutoLogin(
        player_id=player.id,
        salt=secrets.token_hex(16),
        campaign=(campaign or None) and campaign[:100],
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["CRM_AUTO_LOGIN_DAYS"]),
    )
    db.session.add(row)
    db.session.flush()
    return row


def revoke(player: Player, *, now=None) -> int:
    """Revoke the player's open links: how many."""
    result = db.session.execute(
        update(AutoLogin)
        .where(
            AutoLogin.player_id == player.id,
            AutoLogin.used_at.is_(None),
            AutoLogin.revoked_at.is_(None),
        )
        .values(revoked_at=now or utcnow(), modified_at=func.portal_now())
    )
    return result.rowcount


def find(token, brand_id: int) -> AutoLogin | None:
    """The link of a token whose signature is right, of a player of this brand (locked:
    it is about to be spent)."""
    found = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if found is None:
        return None
    row_id = int(found.group(1))
    if row_id > MAX_ID:
        return None
    row = db.session.scalar(select(AutoLogin).where(AutoLogin.id == row_id).with_for_update())
    if row is None or not hmac.compare_digest(token_of(row.id, row.salt), token):
        return None
    if db.session.get(Player, row.player_id).brand_id != brand_id:
        return None  # (another brand's site; here it would log nobody in)
    return row


def state(row: AutoLogin | None) -> str | None:
    """Why the link cannot be used (unknown; blocked, excluded: whatever the link; used,
    revoked, expired) or None."""
    if row is None:
        return "unknown"
    if reason := refusal(db.session.get(Player, row.player_id)):
        return reason  # (an exclusion revokes the links too: say why, not "revoked")
    if row.used_at is not None:
        return "used"
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= utcnow():
        return "expired"
    return None


def spend(token, client, brand_id: int) -> Player:
    """Use the link once: its player (recorded as a login of channel auto-login), or
    InvalidAutoLogin with the reason."""
    row = find(token, brand_id)
    reason = state(row)
    if row is not None:
        player = db.session.get(Player, row.player_id)
        db.session.add(_login_event(player, reason, client))
    if reason is not None:
        db.session.flush()
        raise InvalidAutoLogin(reason)
    row.used_at = utcnow()
    row.ip = (client.ip or "")[:45] or None
    if player.status in rules.EXCLUDED_STATUSES:  # (an exclusion that has run out: tidy)
        from portal.limits.operations import settle_ended

        settle_ended(player)
    db.session.flush()
    return player


def _login_event(player: Player, reason: str | None, client) -> LoginEvent:
    return LoginEvent(
        brand_id=player.brand_id,
        player_id=player.id,
        channel=CHANNEL,
        success=reason is None,
        reason=None if reason is None else f"link_{reason}",
        ip=client.ip,
        user_agent=(client.user_agent or "")[:500] or None,
        host=(client.host or "")[:255] or None,
    )


def current_tokens(connection, player_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each player's current link (newest open one, of a player `refusal` lets log in):
    player id -> (row id, token)."""
    now = utcnow()
    excluded = Player.status.in_(rules.EXCLUDED_STATUSES) & or_(
        Player.excluded_until.is_(None), Player.excluded_until > now
    )  # (rules.excluded in SQL: a time-out that has run out no longer counts)
    rows = connection.execute(
        select(AutoLogin.id, AutoLogin.player_id, AutoLogin.salt)
        .join(Player, Player.id == AutoLogin.player_id)
        .where(
            AutoLogin.player_id.in_(player_ids),
            AutoLogin.used_at.is_(None),
            AutoLogin.revoked_at.is_(None),
            AutoLogin.expires_at > now,
            Player.status != "blocked",
            ~excluded,
        )
        .order_by(AutoLogin.id)
    )
    return {r.player_id: (r.id, token_of(r.id, r.salt)) for r in rows}
