"""The rules of responsible gambling, as pure functions: kinds, periods and durations of
limits and exclusions, a limit's value at a time, and who may play now.

Doors call `play_refusal` with the player's row (they read it anyway); the wallet and the
cashier enforce limits through `portal.limits.checks`."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

COOLING_OFF = timedelta(hours=24)  # before a raise, a removal or a reopening applies
ADULT_AGE = 18

DEPOSIT, LOSS, STAKE, BETS, SESSION = "deposit", "loss", "stake", "bets", "session"
KINDS = (DEPOSIT, LOSS, STAKE, BETS, SESSION)
MONEY_KINDS = (DEPOSIT, LOSS, STAKE)
STAKE_KINDS = (LOSS, STAKE, BETS)  # what a stake is checked against
PERIODS = {"day": timedelta(hours=24), "week": timedelta(days=7), "month": timedelta(days=30)}
PER_BET, PER_SESSION = "bet", "session"  # the period of a stake limit, of a session limit


def periods_of(kind: str) -> tuple[str, ...]:
    if kind == STAKE:
        return (PER_BET,)
    if kind == SESSION:
        return (PER_SESSION,)
    return tuple(PERIODS)


TIMEOUT, SELF_EXCLUSION, CLOSURE = "timeout", "self-exclusion", "closure"
DURATIONS = {
    TIMEOUT: {
        "24h": timedelta(hours=24),
        "7d": timedelta(days=7),
        "30d": timedelta(days=30),
        "6w": timedelta(weeks=6),
    },
    SELF_EXCLUSION: {
        "6m": timedelta(days=183),
        "1y": timedelta(days=365),
        "5y": timedelta(days=5 * 365 + 1),
        "indefinite": None,
    },
}
# The player's status while an exclusion of each kind applies.
STATUS_OF = {TIMEOUT: "timed_out", SELF_EXCLUSION: "self_excluded", CLOSURE: "closed"}
EXCLUDED_STATUSES = frozenset(STATUS_OF.values())


def effective(value, pending_value, pending_at, now: datetime):
    """A limit's value at `now` (None: no limit): a pending raise or removal applies once
    its cooling-off is over."""
    if pending_at is not None and pending_at <= now:
        return pending_value
    return value


def is_raise(current, new) -> bool:
    """A raise or a removal (waits for the cooling-off); a first limit or a lower one applies
    at once."""
    return current is not None and (new is None or new > current)


def excluded(status: str | None, excluded_until: datetime | None, now: datetime) -> bool:
    """The player is timed out, self-excluded or closed now (`excluded_until` None: until an
    operator or the player's reopening says otherwise)."""
    if status not in EXCLUDED_STATUSES:
        return False
    return excluded_until is None or now < excluded_until


def player_excluded(player, now: datetime) -> bool:
    """`excluded` for a loaded Player."""
    return excluded(player.status, player.excluded_until, now)


def age_on(birthdate: date, today: date) -> int:
    years = today.year - birthdate.year
    return years - ((today.month, today.day) < (birthdate.month, birthdate.day))


@dataclass(frozen=True)
class Refusal:
    """Why a player may not play now: blocked | timed_out | self_excluded | closed |
    under_age | not_verified, and until when (None: not known or indefinite)."""

    reason: str
    until: datetime | None = None


def play_refusal(
    *,
    status: str | None,
    excluded_until: datetime | None,
    birthdate: date | None,
    must_verify: bool,
    verified_at: datetime | None,
    now: datetime,
) -> Refusal | None:
    """Why this player may not stake or open a game now, or None. Wins, refunds and
    settlements are never asked this."""
    if status == "blocked":
        return Refusal("blocked")
    if excluded(status, excluded_until, now):
        return Refusal(status, excluded_until)
    if birthdate is not None and age_on(birthdate, now.date()) < ADULT_AGE:
        return Refusal("under_age")
    if must_verify and verified_at is None:
        return Refusal("not_verified")
    return None


def refusal_of_row(row, now: datetime) -> Refusal | None:
    """play_refusal for a row a door read with the player (columns status, excluded_until,
    birthdate, email_verified_at and the brand's require_verified_email)."""
    return play_refusal(
        status=row.status,
        excluded_until=row.excluded_until,
        birthdate=row.birthdate,
        must_verify=row.require_verified_email,
        verified_at=row.email_verified_at,
        now=now,
    )


def refusal_of(player, now: datetime) -> Refusal | None:
    """play_refusal for a loaded Player."""
    return play_refusal(
        status=player.status,
        excluded_until=player.excluded_until,
        birthdate=player.birthdate,
        must_verify=player.brand.require_verified_email,
        verified_at=player.email_verified_at,
        now=now,
    )
