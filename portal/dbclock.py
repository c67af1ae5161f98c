"""The database's clock, for the modification times the CRM feeds select by.

`portal_now()` is evaluated by the database while it writes the row, inside the writing
transaction: on PostgreSQL it is `clock_timestamp()` in UTC (one clock for every app
server, taken when the statement writes, never before the transaction began); on SQLite
it is a function registered on each connection, run by SQLite while the statement holds
the write lock (SQLite has no clock of its own: its clock is the host's). Both honour the
test clock of `portal.timeutil.travel`, so rolling windows compared with `utcnow()` stay
consistent in tests: on PostgreSQL through the setting `portal.clock_offset`, which a
connection gets at the start of a transaction whenever the offset is not zero.

Times are stored as naive UTC; on SQLite as the text SQLAlchemy writes for a DateTime
(`YYYY-MM-DD HH:MM:SS.ffffff`), so they compare with bound datetimes as text correctly.
"""

from datetime import timedelta

from sqlalchemy import DDL, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.sql.functions import GenericFunction

from portal import timeutil

SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_now() RETURNS timestamp without time zone
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT (clock_timestamp() AT TIME ZONE 'UTC')
         + COALESCE(NULLIF(current_setting('portal.clock_offset', true), ''), '0')::interval
$$
"""


class portal_now(GenericFunction):  # noqa: N801 (SQL function names are lower case)
    """`func.portal_now()`: the database's time of the write (naive UTC)."""

    type = DateTime()
    inherit_cache = True


def _sqlite_now() -> str:
    return timeutil.utcnow().strftime(SQLITE_FORMAT)


def register_sqlite(dbapi_connection) -> None:
    """Give a new SQLite connection its portal_now()."""
    dbapi_connection.create_function("portal_now", 0, _sqlite_now)


_OFFSET_KEY = "portal.clock_offset"
_travelled = False  # the test clock has moved in this process (never in production)


@event.listens_for(Engine, "begin")
def _postgres_offset(connection) -> None:
    """Tests only: carry the travelled clock into PostgreSQL's portal_now()."""
    global _travelled
    if connection.dialect.name != "postgresql":
        return
    offset = timeutil.offset()
    if not (offset or _travelled):  # production: never a statement, never a look at info
        return
    _travelled = True
    if offset == connection.info.get(_OFFSET_KEY, timedelta(0)):
        return
    micros = offset // timedelta(microseconds=1)
    connection.exec_driver_sql(
        f"SELECT set_config('portal.clock_offset', '{micros} microseconds', false)"
    )
    connection.info[_OFFSET_KEY] = offset


@event.listens_for(Engine, "rollback")
def _postgres_offset_undone(connection) -> None:
    """A rolled-back transaction takes its set_config with it: set it again next time."""
    if connection.dialect.name == "postgresql" and _travelled and not connection.invalidated:
        connection.info.pop(_OFFSET_KEY, None)


def create_postgres_function(target, connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(DDL(POSTGRES_FUNCTION))
