"""The CRM feeds as seed 003 describes them, and a reader that polls them as InTarget does.

`SPECS` holds, per feed, the seed's columns in order with the JSON type each value must
have, the column that identifies a row and the row's modification time (None where the
seed gives none: sports-tournaments). `Reader` asks for a window in CSV and in JSON,
checks the CSV against RFC 4180 (header row, CRLF line ends, quoting) and the JSON as an
array of objects with exactly those columns, checks that both carry the same values, and
gives the rows as parsed JSON (amounts as Decimal)."""

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

PASSWORD = "crm-feed-password"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"crm:{PASSWORD}".encode()).decode()}
TIME = "%Y-%m-%d %H:%M:%S"

T, TIME_, DATE, BOOL, FLAG, INT, DEC = "text", "time", "date", "bool", "flag", "int", "decimal"


@dataclass(frozen=True)
class Spec:
    columns: tuple[tuple[str, str], ...]
    key: str = "id"
    stamp: str | None = "modified_at"  # the modification time InTarget selects by

    @property
    def names(self) -> list[str]:
        return [name for name, _kind in self.columns]


_BET_STATUSES = {
    "accepted", "declined", "force_decline", "rolled_back", "unsettled", "place_error",
    "created", "arbitrage_accepted", "placed", "win", "lost", "cashout",
}  # fmt: skip
_ODDS_STATUSES = {
    "win", "not_resulted", "running", "refunded", "lost", "half_win", "cancelled",
    "rejected", "half_loss",
}  # fmt: skip
_EVENT_STATUSES = {
    "not_started", "abandoned", "suspended", "live", "ended", "closed", "delayed",
    "cancelled", "unknown", "prematch",
}  # fmt: skip
# seed 003's value sets: (feed, column) -> the values allowed
VALUE_SETS = {
    ("transactions", "type"): {"normal", "prize", "compensation", "cashback", "fake", "other"},
    ("transactions", "status"): {"New", "Process", "Success", "Fail"},
    ("transactions", "dir"): {"In", "Out"},
    ("wallets", "type"): {"normal", "prize", "other"},
    ("sports-bets", "status"): _BET_STATUSES,
    ("sports-odds", "status"): _ODDS_STATUSES,
    ("sports-events", "status"): _EVENT_STATUSES,
    ("sports-events", "type"): {"match", "outright"},
}

_PLAYER = (
    ("id", T), ("first_name", T), ("last_name", T), ("gender", T), ("country", T),
    ("city", T), ("ip", T), ("locale", T), ("timezone", T), ("birthday", DATE),
    ("registered_at", TIME_), ("ref_code", T), ("traffic_source", T), ("user_agent", T),
    ("modified_at", TIME_), ("is_blocked", BOOL), ("status", T), ("self_excluded", BOOL),
)  # fmt: skip
SPECS = {
    "players": Spec(_PLAYER),
    "contacts": Spec(
        (("player_id", T), ("email", T), ("email_confirmed_at", TIME_), ("email_subscribe", BOOL),
         ("phone", T), ("phone_subscribe", BOOL), ("phone_confirmed_at", TIME_),
         ("push_token", T), ("created_at", TIME_), ("modified_at", TIME_)),
        key="player_id",
    ),
    "transactions": Spec(
        (("id", T), ("player_id", T), ("amount", DEC), ("currency", T), ("type", T),
         ("status", T), ("payment_system", T), ("dir", T), ("ref_code", T),
         ("created_at", TIME_), ("updated_at", TIME_), ("wallet_id", T), ("requisite", T),
         ("comment", T)),
        stamp="updated_at",
    ),
    "logins": Spec(
        (("id", T), ("player_id", T), ("ip", T), ("created_at", TIME_), ("ref_code", T),
         ("traffic_source", T), ("user_agent", T), ("host", T), ("is_success", BOOL)),
        stamp="created_at",
    ),
    "auto-logins": Spec(
        (("id", T), ("player_id", T), ("login_token", T), ("updated_at", TIME_)),
        key="player_id",
        stamp="updated_at",
    ),
    "wallets": Spec(
        (("id", T), ("player_id", T), ("type", T), ("balance", DEC), ("currency", T),
         ("created_at", TIME_), ("modified_at", TIME_)),
    ),
    "bonus-assignments": Spec(
        (("id", T), ("player_id", T), ("bonus_id", T), ("end_date", TIME_),
         ("created_at", TIME_), ("modified_at", TIME_), ("active", FLAG), ("used", FLAG)),
    ),
    "bonuses": Spec((("id", T), ("name", T), ("created_at", TIME_), ("modified_at", TIME_))),
    "casino-game-activity": Spec(
        (("player_id", T), ("session_id", T), ("game_code", INT), ("game_name", T),
         ("currency", T), ("bet_count", INT), ("win_count", INT), ("bet_amount", DEC),
         ("win_amount", DEC), ("created_at", TIME_), ("updated_at", TIME_),
         ("game_vendor", T), ("balance_type", T), ("ip", T), ("user_agent", T),
         ("ref_code", T)),
        key="session_id",
        stamp="updated_at",
    ),
    "sports-tournaments": Spec(
        (("id", T), ("name", T), ("sport_id", T), ("sport_name", T), ("country_code", T),
         ("start_date", TIME_), ("end_date", TIME_)),
        stamp=None,
    ),
    "sports-events": Spec(
        (("id", T), ("tournament_id", T), ("title", T), ("status", T), ("start_date", TIME_),
         ("updated_at", TIME_), ("type", T)),
        stamp="updated_at",
    ),
    "sports-bets": Spec(
        (("id", T), ("player_id", T), ("status", T), ("type", T), ("stake", DEC),
         ("win_amount", DEC), ("currency", T), ("ref_code", T), ("created_at", TIME_),
         ("modified_at", TIME_)),
    ),
    "sports-odds": Spec(
        (("id", T), ("bet_id", T), ("event_id", T), ("ratio", DEC), ("status", T),
         ("market", T), ("created_at", TIME_), ("updated_at", TIME_)),
        stamp="updated_at",
    ),
}  # fmt: skip
CUSTOM_COLUMN = re.compile(r"custom_(str|int)_(.+)")  # players: seed 002's custom fields


def text_of(moment: datetime) -> str:
    """A time as the feeds write it: UTC, to the second (fractions cut)."""
    return moment.strftime(TIME)


def query_time(moment: datetime, space: str = "+") -> str:
    return text_of(moment).replace(" ", space)


class Reader:
    """Reads one feed's windows, in both formats, checking both (see the module)."""

    def __init__(self, client, feed: str):
        self.client, self.feed, self.spec = client, feed, SPECS[feed]

    def rows(self, start: datetime, end: datetime) -> list[dict]:
        as_csv = self._csv(start, end)
        as_json = self._json(start, end)
        assert as_csv == [[_csv_text(v) for v in row.values()] for row in as_json], self.feed
        for row in as_json:
            self._check_values(row)
        return as_json

    def _get(self, start, end, suffix: str, space: str):
        url = f"/crm/{self.feed}?from={query_time(start, space)}&to={query_time(end, space)}"
        response = self.client.get(url + suffix, headers=AUTH)
        assert response.status_code == 200, (self.feed, response.status_code, response.data)
        return response

    def csv_body(self, start, end) -> str:
        response = self._get(start, end, "", "+")  # spaces as + here, as %20 in JSON
        assert response.mimetype == "text/csv", response.mimetype
        return response.get_data(as_text=True)

    def _csv(self, start, end) -> list[list[str]]:
        body = self.csv_body(start, end)
        check_rfc4180(body)
        header, *records = list(csv.reader(io.StringIO(body, newline=""), strict=True))
        self._check_header(header)
        assert all(len(record) == len(header) for record in records), self.feed
        return records

    def _json(self, start, end) -> list[dict]:
        response = self._get(start, end, "&format=json", "%20")
        assert response.mimetype == "application/json", response.mimetype
        rows = json.loads(response.get_data(as_text=True), parse_float=Decimal)
        assert isinstance(rows, list), self.feed
        for row in rows:
            assert isinstance(row, dict), row
            self._check_header(list(row))
        return rows

    def _check_header(self, names: list[str]) -> None:
        own = len(self.spec.columns)
        assert names[:own] == self.spec.names, (self.feed, names)
        extra = names[own:]
        if self.feed == "players":
            assert all(CUSTOM_COLUMN.fullmatch(name) for name in extra), extra
            assert len(set(extra)) == len(extra), extra
        else:
            assert extra == [], (self.feed, extra)

    def _check_values(self, row: dict) -> None:
        kinds = dict(self.spec.columns)
        for name, value in row.items():
            if name not in kinds:  # a custom field: seed 002's string or integer
                custom = CUSTOM_COLUMN.fullmatch(name).group(1)
                kind = T if custom == "str" else INT
            else:
                kind = kinds[name]
            assert typed(kind, value), (self.feed, name, kind, value)
            allowed = VALUE_SETS.get((self.feed, name))
            assert allowed is None or value in allowed, (self.feed, name, value)


def typed(kind: str, value) -> bool:
    """Whether a JSON value has the column's type (None: an empty optional field)."""
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == FLAG:
        return type(value) is int and value in (0, 1)
    if value is None:
        return True
    if kind == T:
        return isinstance(value, str)
    if kind == TIME_:
        return isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value)
    if kind == DATE:
        return isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value)
    if kind == INT:
        return type(value) is int
    if kind == DEC:
        return isinstance(value, Decimal) and value.is_finite()
    raise AssertionError(f"unknown kind {kind}")


def _csv_text(value) -> str:
    """What a JSON value is in the CSV: empty for null, true/false, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_rfc4180(body: str) -> None:
    """Walk the body by RFC 4180's grammar: records end with CRLF (the last one too), a
    field is either plain (no quote, comma, CR or LF) or quoted with inner quotes doubled
    (then it may hold commas and line breaks)."""
    assert body.endswith("\r\n"), "the last record ends with CRLF"
    state, i = "start", 0  # start of a field | plain | quoted | a quote inside quoted
    while i < len(body):
        char = body[i]
        if state == "quoted":
            state = "quote" if char == '"' else "quoted"
        elif char == "," and state != "quoted":
            state = "start"
        elif char == "\r" and state in ("start", "plain", "quote"):
            assert body[i + 1 : i + 2] == "\n", f"a CR without LF at {i}"
            i, state = i + 1, "start"
        elif state == "quote":
            assert char == '"', f"text after a closing quote at {i}: {body[i - 20 : i + 20]!r}"
            state = "quoted"
        elif state == "start" and char == '"':
            state = "quoted"
        else:
            assert char not in '"\n', f"{char!r} in a plain field at {i}: {body[i - 20 : i + 20]!r}"
            state = "plain"
        i += 1
    assert state == "start", "the body ends inside a field"


# --- windows --------------------------------------------------------------------------------

A = datetime(2026, 3, 1, 10, 0, 0)  # past instants: the settle wait answers at once
HOUR, TICK = timedelta(hours=1), timedelta(microseconds=1)
BORDERS = [A + n * HOUR for n in range(5)]  # A, B, C, D, E
WINDOWS = list(zip(BORDERS, BORDERS[1:], strict=False))  # [A,B) [B,C) [C,D) [D,E)
_, B, C, D, _ = BORDERS
# (stamp, the window it belongs to): on both sides of each border and exactly on it;
# A - 1 s is in none of them, D (the `to` of the third) in the fourth
SLOTS = [
    (A - timedelta(seconds=1), None),
    (A, 0),
    (B - TICK, 0),
    (B, 1),
    (C, 2),
    (D - TICK, 2),
    (D, 3),
]
EXTRA_SLOT = (C + timedelta(minutes=30), 2)  # for a scenario's items beyond the seven


def current_window(before: datetime, after: datetime) -> tuple[datetime, datetime]:
    """The window a poller asks for around now: from the minute before `before`'s (rounded
    down) to the second after `after` (rounded up)."""
    start = before.replace(second=0, microsecond=0) - timedelta(minutes=1)
    end = (after + timedelta(seconds=1)).replace(microsecond=0) + timedelta(seconds=1)
    return start, end
