"""Write outbound calls in the caller's unit of work; deliver them later, with retries.

`enqueue` only inserts, so the message commits or rolls back together with the money
movement it belongs to. A delivery has three steps: `claim` takes due messages in a short
transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so parallel workers never take the
same message; SQLite: `BEGIN IMMEDIATE` serializes the claim) and commits; `post` sends
one with no transaction open (and no database work at all); `record` (or `record_all`)
writes the outcome in a second short transaction. `deliver_due` runs them one message
after the other; the worker (portal/outbox/worker.py) runs up to OUTBOX_CONCURRENCY posts
at once. Delivery is at least once: receivers must be idempotent (the payload carries the
vendor's own ids).

A claim moves `next_attempt_at` a lease into the future and counts the attempt, so a worker
killed in the middle of a call leaves a message that another worker retries after the
lease; a message that keeps killing workers still dies after `OUTBOX_MAX_ATTEMPTS` (when set:
the default 0 resends until delivered, as vendors ask of confirmations).

Senders plug in per kind, or per family (the part before the first dot: "betcore" covers
"betcore.accept"):

- `register_headers(kind, fn)`: `fn() -> dict` adds headers at send time (a partner token
  that must be fresh, and must not be stored in the table).
- `register_acceptor(kind, fn)`: `fn(response) -> bool` judges a 2xx answer's body (BETCORE
  answers HTTP 200 with `ErrorCode` in the JSON). False: retry later. Raising
  `PermanentFailure`: dead at once, no more retries.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import requests
from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from portal.extensions import db
from portal.outbox.models import DEAD, PENDING, SENT, OutboxMessage
from portal.sql import prepared
from portal.timeutil import utcnow
from portal.traffic import capture

log = logging.getLogger(__name__)

Acceptor = Callable[[requests.Response], bool]
HeaderSource = Callable[[], dict]

_acceptors: dict[str, Acceptor] = {}
_header_sources: dict[str, HeaderSource] = {}


class PermanentFailure(Exception):  # noqa: N818 (reads as what happened, like the others)
    """Raised by an acceptor (or header source): this message can never succeed; retrying is
    pointless, so it goes dead at once with the exception's text as its last error."""


def register_acceptor(kind: str, acceptor: Acceptor) -> Acceptor:
    """Judge 2xx answers for `kind` (or the family "kind"): True means delivered."""
    _acceptors[kind] = acceptor
    return acceptor


def register_headers(kind: str, source: HeaderSource) -> HeaderSource:
    """Add `source()`'s headers to every POST of `kind` (or the family), at send time."""
    _header_sources[kind] = source
    return source


def _hook(registry: dict, kind: str):
    return registry.get(kind) or registry.get(kind.split(".", 1)[0])


class Queued(NamedTuple):
    """A message just added to the outbox."""

    id: int


def enqueue(kind: str, url: str, payload: dict, headers: dict | None = None) -> Queued:
    """Add a message to the caller's unit of work (one INSERT, no commit). The payload is
    serialized now, with the portal's JSON (Decimal amounts stay exact), and sent as is."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"outbox url must be http(s): {url!r}")
    now = utcnow()
    parameters = {
        "kind": kind,
        "url": url,
        "payload": current_app.json.dumps(payload),
        "headers": json.dumps(headers) if headers else None,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    message_id = prepared("outbox.enqueue", _enqueue_statement).scalar(parameters)
    return Queued(message_id)


def _enqueue_statement(_dialect: str):
    table = OutboxMessage.__table__
    columns = ("kind", "url", "payload", "headers", "status", "attempts", "next_attempt_at")
    values = {name: bindparam(name, type_=table.c[name].type) for name in (*columns, "created_at")}
    return insert(table).values(values).returning(table.c.id)


def backoff(attempts: int, max_seconds: int) -> timedelta:
    """Wait after the `attempts`-th failure: 1 s, 2 s, 4 s ... at most `max_seconds`."""
    return timedelta(seconds=min(2 ** min(max(attempts - 1, 0), 30), max_seconds))


@dataclass(frozen=True)
class Claimed:
    """A claimed message, copied out of the session before its transaction commits."""

    id: int
    kind: str
    url: str
    payload: str
    headers: dict
    attempts: int  # including this one; the outcome is recorded only if it still matches


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    http_status: int | None = None
    error: str | None = None
    permanent: bool = False


def deliver_due(
    now: datetime | None = None, limit: int = 100, session: requests.Session | None = None
) -> tuple[int, int, int]:
    """Deliver up to `limit` due messages, one after the other; returns (sent, retried,
    dead).

    Commits its own short transactions: call it outside a unit of work (the worker, the
    CLI). `now` fixes the clock (tests); `session` is the HTTP session to POST with."""
    http = session or requests.Session()
    counts = {"sent": 0, "retried": 0, "dead": 0}
    try:
        for _ in range(limit):
            claimed = claim(now)
            if not claimed:
                break
            counts[record(claimed[0], post(http, claimed[0]), now)] += 1
    finally:
        if session is None:
            http.close()
    return counts["sent"], counts["retried"], counts["dead"]


def claim(now: datetime | None = None, limit: int = 1) -> list[Claimed]:
    """Take up to `limit` due messages, most overdue first: count the attempt, hide each
    for a lease, commit.

    The lease is long enough for one POST, and short enough that a message whose worker
    died mid-send is tried again well inside BETCORE's 30 seconds (15 s with the default
    OUTBOX_HTTP_TIMEOUT). Commits: call it outside a unit of work."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("the outbox commits: call it outside a unit of work")
    lease = timedelta(seconds=5 + 2 * _timeout())
    return _claim(now or utcnow(), lease, limit)


def _timeout() -> float:
    return float(current_app.config["OUTBOX_HTTP_TIMEOUT"])


def _claim(now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serializes
        .execution_options(populate_existing=True)
    )
    try:
        claimed = []
        for message in db.session.scalars(query):
            message.attempts += 1
            message.next_attempt_at = now + lease
            claimed.append(
                Claimed(
                    id=message.id,
                    kind=message.kind,
                    url=message.url,
                    payload=message.payload,
                    headers=json.loads(message.headers) if message.headers else {},
                    attempts=message.attempts,
                )
            )
        db.session.commit()  # no transaction stays open while the receiver is waited for
    except BaseException:
        db.session.rollback()
        raise
    return claimed


def post(http: requests.Session, claimed: Claimed) -> Outcome:
    """One POST, with no database transaction open. Never raises for the receiver's sake.
    Needs an application context (the settings, the header sources), not the database."""
    timeout = _timeout()
    started = time.perf_counter()
    outcome, response = _post(http, claimed, timeout)
    capture.outbound(
        claimed.kind.split(".", 1)[0],
        "POST",
        claimed.url,
        request_body=claimed.payload,
        response=response,
        started=started,
        error=outcome.error,
    )
    return outcome


def _post(http: requests.Session, claimed: Claimed, timeout: float):
    """`post`'s work: the outcome, and the answer when one came (for the traffic log)."""
    response = None
    try:
        source = _hook(_header_sources, claimed.kind)
        headers = {
            "Content-Type": "application/json",
            **claimed.headers,
            **(source() if source else {}),
        }
        response = http.post(
            claimed.url,
            data=claimed.payload.encode(),
            headers=headers,
            timeout=timeout,
            allow_redirects=False,  # a redirected POST would turn into a GET
        )
    except PermanentFailure as exc:
        return Outcome(False, error=f"refused for good: {exc}", permanent=True), response
    except requests.RequestException as exc:
        return Outcome(False, error=f"{type(exc).__name__}: {exc}"), response
    except Exception as exc:  # a header source failed: retry later
        log.exception("outbox: header source for %s failed", claimed.kind)
        return Outcome(False, error=f"header source failed: {exc!r}"), response
    code = response.status_code
    if not 200 <= code < 300:
        return Outcome(False, code, f"HTTP {code}: {response.text[:300]}"), response
    acceptor = _hook(_acceptors, claimed.kind)
    if acceptor is None:
        return Outcome(True, code), response
    try:
        accepted = acceptor(response)
    except PermanentFailure as exc:
        return Outcome(False, code, f"refused for good: {exc}", permanent=True), response
    except Exception as exc:  # an answer the acceptor cannot read: refused
        return Outcome(False, code, f"acceptor failed ({exc!r}): {response.text[:300]}"), response
    if accepted:
        return Outcome(True, code), response
    return Outcome(False, code, f"refused: {response.text[:300]}"), response


def record(claimed: Claimed, outcome: Outcome, now: datetime | None = None) -> str:
    """Write the outcome in a short transaction; returns "sent", "retried" or "dead"."""
    (result,) = record_all([(claimed, outcome)], now)
    return result


def record_all(ended: list[tuple[Claimed, Outcome]], now: datetime | None = None) -> list[str]:
    """Write several outcomes in one short transaction; "sent", "retried" or "dead" each."""
    now = now or utcnow()
    results = []
    try:
        for claimed, outcome in ended:
            statement, result = _outcome(claimed, outcome, now, current_app.config)
            db.session.execute(statement)
            results.append(result)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return results


def _outcome(claimed: Claimed, outcome: Outcome, now: datetime, config) -> tuple:
    """The UPDATE that records an outcome, and what it means."""
    row = update(OutboxMessage).where(OutboxMessage.id == claimed.id)
    if outcome.delivered:
        statement = row.where(OutboxMessage.status != SENT).values(
            status=SENT, sent_at=now, last_status=outcome.http_status, last_error=None
        )
        return statement, "sent"
    limit = config["OUTBOX_MAX_ATTEMPTS"]  # 0: resend until delivered
    give_up = outcome.permanent or (limit and claimed.attempts >= limit)
    result = "dead" if give_up else "retried"
    values = {
        "status": DEAD,
        "last_status": outcome.http_status,
        "last_error": (outcome.error or "")[:500],
    }
    if not give_up:
        delay = backoff(claimed.attempts, config["OUTBOX_MAX_BACKOFF_SECONDS"])
        values.update(status=PENDING, next_attempt_at=now + delay)
    # only while our claim is the latest: a worker that outlived its lease must not
    # overwrite the outcome of the attempt that followed
    statement = row.where(
        OutboxMessage.status == PENDING, OutboxMessage.attempts == claimed.attempts
    ).values(**values)
    level = logging.WARNING if give_up else logging.INFO
    log.log(level, "outbox %s %s #%s: %s", claimed.kind, result, claimed.id, outcome.error)
    return statement, result


# --- the operator's side: `flask outbox retry` and the back office's "retry now" -----------


def retry(message_ids, now: datetime | None = None) -> list[int]:
    """Send these messages again now: a dead one becomes pending with a fresh count of
    attempts; a pending one is due at once (its attempts kept). Sent ones are left alone.
    Returns the ids changed. Flushes only: the caller commits (and audits)."""
    now = now or utcnow()
    ids = [int(i) for i in message_ids]
    hurried = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .returning(OutboxMessage.id)
    ).scalars()
    changed = set(hurried)
    revived = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now)
        .returning(OutboxMessage.id)
    ).scalars()
    changed.update(revived)
    return sorted(changed)
