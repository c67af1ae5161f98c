"""SQLite's writers take turns through a lock file instead of SQLite's busy handler.

Every portal transaction on SQLite starts with BEGIN IMMEDIATE (database.py): it takes the
database's one write lock. When the lock is taken, SQLite's busy handler sleeps and tries
again, sleeping longer each time (up to 100 ms a try): under a dozen concurrent vendor
calls most of them sleep while the lock stands free, and the slowest wait a second. So
before BEGIN IMMEDIATE a connection first takes an exclusive `flock` on
`<database>.writers` (one open file per connection, so threads and processes alike take
turns), polling every few tenths of a millisecond, and lets go of it when its transaction
commits or rolls back. The wait is bounded (WAIT_SECONDS, like busy_timeout); a process
that dies holding the lock loses it with its files. Other programs opening the database
ignore the file and fall back on SQLite's own busy handler, which still protects the data.
"""

import fcntl
import os
import time

WAIT_SECONDS = 30
_FD, _HELD = "portal.writers_fd", "portal.writers_held"


class WritersLockTimeout(Exception):
    pass


def lock_path(database: str | None) -> str | None:
    """The lock file of a SQLite database file (None for in-memory databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".writers"


def acquire(info: dict, path: str) -> None:
    fd = info.get(_FD)
    if fd is None:
        fd = info[_FD] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    pause, deadline = 0.0002, None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            now = time.monotonic()
            deadline = deadline or now + WAIT_SECONDS
            if now > deadline:
                raise WritersLockTimeout(f"waited {WAIT_SECONDS} s for {path}") from None
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)
        else:
            info[_HELD] = True
            return


def release(info: dict) -> None:
    if info.pop(_HELD, False):
        fcntl.flock(info[_FD], fcntl.LOCK_UN)


def close(info: dict) -> None:
    """The connection is closed for good: let go of the lock and of the file."""
    release(info)
    fd = info.pop(_FD, None)
    if fd is not None:
        os.close(fd)


def free_within(path: str, seconds: float) -> bool:
    """Take the lock and let go of it at once, waiting at most `seconds`: whether that
    worked, i.e. every transaction that held the lock before has ended. (A reader that must
    not wait longer than it was told to, unlike `acquire`: the CRM feeds' settling.)"""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        pause, deadline = 0.0002, time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 1.5, 0.002)
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                return True
    finally:
        os.close(fd)
