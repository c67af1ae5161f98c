"""Count the SQL statements a piece of work sends to the database.

    with StatementCounter(db.engine) as counted:
        client.post("/betcore/payments/make", ...)
    counted.total      # statements, BEGIN and COMMIT/ROLLBACK included
    counted.statements # their text, in order

Counted: every statement SQLAlchemy executes (including the SQLite `BEGIN IMMEDIATE` the
portal issues itself), plus one BEGIN for each transaction the driver opens implicitly
(PostgreSQL: psycopg sends BEGIN before the first statement), plus COMMIT and ROLLBACK
(SAVEPOINT, RELEASE and ROLLBACK TO go through the cursor and are counted as statements). A
connection pool's pre-ping would be a round trip SQLAlchemy does not report as a statement;
the portal does not pre-ping (see portal.config), so nothing is missed.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine


class StatementCounter:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.statements: list[str] = []

    @property
    def total(self) -> int:
        return len(self.statements)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._execute)
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "rollback", self._rollback)
        return self

    def __exit__(self, *exc_info) -> None:
        event.remove(self.engine, "before_cursor_execute", self._execute)
        event.remove(self.engine, "begin", self._begin)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _execute(self, _conn, _cursor, statement, _parameters, _context, _executemany):
        self.statements.append(" ".join(statement.split()))

    def _begin(self, conn):
        if conn.dialect.name != "sqlite":  # SQLite's BEGIN IMMEDIATE is executed, and counted
            self.statements.append("BEGIN")

    def _commit(self, _conn):
        self.statements.append("COMMIT")

    def _rollback(self, _conn):
        self.statements.append("ROLLBACK")
