"""Statements the ORM does not write for us, for both databases the portal runs on."""

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db


def dialect() -> str:
    """ "sqlite" or "postgresql": the dialect of the session's database."""
    return db.session.get_bind().dialect.name


def insert_new(table: Table):
    """INSERT … ON CONFLICT DO NOTHING: a row that would break any unique constraint is
    skipped instead of failing the transaction (PostgreSQL waits for a concurrent insert
    of the same key to commit or roll back first). With RETURNING, no row comes back for
    a skipped one; no savepoint is needed."""
    module = sqlite if dialect() == "sqlite" else postgresql
    return module.insert(table).on_conflict_do_nothing()
