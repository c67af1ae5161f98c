"""The outbox worker: delivers due messages, up to OUTBOX_CONCURRENCY at once, until told to
stop.

    flask --app app worker              # a process of its own, beside the web server

One thread (the loop below) does all the database work: it claims as many messages as
there are free delivery slots (in one transaction) and records the outcomes of the POSTs
that ended (in one transaction), so the worker needs one database connection whatever its
concurrency. The POSTs run in a pool of
OUTBOX_CONCURRENCY threads that touch no database: a slow vendor answer holds up its own
slot only, and the other messages go out meanwhile (in no particular order).

Several workers may run at once (on PostgreSQL they never take the same message). SIGTERM
or SIGINT stops the claims; the POSTs under way finish (each waits at most
OUTBOX_HTTP_TIMEOUT) and are recorded. A worker killed harder leaves its messages to be
retried after their claim lease.
"""

import logging
import queue
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
from flask import Flask

from portal.extensions import db
from portal.outbox import operations
from portal.outbox.operations import Claimed, Outcome

log = logging.getLogger(__name__)


def run_worker(
    app: Flask,
    *,
    poll_seconds: float = 1.0,
    stop_event: threading.Event | None = None,
    once: bool = False,
    concurrency: int | None = None,
) -> tuple[int, int, int]:
    """Deliver due messages (looking again every `poll_seconds` when none is due) until
    `stop_event` is set or SIGTERM/SIGINT arrives. With `once`: deliver what is due now,
    then return. Returns the totals (sent, retried, dead). A failing claim (database down)
    is logged and tried again at the next poll; with `once` it raises."""
    stop = stop_event or threading.Event()
    deliveries = Deliveries(app, concurrency or app.config["OUTBOX_CONCURRENCY"])
    chores_due = 0.0  # (not with `once`: a single delivery round)
    try:
        with _stop_on_signals(stop):
            while not stop.is_set():
                if not once and time.monotonic() >= chores_due:
                    _chores(app)
                    chores_due = time.monotonic() + CHORE_SECONDS
                deliveries.record(deliveries.finished(wait=0))
                if deliveries.room():
                    try:
                        claimed = _claim(app, deliveries.room())
                    except Exception:
                        if once:
                            raise
                        log.exception("outbox worker: claiming failed; trying again")
                        stop.wait(poll_seconds)
                        continue
                    if claimed:
                        deliveries.start(claimed)
                        continue
                    if once and not deliveries.in_flight:
                        break
                if deliveries.in_flight:  # until a POST ends (a free slot) or the next look
                    deliveries.record(deliveries.finished(wait=poll_seconds))
                else:
                    stop.wait(poll_seconds)
    finally:
        deliveries.close()  # the POSTs under way end and are recorded
    return deliveries.totals["sent"], deliveries.totals["retried"], deliveries.totals["dead"]


CHORE_SECONDS = 60


def _chores(app: Flask) -> None:
    """The timed work of the running worker besides the outbox (every CHORE_SECONDS):
    bonuses past their days end, their bonus money forfeited (what `flask bonuses expire`
    does), so no status or vendor balance shows an expired bonus for long; and the vendor
    traffic log's calls past VENDOR_LOG_DAYS deleted (what `flask traffic prune` does)."""
    from portal.bonuses import operations as bonuses
    from portal.traffic import operations as traffic

    with app.app_context():
        try:
            traffic.prune()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("worker: pruning the vendor traffic log failed; trying again later")
        try:
            ended = bonuses.expire_due()
            db.session.commit()
            if ended:
                log.info("worker: %d bonus assignment(s) expired", ended)
        except Exception:
            db.session.rollback()
            log.exception("worker: expiring bonuses failed; trying again later")
        finally:
            db.session.remove()


def _claim(app: Flask, limit: int) -> list[Claimed]:
    with app.app_context():
        try:
            return operations.claim(limit=limit)
        finally:
            db.session.remove()  # hand the connection back


class Deliveries:
    """The POSTs under way (a thread pool) and the outcomes waiting to be recorded."""

    def __init__(self, app: Flask, concurrency: int):
        if concurrency < 1:
            raise ValueError(f"OUTBOX_CONCURRENCY must be at least 1, not {concurrency}")
        self.app, self.concurrency = app, concurrency
        self.in_flight = 0
        self.totals: Counter = Counter(sent=0, retried=0, dead=0)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="outbox-post")
        self._finished: queue.SimpleQueue = queue.SimpleQueue()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def room(self) -> int:
        """How many more POSTs may start now."""
        return self.concurrency - self.in_flight

    def start(self, claimed: list[Claimed]) -> None:
        for message in claimed:
            self.in_flight += 1
            self._pool.submit(self._post, message)

    def finished(self, *, wait: float) -> list[tuple[Claimed, Outcome]]:
        """The POSTs that ended, waiting up to `wait` seconds for the first one."""
        ended = []
        try:
            ended.append(self._finished.get(timeout=wait) if wait else self._finished.get_nowait())
            while True:
                ended.append(self._finished.get_nowait())
        except queue.Empty:
            pass
        self.in_flight -= len(ended)
        return ended

    def record(self, ended: list[tuple[Claimed, Outcome]]) -> None:
        """Write the outcomes. One that cannot be written (database down) leaves its message
        claimed: it is sent again after its lease, as if this worker had died."""
        if not ended:
            return
        with self.app.app_context():
            try:
                self.totals.update(operations.record_all(ended))
            except Exception:
                ids = ", ".join(f"#{claimed.id}" for claimed, _ in ended)
                log.exception("outbox worker: could not record %s", ids)
            finally:
                db.session.remove()

    def close(self) -> None:
        """Wait for the POSTs under way, record them, and let go of the threads."""
        try:
            while self.in_flight:
                self.record(self.finished(wait=1.0))
        finally:
            self._pool.shutdown(wait=True)
            for session in self._sessions:
                session.close()

    def _post(self, claimed: Claimed) -> None:
        try:
            with self.app.app_context():
                outcome = operations.post(self._http(), claimed)
        except BaseException as exc:  # the slot must come back whatever happened
            outcome = Outcome(False, error=f"delivery failed: {exc!r}")
        self._finished.put((claimed, outcome))

    def _http(self) -> requests.Session:
        """This thread's HTTP session (kept-alive connections to the vendors)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._sessions_lock:
                self._sessions.append(session)
        return session


@contextmanager
def _stop_on_signals(stop: threading.Event):
    """Set `stop` on SIGTERM/SIGINT while the loop runs, then restore the previous handlers.
    Python delivers signals to the main thread only, so elsewhere only `stop` counts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(number, _frame):
        log.info("outbox worker: %s, stopping", signal.Signals(number).name)
        stop.set()

    previous = {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
