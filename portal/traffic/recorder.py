"""The vendor traffic log's writer: an in-process bounded buffer, written in batches by a
background thread.

A vendor's call must not wait for its own log row, nor send one more SQL statement (the
doors have statement budgets: tests/test_statement_counts.py), nor its thread spend time
masking bodies. So `record` only appends a row, or a function that makes it (the masking
then runs in the writer), to a bounded deque; a daemon thread writes what is there every
FLUSH_SECONDS, or at once when the buffer is half full, in one transaction, on an engine
of its own (one connection at most, handed back after IDLE_SECONDS without calls). A full
buffer drops its oldest call and counts it (`dropped`): a database that is down or slow
never holds up a vendor. `flush()` writes what is waiting now (tests, shutdown).

One Recorder per application (`for_app`); its thread starts with the first call.
"""

import atexit
import logging
import threading
import time
import weakref
from collections import deque

from flask import Flask
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from portal.traffic.models import VendorCall

log = logging.getLogger(__name__)

CAPACITY = 5000
FLUSH_SECONDS = 1.0
IDLE_SECONDS = 30.0
_KEY = "portal.traffic"


class Recorder:
    def __init__(self, app: Flask, capacity: int = CAPACITY):
        self.app = app
        self.capacity = capacity
        self.dropped = 0  # calls thrown away because the buffer was full
        self.written = 0
        self._buffer: deque = deque()
        self._lock = threading.Lock()  # the buffer and the counters
        self._write_lock = threading.Lock()  # one batch written at a time
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine = None
        self._closed = False

    # --- the request's side: never blocks on the database -------------------------------

    def record(self, row) -> None:
        """Keep one call for the next batch: its VendorCall columns (masked), or a function
        without arguments that returns them (called by the writer)."""
        with self._lock:
            if self._closed:
                return
            if len(self._buffer) >= self.capacity:
                self._buffer.popleft()
                self.dropped += 1
            self._buffer.append(row)
            waiting = len(self._buffer)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="traffic-writer", daemon=True
                )
                self._thread.start()
        if waiting >= self.capacity // 2:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return len(self._buffer)

    # --- the writer's side --------------------------------------------------------------

    def flush(self) -> int:
        """Write every call waiting now; returns how many were written. Never raises: a
        batch that cannot be written is written call by call, and a call that cannot be
        written is logged and dropped (counted)."""
        with self._write_lock:
            with self._lock:
                batch = list(self._buffer)
                self._buffer.clear()
            batch = [made for made in map(_made, batch) if made is not None]
            if not batch:
                return 0
            written = self._write(batch)
            if written < len(batch):  # one bad row must not cost the others: one at a time
                written = sum(self._write([row]) for row in batch)
            with self._lock:
                self.written += written
                self.dropped += len(batch) - written
            return written

    def _write(self, rows: list[dict]) -> int:
        try:
            with Session(self._bind()) as session, session.begin():
                session.execute(insert(VendorCall), rows)
        except Exception:
            log.exception("traffic log: could not write %d call(s)", len(rows))
            return 0
        return len(rows)

    def close(self) -> None:
        """Write what waits, stop the thread and let go of the connection."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)
        self.flush()
        self._dispose()

    def _run(self) -> None:
        last_call = time.monotonic()
        while True:
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            if self.flush():
                last_call = time.monotonic()
            elif self._engine is not None and time.monotonic() - last_call > IDLE_SECONDS:
                self._dispose()  # an idle log holds no connection
            with self._lock:
                if self._closed:
                    return

    def _bind(self):
        """An engine of the writer's own (the database's settings: the portal's SQLite
        listeners apply to every engine), so its statements are never the request's."""
        if self._engine is None:
            with self.app.app_context():
                from portal.extensions import db

                url = db.engine.url
            self._engine = create_engine(url, pool_size=1, max_overflow=0, pool_recycle=1800)
        return self._engine

    def _dispose(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()


_create_lock = threading.Lock()
_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """At the process's exit (a worker stopping): what waits is written, not lost."""
    for recorder in list(_live):
        recorder.close()


def for_app(app: Flask) -> Recorder:
    """The application's recorder (made on first use)."""
    recorder = app.extensions.get(_KEY)
    if recorder is None:
        with _create_lock:
            recorder = app.extensions.get(_KEY)
            if recorder is None:
                recorder = app.extensions[_KEY] = Recorder(
                    app, app.config.get("VENDOR_LOG_BUFFER", CAPACITY)
                )
                _live.add(recorder)
    return recorder


def _made(item) -> dict | None:
    """A buffered call as its row (a function is called now); None if making it failed."""
    if not callable(item):
        return item
    try:
        return item()
    except Exception:
        log.exception("traffic log: could not make a call's row; dropped")
        return None
