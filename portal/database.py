"""One database transaction per request or command: operations flush, this commits once."""

import logging
import sqlite3
from contextvars import ContextVar
from functools import wraps

from flask import g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

from portal import dbclock, sqlite_writers
from portal.errors import DomainError
from portal.extensions import db

log = logging.getLogger(__name__)


class Contended(Exception):
    """Raised when a request's reads were overtaken by a concurrent writer (a key it saw
    free was taken meanwhile): `transactional` runs the request again, in a new
    transaction that sees what the other one committed."""


def commit() -> None:
    """Commit the unit of work, then run what waited for the commit (mail delivery…).
    Under an operator's command, the audit log gets its entry first (portal.audit)."""
    from portal.audit.actors import record_cli_command

    record_cli_command()
    db.session.commit()
    _committed()


def _committed() -> None:
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
    DomainError asks to keep, such as the record of a failed login).

    A deadlock or serialization failure (PostgreSQL aborts one of the transactions
    involved), or Contended, runs the whole view again in a new transaction, up to
    ATTEMPTS times: nothing of the aborted attempt was kept, and the request is answered
    as if it came later.

    So does a connection found dead on the attempt's first statement (the pool does not
    pre-ping; PostgreSQL restarted, or something dropped the idle connection): the server
    saw nothing of it, and SQLAlchemy has discarded the pool's old connections, so the
    next attempt runs on a fresh one. A connection lost later (at COMMIT in particular,
    which may have reached the server) is not run again: the error goes to the caller."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            _statement_ran.set(False)
            try:
                result = view(*args, **kwargs)
                db.session.commit()
            except DomainError as exc:
                commit() if exc.keeps_changes else rollback()
                raise
            except DBAPIError as exc:
                again = _transient(exc) or _dead_before_first_statement(exc)
                rollback()
                if attempt == ATTEMPTS or not again:
                    raise
                log.warning("%s; running the request again (attempt %d)", exc.orig, attempt + 1)
            except Contended as exc:
                rollback()
                if attempt == ATTEMPTS:
                    raise
                log.info("%s; running the request again (attempt %d)", exc, attempt + 1)
            except BaseException:
                rollback()
                raise
            else:
                _committed()  # outside the retries: what waited for the commit runs once
                return result
        raise AssertionError("unreachable")

    return wrapper


ATTEMPTS = 3
_TRANSIENT = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def _transient(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT


# Whether a statement of the current attempt has been answered (set by the listener below,
# reset by `transactional` before each attempt): per thread and per context.
_statement_ran: ContextVar[bool] = ContextVar("portal_statement_ran", default=False)


def _dead_before_first_statement(exc: DBAPIError) -> bool:
    return exc.connection_invalidated and not _statement_ran.get()


@event.listens_for(Engine, "after_cursor_execute")
def _note_statement(*_args) -> None:
    _statement_ran.set(True)


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, _record) -> None:
    """SQLite: WAL, foreign keys, wait for locks, and let SQLAlchemy's `begin` emit BEGIN."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")
        dbclock.register_sqlite(dbapi_connection)


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(connection) -> None:
    """SQLite: take the write lock when a transaction starts (BEGIN IMMEDIATE), so two
    writers queue up instead of failing halfway with 'database is locked'; they take
    turns through portal.sqlite_writers first. A connection with the execution option
    `portal_read_only` (the CRM feeds' streams) begins a plain read transaction instead:
    in WAL mode it reads a snapshot and blocks no writer for as long as it streams."""
    if connection.dialect.name == "sqlite":
        if connection.get_execution_options().get("portal_read_only"):
            connection.exec_driver_sql("BEGIN")
            return
        path = sqlite_writers.lock_path(connection.engine.url.database)
        if path is not None:
            sqlite_writers.acquire(connection.info, path)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            sqlite_writers.release(connection.info)
            raise
        connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes


_CHANGES_AT_BEGIN = "portal.changes_at_begin"


def end_unwritten_transaction() -> None:
    """Before a slow step that needs no lock (a password hash): on SQLite, end the current
    transaction if it has written nothing yet, so that it does not hold the database-wide
    write lock meanwhile (vendors' calls would wait behind every login); the next
    statement starts a new one. Loaded objects are expired and reload when next used.
    PostgreSQL: nothing to do (its reads lock nothing)."""
    session = db.session()  # the request's Session itself (db.session is its registry)
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    written = connection.connection.dbapi_connection.total_changes
    if written == connection.info.get(_CHANGES_AT_BEGIN):
        session.commit()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_end(connection) -> None:
    if connection.dialect.name == "sqlite":
        sqlite_writers.release(connection.info)


@event.listens_for(Pool, "close")
@event.listens_for(Pool, "detach")
def _sqlite_close(_dbapi_connection, record) -> None:
    sqlite_writers.close(record.info)
