"""Send a player who must act first to the page that resolves it."""

from flask import redirect, request, url_for
from flask_login import current_user

from portal.accounts import gating
from portal.player.blueprint import bp

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


@bp.before_app_request
def send_to_pending_action():
    if request.blueprint != "player" or not current_user.is_authenticated:
        return None  # (blueprint first: gateway and static requests load no web session)
    if request.endpoint in ALWAYS_OPEN:
        return None
    actions = gating.pending_actions(current_user.player)
    if actions and request.endpoint != RESOLVED_BY[actions[0]]:
        return redirect(url_for(RESOLVED_BY[actions[0]]))
    return None
