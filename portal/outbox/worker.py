"""The outbox worker: `deliver_due` in a loop, until told to stop.

    flask --app app worker              # a process of its own, beside the web server

Several workers may run at once (on PostgreSQL they never take the same message). SIGTERM
or SIGINT stops the loop after the message being sent (a POST waits at most
OUTBOX_HTTP_TIMEOUT); a worker killed harder leaves that message to be retried after its
claim lease.
"""

import logging
import signal
import threading
from contextlib import contextmanager

from flask import Flask

from portal.extensions import db
from portal.outbox.operations import deliver_due

log = logging.getLogger(__name__)

BATCH = 100


def run_worker(
    app: Flask,
    *,
    poll_seconds: float = 1.0,
    stop_event: threading.Event | None = None,
    once: bool = False,
) -> tuple[int, int, int]:
    """Deliver due messages every `poll_seconds` (at once again after a full batch) until
    `stop_event` is set or SIGTERM/SIGINT arrives. With `once`: deliver what is due now,
    then return. Returns the totals (sent, retried, dead). A failing round (database down)
    is logged and tried again at the next poll; with `once` it raises."""
    stop = stop_event or threading.Event()
    totals = (0, 0, 0)
    with _stop_on_signals(stop):
        while not stop.is_set():
            try:
                counts = _round(app)
            except Exception:
                if once:
                    raise
                log.exception("outbox worker: delivery round failed; trying again")
                counts = (0, 0, 0)
            totals = tuple(total + count for total, count in zip(totals, counts, strict=True))
            if sum(counts) == BATCH:
                continue  # more may be due: no pause
            if once:
                break
            stop.wait(poll_seconds)
    return totals


def _round(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        try:
            return deliver_due(limit=BATCH)
        finally:
            db.session.remove()  # hand the connection back between rounds


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
