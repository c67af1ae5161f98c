"""Outbox: calls to vendors written in the unit of work of the money movement they belong
to, and delivered afterwards by a worker (`flask --app app worker`) with retries.

    from portal.outbox import enqueue
    enqueue("betcore.accept", url, {"BetId": ...})   # in the door's unit of work

A rolled-back movement leaves no message; a committed one is delivered at least once.
Senders plug in per kind with `register_headers` (auth) and `register_acceptor` (judge the
answer's body). See portal/outbox/operations.py.
"""

from portal.outbox.operations import (
    PermanentFailure,
    deliver_due,
    enqueue,
    register_acceptor,
    register_headers,
)

__all__ = [
    "PermanentFailure",
    "deliver_due",
    "enqueue",
    "register_acceptor",
    "register_headers",
]
