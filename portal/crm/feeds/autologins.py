"""auto-logins: each player whose links changed in the window (issued, used, revoked),
with their current token; an empty token when they have none (used, revoked, expired, or
a player who may not be contacted): the CRM must not send the old one.

`id` (required by the seed) is the current link's id, or without one the id of the
player's newest link that changed in the window (the one just used or revoked). A link
that merely runs out changes no row: the feed says nothing then (the page refuses it as
expired; a campaign asks for new links anyway)."""

from sqlalchemy import func, select

from portal.crm.autologin import current_tokens
from portal.crm.feeds.base import Feed, Part, in_window
from portal.crm.models import AutoLogin


def _changed(window):
    return (
        select(
            AutoLogin.player_id,
            func.max(AutoLogin.id).label("newest"),
            func.max(AutoLogin.modified_at).label("updated_at"),
        )
        .where(in_window(AutoLogin.modified_at, window))
        .group_by(AutoLogin.player_id)
        .order_by(AutoLogin.player_id)
    )


def _batch(connection, rows, _columns) -> list[tuple]:
    current = current_tokens(connection, [r.player_id for r in rows])
    out = []
    for r in rows:
        row_id, token = current.get(r.player_id, (r.newest, None))
        out.append((str(row_id), str(r.player_id), token, r.updated_at))
    return out


AUTO_LOGINS = Feed(
    "auto-logins",
    (("id", "text"), ("player_id", "text"), ("login_token", "text"), ("updated_at", "time")),
    (Part(_changed, batch=_batch),),
)
