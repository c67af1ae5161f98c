"""How the player's pages say limits, exclusions, their history and refusals in words, in
the page's language (texts from the catalogs; times in the player's zone, amounts in the
locale). Refusals are said the same way by the bet slip, the cashier and the game pages
(`refusal_words`, `limit_words`). Outside a page (the CLI, a vendor door) they are English.
"""

import re
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal import i18n, money
from portal.i18n import N_
from portal.limits import operations, rules
from portal.limits.errors import LimitReached
from portal.timeutil import utcnow

KIND_WORDS = {
    rules.DEPOSIT: _l("Deposit limit"),
    rules.LOSS: _l("Loss limit"),
    rules.STAKE: _l("Stake limit"),
    rules.BETS: _l("Bet limit"),
    rules.SESSION: _l("Session time limit"),
}
PERIOD_WORDS = {
    "day": _l("per 24 hours"),
    "week": _l("per 7 days"),
    "month": _l("per 30 days"),
    rules.PER_BET: _l("per bet"),
    rules.PER_SESSION: _l("per session"),
}
DURATION_WORDS = {
    "24h": _l("24 hours"),
    "7d": _l("7 days"),
    "30d": _l("30 days"),
    "6w": _l("6 weeks"),
    "6m": _l("6 months"),
    "1y": _l("1 year"),
    "5y": _l("5 years"),
    "indefinite": _l("indefinitely"),
}
EXCLUSION_WORDS = {
    rules.TIMEOUT: _l("Time-out"),
    rules.SELF_EXCLUSION: _l("Self-exclusion"),
    rules.CLOSURE: _l("Account closed"),
}
ACTION_WORDS = {
    "set": _l("Set"),
    "lowered": _l("Lowered"),
    "raise-pending": _l("Raise asked"),
    "removal-pending": _l("Removal asked"),
    "reopen-asked": _l("Reopening asked"),
    "lifted": _l("Lifted"),
    **EXCLUSION_WORDS,
}
CONTINUE = _l("You can still withdraw your money.")


def when(moment: datetime | None) -> str:
    """A moment as the pages say it: the player's zone, the page's locale, no seconds."""
    return i18n.when(moment, "minutes") if moment else ""


def minutes(count: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", count)


def duration(total_minutes: int) -> str:
    """ "1 hour 5 minutes" ("5 minutes" under an hour)."""
    hours, rest = divmod(total_minutes, 60)
    if not hours:
        return minutes(rest)
    return _(
        "%(hours)s %(minutes)s",
        hours=ngettext("%(num)d hour", "%(num)d hours", hours),
        minutes=minutes(rest),
    )


def money_words(minor: int, currency: str) -> str:
    return f"{i18n.amount(minor, currency)} {currency}"


def shown(view: operations.LimitView, value) -> str:
    """A limit's value as the page says it: "1.234,50 EUR", "30 minutes", "5 bets"."""
    if value is None:
        return _("none")
    if view.kind in rules.MONEY_KINDS:
        return money_words(value, view.currency)
    if view.kind == rules.SESSION:
        return minutes(value)
    return ngettext("%(num)d bet", "%(num)d bets", value)


def limit_name(kind: str, period: str, currency: str = "") -> str:
    """ "Deposit limit per 24 hours (EUR)"."""
    name = _(
        "%(limit)s %(period)s",
        limit=KIND_WORDS.get(kind, kind),
        period=PERIOD_WORDS.get(period, period),
    )
    return f"{name} ({currency})" if currency else name


def pending(view: operations.LimitView) -> str:
    """What waits for its cooling-off: "Raises to 200.00 EUR on ..." ("" for nothing)."""
    if view.pending_at is None:
        return ""
    if view.pending_value is None:
        return _("Removed on %(when)s", when=when(view.pending_at))
    return _(
        "Raises to %(value)s on %(when)s",
        value=shown(view, view.pending_value),
        when=when(view.pending_at),
    )


def saved(view: operations.LimitView) -> str:
    """The flash after a limit is set: whether it applies now or when."""
    name = limit_name(view.kind, view.period, view.currency)
    if view.pending_at is None:
        return _("%(name)s: %(value)s, from now on.", name=name, value=shown(view, view.value))
    if view.pending_value is None:
        return _(
            "%(name)s is removed on %(when)s, after a 24-hour cooling-off; until then "
            "%(value)s applies.",
            name=name,
            when=when(view.pending_at),
            value=shown(view, view.value),
        )
    return _(
        "%(name)s rises to %(new)s on %(when)s, after a 24-hour cooling-off; until then "
        "%(value)s applies.",
        name=name,
        new=shown(view, view.pending_value),
        when=when(view.pending_at),
        value=shown(view, view.value),
    )


def exclusion_until(exclusion) -> str:
    """Until when an exclusion applies, in words (the page's "Until")."""
    if exclusion.reopen_at is not None:
        return _("%(when)s (you asked to reopen your account)", when=when(exclusion.reopen_at))
    if exclusion.kind == rules.CLOSURE:
        return _("until you ask to reopen your account")
    if exclusion.ends_at is None:
        return _("indefinite")
    if exclusion.kind == rules.SELF_EXCLUSION:
        if exclusion.ends_at <= utcnow():
            return _(
                "until you ask to come back (it ended on %(when)s)", when=when(exclusion.ends_at)
            )
        return _("%(when)s, then until you ask to come back", when=when(exclusion.ends_at))
    return when(exclusion.ends_at)


def restriction_notice(player) -> str:
    """Why an excluded player may not play, and until when (the login and the page say it)."""
    return f"{_restriction(player)} {CONTINUE}"


def _restriction(player) -> str:
    exclusion = operations.current_exclusion(player)
    if exclusion is None:
        return _("Your account is closed to play for now.")
    if exclusion.reopen_at is not None:
        return _("Your account reopens on %(when)s.", when=when(exclusion.reopen_at))
    if exclusion.kind == rules.TIMEOUT:
        return _("You are taking a time-out until %(when)s.", when=when(exclusion.ends_at))
    if exclusion.kind == rules.CLOSURE:
        return _(
            "You have closed your account. You can ask to reopen it: it reopens 24 hours "
            "after you ask."
        )
    if exclusion.ends_at is None:
        return _("You are self-excluded indefinitely.")
    if exclusion.ends_at > utcnow():
        return _("You are self-excluded until %(when)s.", when=when(exclusion.ends_at))
    return _(
        "Your self-exclusion ended on %(when)s. Your account reopens 24 hours after you ask "
        "to reopen it.",
        when=when(exclusion.ends_at),
    )


def change_subject(change) -> str:
    """A history row's subject: "Deposit limit per 24 hours (EUR)" or "Exclusion"."""
    parts = change.subject.split()
    if parts and parts[0] in KIND_WORDS:
        return limit_name(*parts)
    return _("Exclusion") if parts and parts[0] == "exclusion" else change.subject


def change_value(value: str | None) -> str:
    """A history row's value, stored as the core says it ("none", "5 bets", "30 minutes",
    "2000.00 EUR", "24h", "timeout"), in the page's language."""
    if value is None:
        return ""
    if value in DURATION_WORDS or value in EXCLUSION_WORDS:
        return str(DURATION_WORDS.get(value) or EXCLUSION_WORDS[value])
    if value == "none":
        return _("none")
    if found := _STORED_COUNT.fullmatch(value):
        count = int(found[1])
        if found[2].startswith("minute"):
            return minutes(count)
        return ngettext("%(num)d bet", "%(num)d bets", count)
    if found := _STORED_MONEY.fullmatch(value):
        return f"{i18n.amount(Decimal(found[1]))} {found[2]}"
    return value


_STORED_COUNT = re.compile(r"(\d+) (minutes?|bets?)")
_STORED_MONEY = re.compile(r"(\d+(?:\.\d+)?) ([A-Z]{3,5})")


def actor(name: str) -> str:
    return _("You") if name == operations.PLAYER else _("Our support team")


# --- refusals -------------------------------------------------------------------------------

REFUSAL_WORDS = {
    "blocked": N_("Your account may not play just now. Please contact support."),
    "closed": N_("Your account is closed at your request."),
    "under_age": N_("You must be 18 or older to play."),
    "not_verified": N_("Please verify your account before you play."),
}


def refusal_words(reason: str, until=None) -> str:
    if reason == "timed_out":
        if until is not None:
            return _("You are taking a time-out until %(when)s.", when=when(until))
        return _("You are taking a time-out.")
    if reason == "self_excluded":
        if until is not None:
            return _("You have excluded yourself from play until %(when)s.", when=when(until))
        return _("You have excluded yourself from play; your account reopens only when you ask.")
    return _(REFUSAL_WORDS.get(reason, REFUSAL_WORDS["blocked"]))


# A limit's period in the refusals' sentences (one sentence per period: the words around a
# "24-hour" differ between languages).
BETS_REACHED = {
    "day": N_("You have reached your 24-hour limit on the number of bets."),
    "week": N_("You have reached your 7-day limit on the number of bets."),
    "month": N_("You have reached your 30-day limit on the number of bets."),
}
DEPOSIT_CROSSED = {
    "day": N_("This would cross your 24-hour deposit limit: you may deposit %(amount)s more now."),
    "week": N_("This would cross your 7-day deposit limit: you may deposit %(amount)s more now."),
    "month": N_("This would cross your 30-day deposit limit: you may deposit %(amount)s more now."),
}
LOSS_CROSSED = {
    "day": N_("This would cross your 24-hour loss limit: you may stake %(amount)s more now."),
    "week": N_("This would cross your 7-day loss limit: you may stake %(amount)s more now."),
    "month": N_("This would cross your 30-day loss limit: you may stake %(amount)s more now."),
}
DEPOSIT_ROOM = {
    "day": N_("Your 24-hour deposit limit allows %(amount)s more now."),
    "week": N_("Your 7-day deposit limit allows %(amount)s more now."),
    "month": N_("Your 30-day deposit limit allows %(amount)s more now."),
}


def limit_words(exc: LimitReached) -> str:
    if exc.kind == "bets":
        return _(BETS_REACHED[exc.period])
    allowed = money_words(money.to_minor(exc.allowed, exc.currency), exc.currency)
    if exc.kind == "stake":
        return _("This stake is above your stake limit of %(amount)s per bet.", amount=allowed)
    crossed = DEPOSIT_CROSSED if exc.kind == "deposit" else LOSS_CROSSED
    return _(crossed[exc.period], amount=allowed)


def deposit_room(period: str, allowed: str) -> str:
    """The cashier's hint: what the deposit limit of this period still allows."""
    return _(DEPOSIT_ROOM[period], amount=allowed)
