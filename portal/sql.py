"""Statements the ORM does not write for us, for both databases the portal runs on, and the
hot paths' statements built once.

Building a SQLAlchemy statement (columns, aliases, subqueries) and computing its cache key
costs more CPU than running it on SQLite. The vendors' hot paths therefore build each of
their statements once per dialect, with bind parameters for everything that varies, and
execute that same object every time (`prepared`): SQLAlchemy then finds its compiled
form by the memoized cache key.
"""

from collections.abc import Callable

from sqlalchemy import Table
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


_prepared: dict[tuple[str, str], Executable] = {}


def prepared(name: str, build: Callable[[str], Executable]) -> Executable:
    """The statement `name`, built by `build(dialect)` the first time it is needed for the
    app's dialect and reused ever after (it must take everything that varies as bind
    parameters)."""
    key = (name, dialect())
    statement = _prepared.get(key)
    if statement is None:
        statement = _prepared[key] = build(key[1])
    return statement
