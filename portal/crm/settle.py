"""Exactly once across windows: a window is answered only once every row stamped inside
it has been committed, so a later poll of the same or the next window can never be the
first to see such a row, and a row committed late is never lost.

Every exported row carries a modification time set by the database's clock while the row
is written, inside the writing transaction (portal.dbclock): a stamp is never earlier
than the start of its transaction. A window [from, to) is therefore settled when
  1. the database's clock has passed `to` (plus CRM_SETTLE_SECONDS, for a statement that
     took its time and is about to write), and
  2. no transaction that began before `to` is still writing:
     - PostgreSQL: no other session of this database has a transaction that holds a
       transaction id (it has written) and began before `to`, nor a statement running
       since before `to` (it may have taken its stamp and wait, e.g. for a lock, before
       its first write; read-only clients are not waited for when they say so in their
       application_name: the feeds' own streams (FEED_APPLICATION) and pg_dump; any other
       long statement delays the feed, at most as long as said below) (pg_stat_activity;
       the feed's role must see the app's sessions: the same role, or pg_read_all_stats);
     - SQLite: writers take the database's write lock for their whole transaction
       (portal.database), so taking it once, after `to`, waits for the last of them.
The feed waits for both, at most CRM_SETTLE_WAIT_SECONDS, then answers 503 with
Retry-After (on SQLite too: the writers' lock is waited for only until then). A window
that ends further in the future than that is refused (400).
"""

import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal import sqlite_writers
from portal.crm.errors import FeedError
from portal.extensions import db
from portal.timeutil import utcnow

FEED_APPLICATION = "portal-crm-feed"
"""The application_name of a feed's streaming transaction on PostgreSQL (SET LOCAL)."""

_POSTGRES_CHECK = text(
    """
    SELECT portal_now() AS now,
           portal_now() - (clock_timestamp() AT TIME ZONE 'UTC') AS offset,
           (SELECT min(CASE WHEN backend_xid IS NULL THEN query_start
                            ELSE xact_start END) AT TIME ZONE 'UTC'
              FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND (backend_xid IS NOT NULL
                    OR (state = 'active' AND backend_type = 'client backend'
                        AND application_name NOT IN (:feed, 'pg_dump')))) AS oldest
    """
).bindparams(feed=FEED_APPLICATION)


def wait_until_settled(end: datetime) -> None:
    """Return once [.., end) is settled; FeedError 400 (end too far ahead) or 503."""
    config = current_app.config
    margin = timedelta(seconds=config["CRM_SETTLE_SECONDS"])
    wait = config["CRM_SETTLE_WAIT_SECONDS"]
    # (not end + margin - now: for 'to' = 9999-12-31 23:59:59 that time does not exist)
    ahead = (end - utcnow()).total_seconds() + margin.total_seconds()
    if ahead > wait:
        raise FeedError(400, "'to' is in the future: ask for a window that has ended")
    deadline = time.monotonic() + wait
    settled = _postgres_settled if db.engine.dialect.name == "postgresql" else _sqlite_settled
    while True:
        pause = settled(end + margin, end, deadline)
        if pause <= 0:
            return
        if time.monotonic() + pause > deadline:
            raise _unsettled()
        time.sleep(min(pause, 0.5))


def _unsettled() -> FeedError:
    return FeedError(
        503,
        "the window is not settled yet: a transaction that began before 'to' is "
        "still open; ask again shortly",
        {"Retry-After": "5"},
    )


def _sqlite_settled(after: datetime, _end: datetime, deadline: float) -> float:
    """Seconds to wait, or 0 once settled (the write lock taken and released once)."""
    ahead = (after - utcnow()).total_seconds()
    if ahead > 0:
        return ahead
    path = sqlite_writers.lock_path(db.engine.url.database)
    if path is not None and not sqlite_writers.free_within(path, deadline - time.monotonic()):
        raise _unsettled()
    try:
        with db.engine.begin():  # BEGIN IMMEDIATE: waits for the writer that holds the lock
            pass
    except (sqlite_writers.WritersLockTimeout, OperationalError):  # a newer writer's long hold
        raise _unsettled() from None
    return 0


def _postgres_settled(after: datetime, end: datetime, _deadline: float) -> float:
    with db.engine.connect() as connection:  # a new transaction: fresh activity statistics
        row = connection.execute(_POSTGRES_CHECK).one()
    ahead = (after - row.now).total_seconds()
    if ahead > 0:
        return ahead
    if row.oldest is not None and row.oldest + row.offset < end:
        return 0.1
    return 0
