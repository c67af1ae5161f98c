"""What a player must do before playing, in the order the seed lists the codes.

Login answers 303 with the first code; online status and player info answer 401; the
pages send the player to the page that resolves it.
"""

from portal.accounts import documents
from portal.accounts.errors import ActionRequired
from portal.accounts.models import Player

INCOMPLETE_REGISTRATION = "INCOMPLETE_REGISTRATION"
TNC_APPROVAL_REQUIRED = "TNC_APPROVAL_REQUIRED"
PRIVACY_APPROVAL_REQUIRED = "PRIVACY_APPROVAL_REQUIRED"
PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"  # noqa: S105 (a code, not a secret)
EMAIL_NOT_VERIFIED = "EMAIL_NOT_VERIFIED"

_FOR_DOCUMENT = {"tnc": TNC_APPROVAL_REQUIRED, "privacy": PRIVACY_APPROVAL_REQUIRED}


def pending_actions(player: Player) -> list[str]:
    actions = []
    if player.registration_completed_at is None:
        actions.append(INCOMPLETE_REGISTRATION)
    actions += [_FOR_DOCUMENT[t] for t in documents.unsigned_types(player)]
    if player.password_change_required:
        actions.append(PASSWORD_CHANGE_REQUIRED)
    if player.brand.require_verified_email and player.email_verified_at is None:
        actions.append(EMAIL_NOT_VERIFIED)
    return actions


def require_documents_signed(player: Player) -> None:
    """ActionRequired while the player has terms or a privacy policy left to sign."""
    unsigned = [_FOR_DOCUMENT[t] for t in documents.unsigned_types(player)]
    if unsigned:
        raise ActionRequired(unsigned)


def require_no_actions(player: Player) -> None:
    """ActionRequired while the player has anything left to do before playing."""
    actions = pending_actions(player)
    if actions:
        raise ActionRequired(actions)
