"""What the player pages call a deposit's or withdrawal's state (the cashier, the history)."""

from flask_babel import lazy_gettext as _l

STATE_WORDS = {
    "new": _l("Waiting for the payment"),
    "process": _l("Being processed"),
    "success": _l("Completed"),
    "fail": _l("Failed"),
    "pending": _l("Waiting for approval"),
    "cancelled": _l("Cancelled"),
    "declined": _l("Declined"),
}
