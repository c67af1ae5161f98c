"""The service's bet string, `event_type#match_ID|bet_code#odds` (seed 004), e.g.
`line#586464528|17|954|2.5#4.27`: parsed and checked before anything is sent."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

EVENT_TYPES = ("line", "live")
_MATCH_ID = re.compile(r"[0-9]{1,19}")
_CODE_PART = re.compile(r"[0-9A-Za-z.+-]{1,30}")
_ODDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,4})?")
MAX_ODDS = Decimal("100000")


class BadBetString(ValueError):
    """Not a bet string of the service's format; the message says what is wrong."""


@dataclass(frozen=True)
class BetString:
    event_type: str
    match_id: str
    bet_code: str  # pipe-separated, e.g. 17|954|2.5
    odds: str  # a decimal > 1, as written

    def __str__(self) -> str:
        return f"{self.event_type}#{self.match_id}|{self.bet_code}#{self.odds}"

    @property
    def odds_value(self) -> Decimal:
        return Decimal(self.odds)


def check_bet_code(code: object) -> str:
    if not isinstance(code, str) or not 0 < len(code) <= 100:
        raise BadBetString("a bet code is text of 1 to 100 characters")
    if not all(_CODE_PART.fullmatch(part) for part in code.split("|")):
        raise BadBetString(f"bet code {code!r}: pipe-separated parts of letters, digits, . + -")
    return code


def check_match_id(match_id: object) -> str:
    text = (
        str(match_id) if isinstance(match_id, int) and not isinstance(match_id, bool) else match_id
    )
    if not isinstance(text, str) or not _MATCH_ID.fullmatch(text):
        raise BadBetString(f"match id {match_id!r}: digits only")
    return text


def check_odds(odds: object) -> str:
    """Odds as exact decimal text, > 1 (at most 4 decimals)."""
    if not isinstance(odds, str) or not _ODDS.fullmatch(odds):
        raise BadBetString(f"odds {odds!r}: a decimal such as 4.27, as text")
    try:
        value = Decimal(odds)
    except InvalidOperation:  # pragma: no cover (the pattern admits only decimals)
        raise BadBetString(f"odds {odds!r}: not a number") from None
    if not 1 < value <= MAX_ODDS:
        raise BadBetString(f"odds {odds}: must be above 1 and at most {MAX_ODDS}")
    return odds


def parse(text: object) -> BetString:
    if not isinstance(text, str) or len(text) > 200:
        raise BadBetString("a bet string is text of at most 200 characters")
    event_type, sep, rest = text.partition("#")
    body, sep2, odds = rest.rpartition("#")
    if not sep or not sep2 or event_type not in EVENT_TYPES:
        raise BadBetString(f"{text!r}: expected event_type#match_ID|bet_code#odds (line or live)")
    match_id, bar, code = body.partition("|")
    if not bar:
        raise BadBetString(f"{text!r}: a bet code must follow the match id after |")
    return BetString(event_type, check_match_id(match_id), check_bet_code(code), check_odds(odds))
