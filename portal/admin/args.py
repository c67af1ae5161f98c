"""Reading the admin pages' query and form values: numbers and days. Whatever an operator
types (or a link carries) becomes a value or None ("no such filter"), never a 500 and never
a number the database cannot hold."""

from datetime import datetime, timedelta

from flask import request

MAX_ID = 2**31 - 1  # our tables' ids
MAX_BIG = 2**63 - 1  # 64-bit vendor ids (BETCORE's BetId)


def number(text: str | None, *, limit: int = MAX_ID) -> int | None:
    """A whole number 0..limit written in ASCII digits (not '²', not '1e3'), else None."""
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if value <= limit else None


def arg_number(name: str, *, limit: int = MAX_ID) -> int | None:
    return number(request.args.get(name), limit=limit)


def day(name: str) -> datetime | None:
    """The query's YYYY-MM-DD `name` as the start of that day, else None (years to 9998,
    so the day after it exists too)."""
    try:
        found = datetime.strptime(request.args.get(name, "").strip(), "%Y-%m-%d")
    except ValueError:
        return None
    return found if found.year < 9999 else None


def day_after(start: datetime) -> datetime:
    return start + timedelta(days=1)
