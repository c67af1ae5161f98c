"""Timestamps: the database stores naive UTC datetimes; this is the one clock."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (as stored in every DateTime column)."""
    return datetime.now(UTC).replace(tzinfo=None)
