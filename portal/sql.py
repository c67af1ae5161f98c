"""Statements the ORM does not write for us, for both databases the portal runs on, and the
hot paths' statements compiled once and run on the driver's cursor.

Building a SQLAlchemy statement (columns, aliases, subqueries) and computing its cache key
costs more CPU than running it on SQLite, and so does executing a compiled statement
through the Session (about 100 µs a statement against 25 µs on the driver's cursor). The
vendors' hot paths therefore build each of their statements once per dialect, with bind
parameters for everything that varies (`prepared`), compile it once, and run the SQL text
on the cursor of the request's connection, in the request's transaction (`Prepared`).
"""

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Executable

from portal.extensions import db


def dialect() -> str:
    """ "sqlite" or "postgresql": the dialect of the app's database."""
    return db.engine.dialect.name


def insert_new(table: Table, dialect_name: str | None = None):
    """INSERT … ON CONFLICT DO NOTHING: a row that would break any unique constraint is
    skipped instead of failing the transaction (PostgreSQL waits for a concurrent insert
    of the same key to commit or roll back first). With RETURNING, no row comes back for
    a skipped one; no savepoint is needed."""
    module = sqlite if (dialect_name or dialect()) == "sqlite" else postgresql
    return module.insert(table).on_conflict_do_nothing()


class Prepared:
    """A statement compiled once for a dialect, run on the driver's cursor of the
    session's connection (which begins the request's transaction if it has not begun).

    What SQLAlchemy does around an execution is kept where it matters: bind and result
    values go through the column types' processors (SQLite's dates are text), the
    engine's before/after_cursor_execute listeners see the statement (statement counts,
    portal.database's note that a statement ran), and a driver error is raised as
    SQLAlchemy raises it (DBAPIError, with a dead connection invalidated). Every
    parameter must be a named bindparam given at each call or a literal of the statement;
    expanding (IN-list) parameters are not supported."""

    def __init__(self, statement: Executable, dialect):
        compiled = statement.compile(dialect=dialect)
        self.text = compiled.string
        self._names = tuple(compiled.positiontup) if compiled.positional else None
        self._defaults: dict = {}
        self._processors: dict = {}
        for name, bind in compiled.binds.items():
            if bind.expanding:
                raise ValueError(f"expanding parameter {name!r} in a prepared statement")
            if not bind.required and bind.callable is None:
                self._defaults[name] = bind.value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[name] = processor
        # Columns whose Python-side default (INSERT) or onupdate (UPDATE) fills a value the
        # caller does not give, such as modified_at: computed at each execution.
        self._generated = [
            (column.key, default)
            for columns, kind in (
                (compiled.insert_prefetch, "default"),
                (compiled.update_prefetch, "onupdate"),
            )
            for column in columns
            if (default := getattr(column, kind)) is not None
        ]
        columns = list(getattr(statement, "exported_columns", ()))
        self._row = namedtuple("Row", [column.key for column in columns], rename=True)
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self._results = processors if any(processors) else None

    def rows(self, parameters: Mapping) -> list:
        """The rows the statement returns (named tuples)."""
        return self._run(parameters, fetch=True)

    def first(self, parameters: Mapping):
        rows = self._run(parameters, fetch=True)
        return rows[0] if rows else None

    def scalar(self, parameters: Mapping):
        rows = self._run(parameters, fetch=True)
        return rows[0][0] if rows else None

    def execute(self, parameters: Mapping) -> int:
        """Run it for its effect: the number of rows it changed."""
        return self._run(parameters, fetch=False)

    def execute_many(self, parameter_sets: Iterable[Mapping]) -> None:
        bound = [self._bind(parameters) for parameters in parameter_sets]
        if bound:
            self._cursor_run(lambda cursor: cursor.executemany(self.text, bound), bound, True)

    def _bind(self, parameters: Mapping):
        values = {**self._defaults, **parameters} if self._defaults else dict(parameters)
        for name, default in self._generated:
            if name not in parameters:
                values[name] = default.arg(None) if default.is_callable else default.arg
        for name, processor in self._processors.items():
            values[name] = processor(values[name])
        if self._names is not None:
            return tuple(values[name] for name in self._names)
        return values

    def _run(self, parameters: Mapping, fetch: bool):
        bound = self._bind(parameters)
        return self._cursor_run(lambda cursor: self._fetch(cursor, bound, fetch), bound, False)

    def _fetch(self, cursor, bound, fetch: bool):
        cursor.execute(self.text, bound)
        if not fetch:
            return cursor.rowcount
        rows = cursor.fetchall()
        if self._results is not None:
            processors = self._results
            rows = [
                [value if p is None else p(value) for p, value in zip(processors, row, strict=True)]
                for row in rows
            ]
        make = self._row._make
        return [make(row) for row in rows]

    def _cursor_run(self, work, bound, many: bool):
        connection = _connection()
        cursor = connection.connection.cursor()
        dispatch = connection.dispatch
        try:
            dispatch.before_cursor_execute(connection, cursor, self.text, bound, None, many)
            result = work(cursor)
            dispatch.after_cursor_execute(connection, cursor, self.text, bound, None, many)
            return result
        except Exception as exc:  # wrapped and raised as SQLAlchemy would
            connection._handle_dbapi_exception(exc, self.text, bound, cursor, None)
        finally:
            cursor.close()


def listed(name: str, count: int) -> list:
    """`count` bind parameters name_0, name_1 … for an IN list of a prepared statement (a
    statement per list length)."""
    return [bindparam(f"{name}_{i}") for i in range(count)]


def listed_values(name: str, values: list) -> dict:
    """The parameters of `listed(name, len(values))`."""
    return {f"{name}_{i}": value for i, value in enumerate(values)}


def _connection():
    """The connection of the session's transaction (begun now if it has not begun): looked
    up through the Session once per transaction, then kept in the Session's info. Inside
    `begin_nested()` the innermost transaction is the key: asking the Session for its
    connection there is what emits the SAVEPOINT, so the prepared statements of a nested
    block are undone with it (a make-list item that fails after moving money)."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    cached = session.info.get(_CONNECTION)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]
    connection = session.connection()
    current = session.get_nested_transaction() or session.get_transaction()
    session.info[_CONNECTION] = (current, connection)
    return connection


_CONNECTION = "portal.sql.connection"
_prepared: dict[tuple[str, str], Prepared] = {}


def prepared(name: str, build: Callable[[str], Executable]) -> Prepared:
    """The statement `name`, built by `build(dialect)` and compiled the first time it is
    needed for the app's dialect, and reused ever after (it must take everything that
    varies as bind parameters)."""
    engine = db.engine
    key = (name, engine.dialect.name)
    statement = _prepared.get(key)
    if statement is None:
        statement = _prepared[key] = Prepared(build(key[1]), engine.dialect)
    return statement
