"""One database transaction per request or command: operations flush, this commits once."""

import sqlite3
from functools import wraps

from flask import g
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.errors import DomainError
from portal.extensions import db


def commit() -> None:
    """Commit the unit of work, then run what waited for the commit (mail delivery…)."""
    db.session.commit()
    for callback in g.pop("after_commit", []):
        callback()


def rollback() -> None:
    """Drop the unit of work and whatever waited for its commit."""
    db.session.rollback()
    g.pop("after_commit", None)


def after_commit(callback) -> None:
    """Run `callback` once the current unit of work has committed (never if it rolls back)."""
    g.setdefault("after_commit", []).append(callback)


def transactional(view):
    """Commit when the view returns; roll back when it raises (but keep the changes a
    DomainError asks to keep, such as the record of a failed login)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            result = view(*args, **kwargs)
        except DomainError as exc:
            commit() if exc.keeps_changes else rollback()
            raise
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return wrapper


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, _record) -> None:
    """SQLite: WAL, foreign keys, wait for locks, and let SQLAlchemy's `begin` emit BEGIN."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection) -> None:
    """SQLite: take the write lock when a transaction starts (BEGIN IMMEDIATE), so two
    writers queue up on busy_timeout instead of failing halfway with 'database is locked'."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
