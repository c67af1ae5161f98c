"""The password policy in words for the pages (portal/accounts/passwords.py holds the rules).

The core reports seed 002's codes, and the gateway answers with them as the seed names
them; their texts (portal/messages.py) were written for sites that show one code at a
time, so `password_short` repeats every rule. A page shows each broken rule once, in a
sentence of its own (`broken_rule`), and states the rules before the player types
(`stated_rules`)."""

from flask_babel import gettext as _

from portal.accounts.passwords import MIN_DISTINCT, MIN_LENGTH


def broken_rule(code: str, max_length: int) -> str | None:
    """The page's sentence for a broken password rule; None for another code."""
    if code == "password_short":
        return _("The password must have at least %(num)d characters.", num=MIN_LENGTH)
    if code == "password_long":
        return _("The password can have at most %(num)d characters.", num=max_length)
    if code == "password_match_user_name":
        return _("The password must not be your email address or login name.")
    if code == "password_same_letters":
        return _(
            "The password must contain at least %(num)d different characters.", num=MIN_DISTINCT
        )
    if code == "password_mix_characters":
        return _("The password must contain both letters and digits.")
    return None


def stated_rules(max_length: int) -> list[str]:
    """The rules a new password must keep, as a page lists them next to the field."""
    return [
        _("%(min)d to %(max)d characters", min=MIN_LENGTH, max=max_length),
        _("letters and digits"),
        _("at least %(num)d different characters", num=MIN_DISTINCT),
        _("not your email address or login name"),
    ]
