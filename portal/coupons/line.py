"""The line offered on the bet slip: loaded from an operator's file (JSON or CSV), each
file replacing the offer of the matches it names (see the README for both formats)."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from portal.coupons import betstrings
from portal.coupons.models import LineEvent, LineOutcome
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow

CSV_COLUMNS = (
    "event_type",
    "match_id",
    "sport",
    "tournament",
    "title",
    "start",
    "market",
    "outcome",
    "bet_code",
    "odds",
)
START_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_EVENTS = 10_000


class LineFileError(DomainError):
    """The file cannot be loaded; `problems` says where and why (nothing was loaded)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:20]))
        self.problems = problems


@dataclass
class _Outcome:
    market: str
    name: str
    bet_code: str
    odds: str


@dataclass
class _Event:
    event_type: str
    match_id: str
    sport: str
    tournament: str
    title: str
    start_at: datetime
    outcomes: list[_Outcome] = field(default_factory=list)


def parse(content: str, filename: str = "") -> list[_Event]:
    """The events of a line file: JSON when it starts with `[`, else CSV with a header."""
    text = content.lstrip("\ufeff")
    try:
        if text.lstrip().startswith("[") or filename.endswith(".json"):
            return _from_json(text)
        return _from_csv(text)
    except RecursionError:
        raise LineFileError(["the file is nested too deeply"]) from None
    except csv.Error as exc:
        raise LineFileError([f"not readable as CSV: {exc}"]) from None


def load(events: list[_Event]) -> tuple[int, int]:
    """Replace the offer of these matches (one unit of work: the caller commits)."""
    for event in events:
        db.session.execute(
            delete(LineEvent).where(
                LineEvent.event_type == event.event_type, LineEvent.match_id == event.match_id
            )
        )
    db.session.flush()
    for event in events:
        row = LineEvent(
            event_type=event.event_type,
            match_id=event.match_id,
            sport=event.sport,
            tournament=event.tournament,
            title=event.title,
            start_at=event.start_at,
        )
        row.outcomes = [
            LineOutcome(position=i, market=o.market, name=o.name, bet_code=o.bet_code, odds=o.odds)
            for i, o in enumerate(event.outcomes)
        ]
        db.session.add(row)
    db.session.flush()
    return len(events), sum(len(e.outcomes) for e in events)


def _open_now():
    """Offered: live matches, and pre-match ("line") ones that have not started."""
    return or_(LineEvent.event_type == "live", LineEvent.start_at > utcnow())


def offered() -> list[LineEvent]:
    """The events on the slip, soonest first (live ones and those not started)."""
    statement = select(LineEvent).where(_open_now()).order_by(LineEvent.start_at, LineEvent.id)
    return list(db.session.scalars(statement))


def outcome_of(bet: betstrings.BetString) -> tuple[LineEvent, LineOutcome] | None:
    """The offered outcome a bet string names (whatever odds it carries); None when it is
    not on the line or its pre-match event has started."""
    row = db.session.execute(
        select(LineEvent, LineOutcome)
        .join(LineOutcome, LineOutcome.event_id == LineEvent.id)
        .where(
            LineEvent.event_type == bet.event_type,
            LineEvent.match_id == bet.match_id,
            LineOutcome.bet_code == bet.bet_code,
            _open_now(),
        )
    ).first()
    return (row[0], row[1]) if row else None


def take_service_odds(selections, changed: list) -> None:
    """The service said these odds changed (its `changed` list: gid = match id, rg = the
    odds now): the slip offers them from now on, so the player can place again at them."""
    now = {str(c.get("gid")): c.get("rg") for c in changed if isinstance(c, dict)}
    for selection in selections:
        odds = now.get(selection.match_id)
        try:
            odds = betstrings.check_odds(str(odds)) if odds is not None else None
        except betstrings.BadBetString:
            continue
        if odds is None:
            continue
        db.session.execute(
            update(LineOutcome)
            .where(
                LineOutcome.bet_code == selection.bet_code,
                LineOutcome.event_id.in_(
                    select(LineEvent.id).where(
                        LineEvent.event_type == selection.event_type,
                        LineEvent.match_id == selection.match_id,
                    )
                ),
            )
            .values(odds=odds)
        )


# Matches of the demo line: (event_type, match id, sport, tournament, title, hours from now,
# [(market, [(outcome, bet code, odds)])]); bet codes in the service's market|outcome|value form.
_DEMO = (
    (
        "line",
        "586464528",
        "Football",
        "Premier League",
        "Arsenal - Chelsea",
        26,
        [
            (
                "1X2",
                [
                    ("Arsenal", "1|1|0", "2.10"),
                    ("Draw", "1|2|0", "3.40"),
                    ("Chelsea", "1|3|0", "3.60"),
                ],
            ),
            (
                "Total goals",
                [("Over 2.5", "17|954|2.5", "1.85"), ("Under 2.5", "17|955|2.5", "1.95")],
            ),
        ],
    ),
    (
        "line",
        "586464533",
        "Football",
        "LaLiga",
        "Real Madrid - Sevilla",
        50,
        [
            (
                "1X2",
                [
                    ("Real Madrid", "1|1|0", "1.45"),
                    ("Draw", "1|2|0", "4.50"),
                    ("Sevilla", "1|3|0", "7.00"),
                ],
            )
        ],
    ),
    (
        "live",
        "579216393",
        "Tennis",
        "ATP Finals",
        "Sinner - Alcaraz",
        0,
        [("Winner", [("Sinner", "1|1|0", "1.90"), ("Alcaraz", "1|3|0", "1.90")])],
    ),
)


def demo_events(now: datetime) -> list[_Event]:
    """The demo line (`flask demo`): three matches starting around `now`."""
    events = []
    for kind, match_id, sport, tournament, title, hours, markets in _DEMO:
        start = (now + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
        event = _Event(kind, match_id, sport, tournament, title, start)
        event.outcomes = [
            _Outcome(market, name, code, odds)
            for market, outcomes in markets
            for name, code, odds in outcomes
        ]
        events.append(event)
    return events


# --- formats ----------------------------------------------------------------------------------


def _from_json(text: str) -> list[_Event]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LineFileError([f"not JSON: {exc}"]) from None
    if not isinstance(data, list):
        raise LineFileError(["a JSON line file is an array of events"])
    problems: list[str] = []
    events = []
    for n, item in enumerate(data, 1):
        where = f"event {n}"
        try:
            if not isinstance(item, dict):
                raise betstrings.BadBetString("an event is an object")
            event = _event(item, where)
            markets = item.get("markets")
            if not isinstance(markets, list) or not markets:
                raise betstrings.BadBetString("markets: a non-empty array")
            for m, market in enumerate(markets, 1):
                if not isinstance(market, dict):
                    raise betstrings.BadBetString(f"market {m}: an object")
                name = _text(market.get("name"), f"market {m} name", 200)
                outcomes = market.get("outcomes")
                if not isinstance(outcomes, list) or not outcomes:
                    raise betstrings.BadBetString(f"market {m} outcomes: a non-empty array")
                for o, outcome in enumerate(outcomes, 1):
                    if not isinstance(outcome, dict):
                        raise betstrings.BadBetString(f"market {m} outcome {o}: an object")
                    event.outcomes.append(_outcome(name, outcome, f"market {m} outcome {o}"))
            events.append(event)
        except betstrings.BadBetString as exc:
            problems.append(f"{where}: {exc}")
    return _checked(events, problems)


def _from_csv(text: str) -> list[_Event]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise LineFileError([f"CSV header must be: {','.join(CSV_COLUMNS)}"])
    problems: list[str] = []
    events: dict[tuple[str, str], _Event] = {}
    for row in reader:
        where = f"line {reader.line_num}"
        try:
            if None in row or any(value is None for value in row.values()):
                raise betstrings.BadBetString(f"{len(CSV_COLUMNS)} columns expected")
            event = _event(row, where)
            key = (event.event_type, event.match_id)
            known = events.setdefault(key, event)
            if (known.sport, known.tournament, known.title, known.start_at) != (
                event.sport,
                event.tournament,
                event.title,
                event.start_at,
            ):
                raise betstrings.BadBetString("the match's details differ from its earlier lines")
            outcome = {"name": row["outcome"], "bet_code": row["bet_code"], "odds": row["odds"]}
            known.outcomes.append(_outcome(_text(row["market"], "market", 200), outcome, ""))
        except betstrings.BadBetString as exc:
            problems.append(f"{where}: {exc}")
    return _checked(list(events.values()), problems)


def _event(item: dict, where: str) -> _Event:
    event_type = item.get("event_type")
    if event_type not in betstrings.EVENT_TYPES:
        raise betstrings.BadBetString("event_type: line or live")
    start = _text(item.get("start"), "start", 19)
    try:
        start_at = datetime.strptime(start, START_FORMAT)
    except ValueError:
        raise betstrings.BadBetString(f"start {start!r}: YYYY-MM-DD HH:MM:SS (UTC)") from None
    return _Event(
        event_type=event_type,
        match_id=betstrings.check_match_id(item.get("match_id")),
        sport=_text(item.get("sport"), "sport", 100),
        tournament=_text(item.get("tournament"), "tournament", 200),
        title=_text(item.get("title"), "title", 300),
        start_at=start_at,
    )


def _outcome(market: str, item: dict, where: str) -> _Outcome:
    prefix = f"{where}: " if where else ""
    try:
        return _Outcome(
            market=market,
            name=_text(item.get("name"), "outcome name", 200),
            bet_code=betstrings.check_bet_code(item.get("bet_code")),
            odds=betstrings.check_odds(item.get("odds")),
        )
    except betstrings.BadBetString as exc:
        raise betstrings.BadBetString(f"{prefix}{exc}") from None


def _text(value, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise betstrings.BadBetString(f"{name}: text of 1 to {limit} characters")
    return value.strip()


def _checked(events: list[_Event], problems: list[str]) -> list[_Event]:
    if len(events) > MAX_EVENTS:
        problems.append(f"at most {MAX_EVENTS} events per file")
    seen: set = set()
    for event in events:
        key = (event.event_type, event.match_id)
        if key in seen:
            problems.append(f"match {event.event_type}#{event.match_id} appears twice")
        seen.add(key)
        codes = [o.bet_code for o in event.outcomes]
        if len(codes) != len(set(codes)):
            problems.append(f"match {event.match_id}: a bet code appears twice")
    if problems:
        raise LineFileError(problems)
    if not events:
        raise LineFileError(["the file names no match"])
    return events
