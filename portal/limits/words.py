"""What the player reads when responsible gambling refuses something (pages, coupons,
cashier): one sentence per refusal, with the amount still allowed."""

from portal import money
from portal.limits.errors import LimitReached

PERIOD_WORDS = {"day": "24-hour", "week": "7-day", "month": "30-day"}
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
        return f"You have reached your {PERIOD_WORDS[exc.period]} limit on the number of bets."
    allowed = f"{money.format_amount(money.to_minor(exc.allowed, exc.currency), exc.currency)}"
    allowed = f"{allowed} {exc.currency}"
    if exc.kind == "stake":
        return f"This stake is above your stake limit of {allowed} per bet."
    what = "deposit" if exc.kind == "deposit" else "loss"
    verb = "deposit" if exc.kind == "deposit" else "stake"
    return (
        f"This would cross your {PERIOD_WORDS[exc.period]} {what} limit: "
        f"you may {verb} {allowed} more now."
    )
