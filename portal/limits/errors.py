"""Refusals of responsible gambling; each door says them in its own protocol."""

from datetime import datetime
from decimal import Decimal

from portal.errors import DomainError


class PlayRefused(DomainError):
    """The player may not play now: `reason` blocked | timed_out | self_excluded | closed |
    under_age | not_verified; `until` when an exclusion ends (None: not known)."""

    def __init__(self, reason: str, until: datetime | None = None):
        super().__init__(reason)
        self.reason, self.until = reason, until


class LimitReached(DomainError):
    """A stake or a deposit would cross a limit the player set: `kind` stake | loss | bets |
    deposit, `period` bet | day | week | month, `allowed` what may still be staked or
    deposited in the window (a Decimal of `currency`; a count for bets)."""

    def __init__(self, kind: str, period: str, allowed, currency: str | None = None):
        super().__init__(f"{kind} limit ({period})")
        self.kind, self.period, self.currency = kind, period, currency
        self.allowed: Decimal | int = allowed
