"""The query of a feed request: a half-open window [from, to) in UTC and a format."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.crm.errors import FeedError

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
FORMATS = ("csv", "json")
PARAMETERS = ("from", "to", "format")
# exactly YYYY-MM-DD HH:MM:SS in ASCII digits (strptime alone also takes one-digit fields,
# runs of spaces and other scripts' digits)
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive
    end: datetime  # exclusive


def parse(args, max_hours: int) -> tuple[Window, str]:
    """The window and format of a query string (Werkzeug's MultiDict, `+` already a
    space); FeedError(400) naming the first thing that is wrong."""
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        name = unknown[0][:40]
        raise FeedError(400, f"unknown parameter {name!r} (allowed: from, to, format)")
    for name in PARAMETERS:
        if len(args.getlist(name)) > 1:
            raise FeedError(400, f"parameter {name!r} is given more than once")
    start, end = _moment(args, "from"), _moment(args, "to")
    if start >= end:
        raise FeedError(400, "'from' must be earlier than 'to'")
    if end - start > timedelta(hours=max_hours):
        raise FeedError(400, f"the window from 'from' to 'to' is longer than {max_hours} hours")
    format_ = args.get("format", "csv")
    if format_ not in FORMATS:
        raise FeedError(400, f"unknown format {format_[:40]!r} (csv or json)")
    return Window(start, end), format_


def _moment(args, name: str) -> datetime:
    value = args.get(name)
    if value is None or value == "":
        raise FeedError(400, f"parameter {name!r} is missing (UTC, YYYY-MM-DD HH:MM:SS)")
    try:
        if not _MOMENT.fullmatch(value):
            raise ValueError
        return datetime.strptime(value, TIME_FORMAT)  # and a real date and time of day
    except ValueError:
        raise FeedError(
            400, f"parameter {name!r} is not a UTC time as YYYY-MM-DD HH:MM:SS: {value[:40]!r}"
        ) from None
