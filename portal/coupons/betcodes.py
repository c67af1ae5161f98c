"""Bet strings of the bet calculation service (seed 004): ``event_type#match_ID|bet_code#odds``.

    line#586464528|17|954|2.5#4.27      a pre-match bet on match 586464528, code 17|954|2.5
    live#579216393|1|1|0#2.1            a live bet

- ``event_type``: ``line`` (pre-match) or ``live``.
- ``match_ID``: ASCII digits, a positive integer that fits a 64-bit column.
- ``bet_code``: 1 to 10 pipe-separated parts, each an ASCII decimal number with an optional
  minus sign (a handicap such as ``-1.5``), at most 20 characters. Parts are codes, kept as
  written (``2.5`` and ``2.50`` are different codes).
- ``odds``: an ASCII decimal greater than 1, at most 10^6, with at most 4 decimals; no sign,
  no exponent, no float.

Nothing else is accepted: no whitespace, no other digits than 0-9, at most 200 characters.
``parse_bet`` returns a frozen ``Bet``; ``format_bet`` writes it back (the odds as they were
written, so a parsed string formats to itself when it was written canonically).
Every refusal is a ``BetCodeError`` (a ValueError) carrying the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

EVENT_TYPES = ("line", "live")
MAX_LENGTH = 200
MAX_MATCH_ID = 2**63 - 1
MAX_PARTS = 10
MAX_PART_LENGTH = 20
MAX_ODDS = Decimal(10**6)
ODDS_DECIMALS = 4

_MATCH_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
_PART = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_ODDS = re.compile(r"[0-9]{1,7}(\.[0-9]{1,4})?", re.ASCII)


class BetCodeError(ValueError):
    """A bet string (or Bet) that is not what the service accepts; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Bet:
    event_type: str
    match_id: int
    code: tuple[str, ...]
    odds: Decimal

    def __post_init__(self):
        if self.event_type not in EVENT_TYPES:
            raise BetCodeError(f"event type must be line or live, not {self.event_type!r}")
        if type(self.match_id) is not int or not 0 < self.match_id <= MAX_MATCH_ID:
            raise BetCodeError("match id must be a positive 64-bit integer")
        _check_code(self.code)
        _check_odds(self.odds)

    @property
    def is_live(self) -> bool:
        return self.event_type == "live"


def _check_code(code) -> None:
    if not isinstance(code, tuple) or not 0 < len(code) <= MAX_PARTS:
        raise BetCodeError(f"the bet code needs 1 to {MAX_PARTS} parts")
    for part in code:
        if not isinstance(part, str) or len(part) > MAX_PART_LENGTH:
            raise BetCodeError(f"a bet code part has at most {MAX_PART_LENGTH} characters")
        if not _PART.fullmatch(part):
            raise BetCodeError(f"a bet code part must be a decimal number, not {part!r}")


def _check_odds(odds) -> None:
    if not isinstance(odds, Decimal) or not odds.is_finite():
        raise BetCodeError("odds must be a finite Decimal")
    if odds.as_tuple().exponent < -ODDS_DECIMALS:
        raise BetCodeError(f"odds have at most {ODDS_DECIMALS} decimals")
    if not 1 < odds <= MAX_ODDS:
        raise BetCodeError(f"odds must be greater than 1 and at most {MAX_ODDS}")


def parse_bet(text) -> Bet:
    """The Bet of a bet string; BetCodeError with the reason otherwise."""
    if not isinstance(text, str):
        raise BetCodeError("a bet must be a string")
    if len(text) > MAX_LENGTH:
        raise BetCodeError(f"a bet has at most {MAX_LENGTH} characters")
    sections = text.split("#")
    if len(sections) != 3:
        raise BetCodeError("a bet is event_type#match_ID|bet_code#odds")
    event_type, selection, odds = sections
    if event_type not in EVENT_TYPES:
        raise BetCodeError(f"event type must be line or live, not {event_type!r}")
    match_id, *code = selection.split("|")
    if not _MATCH_ID.fullmatch(match_id):
        raise BetCodeError(f"match id must be ASCII digits, not {match_id!r}")
    if not _ODDS.fullmatch(odds):
        raise BetCodeError(f"odds must be a plain decimal number, not {odds!r}")
    return Bet(event_type, int(match_id), tuple(code), Decimal(odds))


def format_bet(bet: Bet) -> str:
    """The bet string of a Bet."""
    return f"{bet.event_type}#{bet.match_id}|{'|'.join(bet.code)}#{format(bet.odds, 'f')}"
