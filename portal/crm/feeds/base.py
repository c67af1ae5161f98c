"""What a feed is: its columns and the parts its rows come from.

A part is one SELECT of the rows whose modification time falls in the window (the
database filters and streams them) and a function that turns a batch of its result rows
into the feed's tuples (a batch may look up more, e.g. the players' custom fields, with
one query per batch). A feed of several sources (transactions: deposits, withdrawals and
other movements) has one part per source; they are sent one after another."""

from collections import namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from portal.crm.window import Window

BATCH = 1000  # rows per fetch from the server-side cursor, and per piece written


@dataclass(frozen=True)
class Part:
    query: Callable[[Window], object]  # a Select of the window's rows
    row: Callable | None = None  # result row -> tuple of the feed's columns
    batch: Callable[[Connection, list], list[tuple]] | None = None  # or a whole batch


@dataclass(frozen=True)
class Feed:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, type of portal.crm.output)
    parts: tuple[Part, ...]
    # more columns read from the database when the feed is asked for (custom fields)
    extra_columns: Callable[[Connection], tuple[tuple[str, str], ...]] | None = None
    notes: dict = field(default_factory=dict)

    def all_columns(self, connection: Connection) -> tuple:
        extra = self.extra_columns(connection) if self.extra_columns else ()
        return self.columns + extra

    def batches(self, connection: Connection, window: Window, columns) -> Iterator[list]:
        for part in self.parts:
            result = connection.execution_options(yield_per=BATCH).execute(part.query(window))
            record = _record_type(tuple(result.keys()))
            for rows in result.partitions():
                if record is not None:
                    rows = list(map(record._make, rows))
                if part.batch is not None:
                    yield part.batch(connection, rows, columns)
                else:
                    yield [part.row(row) for row in rows]


def _record_type(keys: tuple[str, ...]):
    """A named tuple of the result's columns: reading a field by name costs a tenth of
    what it costs on SQLAlchemy's Row (about 1 µs, 15 of them per transaction row), which
    was the largest part of an export's time. None (keep the Rows) when a column name
    cannot be a field name."""
    record = namedtuple("Record", keys, rename=True)  # noqa: PYI024
    return record if record._fields == keys else None


def in_window(column, window: Window):
    """The half-open window on a modification time: from <= column < to."""
    return (column >= window.start) & (column < window.end)
