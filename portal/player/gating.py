"""Send a player who must act first to the page that resolves it, and on afterwards.

The page the player was going to travels along as `?next=` (a local path only: see
`blueprint.safe_next`): the step's page keeps it in its form's URL and, once the step is
done, sends the player on with `continue_to()`; if another step is still pending, gating
sends the player there with the same `next`. A login's own `next` chains the same way (the
login sends the player to the destination, gating intercepts it). Email confirmation is
done from a mail link, so its destination is also kept in the session and offered when
the link is used in the same browser."""

from flask import redirect, request, session, url_for
from flask_login import current_user

from portal.accounts import gating
from portal.player.auth import PASSIVE_ENDPOINTS
from portal.player.blueprint import bp, safe_next

RESOLVED_BY = {
    gating.INCOMPLETE_REGISTRATION: "player.registration_details",
    gating.TNC_APPROVAL_REQUIRED: "player.terms",
    gating.PRIVACY_APPROVAL_REQUIRED: "player.terms",
    gating.PASSWORD_CHANGE_REQUIRED: "player.change_password",
    gating.EMAIL_NOT_VERIFIED: "player.email_unverified",
}
# Reachable whatever the player still has to do.
ALWAYS_OPEN = {
    "player.logout",
    "player.verify_email",
    "player.confirm_email",
    "player.cancel_email_change",
    "player.reset_password",
    "player.forgot_password",
    "player.resend_activation",
    "player.change_email",
    # the reality check and the session limit apply whatever else is pending
    # (portal/limits/reality.py)
    "player.responsible_gambling_status",
    "player.acknowledge_reality_check",
    # the texts a pending step asks the player to accept
    "player.document",
    "player.choose_language",
}
# The session key of the destination kept while the player confirms the email address.
AFTER_VERIFICATION = "after_verification"


def destination() -> str | None:
    """Where this request wants the player to end up: its own `next` (a step's page passes
    it on), else the page itself when it is a page the player asked for (a GET other than
    the home page, not a script's poll)."""
    if found := request.args.get("next"):
        return found if safe_next(found) == found else None
    if request.method not in ("GET", "HEAD") or request.endpoint in PASSIVE_ENDPOINTS:
        return None
    if request.accept_mimetypes.best == "application/json":
        return None
    query = request.query_string.decode("latin-1")
    here = request.path + (f"?{query}" if query else "")
    return None if here == url_for("player.home") else here


def step_url(endpoint: str, **values) -> str:
    """The URL of a step's page, passing this request's destination on."""
    return url_for(endpoint, next=destination(), **values)


def continue_to(default: str = "player.home") -> str:
    """Where a player who has just done a step goes: the destination, else `default`."""
    target = request.args.get("next")
    return safe_next(target) if target else url_for(default)


@bp.before_app_request
def send_to_pending_action():
    if request.blueprint != "player" or not current_user.is_authenticated:
        return None  # (blueprint first: gateway and static requests load no web session)
    if request.endpoint in ALWAYS_OPEN:
        return None
    actions = gating.pending_actions(current_user.player)
    if not actions:
        return _step_already_done()
    step = RESOLVED_BY[actions[0]]
    if request.endpoint == step:
        return None
    if step == "player.email_unverified" and (target := destination()):
        session[AFTER_VERIFICATION] = target
    return redirect(step_url(step))


def _step_already_done():
    """A step's page opened again with a destination once nothing is pending (the email
    was confirmed in another tab, say): go on to the destination."""
    if (
        request.method == "GET"
        and request.endpoint in RESOLVED_BY.values()
        and request.args.get("next")
        and request.endpoint != "player.change_password"  # (also a page of its own)
    ):
        return redirect(continue_to())
    return None
