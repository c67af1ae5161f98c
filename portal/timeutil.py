"""Timestamps: the database stores naive UTC datetimes; this is the one clock.

Tests move it (`travel`) to cross rolling windows and cooling-off periods without waiting;
every timestamp the portal writes or compares comes from `utcnow`."""

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (as stored in every DateTime column)."""
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def travel(delta: timedelta) -> None:
    """Move this process's clock by `delta` (tests only: rolling windows, cooling-off)."""
    global _offset
    _offset += delta


def offset() -> timedelta:
    """How far tests have moved the clock (zero in production)."""
    return _offset


def reset_clock() -> None:
    global _offset
    _offset = timedelta(0)
