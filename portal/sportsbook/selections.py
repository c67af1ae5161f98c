"""Betsy's bet metadata (one item per selection), checked before the stake is taken and
stored in the shape of the CRM sports feeds: tournaments, events, selections.

Identifiers longer than their column are refused (cutting them could merge two events);
names are descriptive and are cut to their column. Odds are decimals in (0, 10^8).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial

from sqlalchemy import bindparam, insert

from portal.sportsbook.betsy import BetsyError
from portal.sportsbook.models import SportsEvent, SportsSelection, SportsTournament
from portal.sql import insert_new, prepared
from portal.timeutil import utcnow

MAX_ODDS = Decimal(10) ** 8
ODDS_PLACES = Decimal("0.0001")  # SportsSelection.coefficient is Numeric(12, 4)


def _length(column) -> int:
    return column.type.length


@dataclass(frozen=True)
class Selection:
    tournament_id: str | None
    tournament: str
    sport_id: str | None
    sport: str | None
    region: str | None
    event_id: str | None
    event: str
    event_date: datetime | None
    market_id: str | None
    market: str | None
    outcome_id: str | None
    outcome: str | None
    stage: str | None
    odds: Decimal | None


def parse(metadata) -> list[Selection]:
    """The metadata list of a place-bet body; BetsyError(5) when it is malformed."""
    if metadata is None:
        return []
    if not isinstance(metadata, list) or not all(isinstance(m, dict) for m in metadata):
        raise BetsyError(5)
    return [_selection(item) for item in metadata]


def _selection(item: dict) -> Selection:
    t, e, s = SportsTournament.__table__.c, SportsEvent.__table__.c, SportsSelection.__table__.c
    return Selection(
        tournament_id=identifier(item, "tournamentId", _length(t.id)),
        tournament=text(item, "tournament", _length(t.name)) or "",
        sport_id=identifier(item, "disciplineId", _length(t.sport_id)),
        sport=text(item, "discipline", _length(t.sport_name)),
        region=text(item, "tournamentRegionCode", _length(t.country_code)),
        event_id=identifier(item, "eventId", _length(e.id)),
        event=text(item, "event", _length(e.title)) or "",
        event_date=moment(item.get("eventDate")),
        market_id=identifier(item, "marketId", _length(s.market_id)),
        market=text(item, "market", _length(s.market)),
        outcome_id=identifier(item, "outcomeId", _length(s.outcome_id)),
        outcome=text(item, "outcome", _length(s.outcome)),
        stage=text(item, "stage", _length(s.stage)),
        odds=odds(item.get("coefficient")),
    )


def add(bet_id: int, selections: list[Selection]) -> None:
    """Store the bet's selections, adding the tournaments and events not seen before: one
    INSERT per table, whatever the number of selections (a tournament or event a
    concurrent bet adds first is kept as that bet wrote it)."""
    if not selections:
        return
    now = utcnow()
    stamps = {"created_at": now}  # modified_at: the database's clock (portal.dbclock)
    tournaments = {
        item.tournament_id: {
            "id": item.tournament_id,
            "name": item.tournament,
            "sport_id": item.sport_id,
            "sport_name": item.sport,
            "country_code": item.region,
            **stamps,
        }
        for item in selections
        if item.tournament_id is not None
    }
    events = {
        item.event_id: {
            "id": item.event_id,
            "tournament_id": item.tournament_id,
            "title": item.event,
            "start_date": item.event_date,
            "status": "not_started",
            **stamps,
        }
        for item in selections
        if item.event_id is not None
    }
    for model, rows in ((SportsTournament, tournaments), (SportsEvent, events)):
        if rows:  # (sorted: concurrent bets insert shared rows in one order, no deadlock)
            ordered = sorted_rows(rows)
            names = tuple(ordered[0])
            statement = prepared(f"betsy.{model.__tablename__}", partial(_shared, model, names))
            statement.execute_many(ordered)
    prepared("betsy.selections", _selections_statement).execute_many(
        [
            {
                "bet_id": bet_id,
                "event_id": item.event_id,
                "market_id": item.market_id,
                "market": item.market,
                "outcome_id": item.outcome_id,
                "outcome": item.outcome,
                "stage": item.stage,
                "coefficient": item.odds,
                "status": "running",
                **stamps,
            }
            for item in selections
        ],
    )


def _shared(model, names: tuple, dialect: str):
    return insert_new(model.__table__, dialect).values(_binds(model.__table__, names))


_SELECTION_COLUMNS = (
    "bet_id",
    "event_id",
    "market_id",
    "market",
    "outcome_id",
    "outcome",
    "stage",
    "coefficient",
    "status",
    "created_at",
)


def _selections_statement(_dialect: str):
    table = SportsSelection.__table__
    return insert(table).values(_binds(table, _SELECTION_COLUMNS))


def _binds(table, names) -> dict:
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def sorted_rows(rows: dict) -> list[dict]:
    return [rows[key] for key in sorted(rows)]


# --- fields ---------------------------------------------------------------------------------


def _scalar(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise BetsyError(5)
    return str(value)


def identifier(data: dict, name: str, limit: int) -> str | None:
    """An id (string or number) of at most `limit` characters; longer ones are refused, and
    an empty one names nothing (None)."""
    value = _scalar(data, name)
    if value is not None and not value.strip():
        return None
    if value is not None and len(value) > limit:
        raise BetsyError(5)
    return value


def text(data: dict, name: str, limit: int) -> str | None:
    """A descriptive text (string or number), cut to `limit` characters."""
    value = _scalar(data, name)
    return value[:limit] if value is not None else None


def odds(value) -> Decimal | None:
    """Decimal odds in (0, 10^8), kept to 4 places; absent is None, anything else is 5."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise BetsyError(5)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BetsyError(5) from None
    if not number.is_finite() or not 0 < number < MAX_ODDS:
        raise BetsyError(5)
    return number.quantize(ODDS_PLACES)


def moment(value) -> datetime | None:
    """An ISO 8601 moment (Betsy's eventDate) as naive UTC; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    except (ValueError, OverflowError):  # (year 1 at +01:00 is before datetime.min in UTC)
        return None
