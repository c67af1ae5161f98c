"""How the player's pages say limits, exclusions, their history and refusals in words
(English, as the site's pages are). Refusals are said the same way by the bet slip, the
cashier and the game pages (`refusal_words`, `limit_words`)."""

from datetime import datetime

from portal import money
from portal.limits import operations, rules
from portal.limits.errors import LimitReached
from portal.timeutil import utcnow

KIND_WORDS = {
    rules.DEPOSIT: "Deposit limit",
    rules.LOSS: "Loss limit",
    rules.STAKE: "Stake limit",
    rules.BETS: "Bet limit",
    rules.SESSION: "Session time limit",
}
PERIOD_WORDS = {
    "day": "per 24 hours",
    "week": "per 7 days",
    "month": "per 30 days",
    rules.PER_BET: "per bet",
    rules.PER_SESSION: "per session",
}
DURATION_WORDS = {
    "24h": "24 hours",
    "7d": "7 days",
    "30d": "30 days",
    "6w": "6 weeks",
    "6m": "6 months",
    "1y": "1 year",
    "5y": "5 years",
    "indefinite": "indefinitely",
}
EXCLUSION_WORDS = {
    rules.TIMEOUT: "Time-out",
    rules.SELF_EXCLUSION: "Self-exclusion",
    rules.CLOSURE: "Account closed",
}
ACTION_WORDS = {
    "set": "Set",
    "lowered": "Lowered",
    "raise-pending": "Raise asked",
    "removal-pending": "Removal asked",
    "reopen-asked": "Reopening asked",
    "lifted": "Lifted",
    **EXCLUSION_WORDS,
}
CONTINUE = "You can still withdraw your money."


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def limit_name(kind: str, period: str, currency: str = "") -> str:
    """ "Deposit limit per 24 hours (EUR)"."""
    name = f"{KIND_WORDS.get(kind, kind)} {PERIOD_WORDS.get(period, period)}"
    return f"{name} ({currency})" if currency else name


def pending(view: operations.LimitView) -> str:
    """What waits for its cooling-off: "Raises to 200.00 EUR on ..." ("" for nothing)."""
    if view.pending_at is None:
        return ""
    if view.pending_value is None:
        return f"Removed on {when(view.pending_at)}"
    return f"Raises to {view.shown(view.pending_value)} on {when(view.pending_at)}"


def saved(view: operations.LimitView) -> str:
    """The flash after a limit is set: whether it applies now or when."""
    name = limit_name(view.kind, view.period, view.currency)
    if view.pending_at is None:
        return f"{name}: {view.shown(view.value)}, from now on."
    later = (
        "is removed" if view.pending_value is None else f"rises to {view.shown(view.pending_value)}"
    )
    return (
        f"{name} {later} on {when(view.pending_at)}, after a 24-hour cooling-off; "
        f"until then {view.shown(view.value)} applies."
    )


def exclusion_until(exclusion) -> str:
    """Until when an exclusion applies, in words (the page's "Until")."""
    if exclusion.reopen_at is not None:
        return f"{when(exclusion.reopen_at)} (you asked to reopen your account)"
    if exclusion.kind == rules.CLOSURE:
        return "until you ask to reopen your account"
    if exclusion.ends_at is None:
        return "indefinite"
    if exclusion.kind == rules.SELF_EXCLUSION:
        if exclusion.ends_at <= utcnow():
            return f"until you ask to come back (it ended on {when(exclusion.ends_at)})"
        return f"{when(exclusion.ends_at)}, then until you ask to come back"
    return when(exclusion.ends_at)


def restriction_notice(player) -> str:
    """Why an excluded player may not play, and until when (the login and the page say it)."""
    exclusion = operations.current_exclusion(player)
    if exclusion is None:
        return f"Your account is closed to play for now. {CONTINUE}"
    if exclusion.reopen_at is not None:
        return f"Your account reopens on {when(exclusion.reopen_at)}. {CONTINUE}"
    if exclusion.kind == rules.TIMEOUT:
        return f"You are taking a time-out until {when(exclusion.ends_at)}. {CONTINUE}"
    if exclusion.kind == rules.CLOSURE:
        return (
            "You have closed your account. You can ask to reopen it: it reopens 24 hours "
            f"after you ask. {CONTINUE}"
        )
    if exclusion.ends_at is None:
        return f"You are self-excluded indefinitely. {CONTINUE}"
    if exclusion.ends_at > utcnow():
        return f"You are self-excluded until {when(exclusion.ends_at)}. {CONTINUE}"
    return (
        f"Your self-exclusion ended on {when(exclusion.ends_at)}. Your account reopens 24 "
        f"hours after you ask to reopen it. {CONTINUE}"
    )


def change_subject(change) -> str:
    """A history row's subject: "Deposit limit per 24 hours (EUR)" or "Exclusion"."""
    parts = change.subject.split()
    if parts and parts[0] in KIND_WORDS:
        return limit_name(*parts)
    return "Exclusion" if parts and parts[0] == "exclusion" else change.subject


def change_value(value: str | None) -> str:
    if value is None:
        return ""
    return DURATION_WORDS.get(value, EXCLUSION_WORDS.get(value, value))


def actor(name: str) -> str:
    return "You" if name == operations.PLAYER else "Our support team"


# --- refusals -------------------------------------------------------------------------------

WINDOW_WORDS = {"day": "24-hour", "week": "7-day", "month": "30-day"}  # "your 24-hour limit"
REFUSAL_WORDS = {
    "blocked": "Your account may not play just now. Please contact support.",
    "timed_out": "You are taking a time-out",
    "self_excluded": "You have excluded yourself from play",
    "closed": "Your account is closed at your request.",
    "under_age": "You must be 18 or older to play.",
    "not_verified": "Please verify your account before you play.",
}


def refusal_words(reason: str, until=None) -> str:
    words = REFUSAL_WORDS.get(reason, REFUSAL_WORDS["blocked"])
    if reason in ("timed_out", "self_excluded"):
        if until is not None:
            return f"{words} until {until:%Y-%m-%d %H:%M} UTC."
        if reason == "self_excluded":
            return f"{words}; your account reopens only when you ask."
        return f"{words}."
    return words


def limit_words(exc: LimitReached) -> str:
    if exc.kind == "bets":
        return f"You have reached your {WINDOW_WORDS[exc.period]} limit on the number of bets."
    allowed = f"{money.format_amount(money.to_minor(exc.allowed, exc.currency), exc.currency)}"
    allowed = f"{allowed} {exc.currency}"
    if exc.kind == "stake":
        return f"This stake is above your stake limit of {allowed} per bet."
    what = "deposit" if exc.kind == "deposit" else "loss"
    verb = "deposit" if exc.kind == "deposit" else "stake"
    return (
        f"This would cross your {WINDOW_WORDS[exc.period]} {what} limit: "
        f"you may {verb} {allowed} more now."
    )
