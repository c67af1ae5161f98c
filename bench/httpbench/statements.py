"""SQL statements per request, counted in this process: the scenario's request sent through
a Flask test client of the same database (tests.harness.statements.StatementCounter counts
BEGIN and COMMIT too). The same request's time, alone and in-process, tells how many
calls to prepare for a run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.httpbench.calls import Call, Check
from portal.extensions import db
from tests.harness.statements import StatementCounter


@dataclass(frozen=True)
class Sample:
    """Calls that make the state the counted call needs (and warm the app up), the call whose
    statements are counted, and how to tell that it succeeded."""

    setup: list[Call]
    counted: Call
    check: Check


@dataclass(frozen=True)
class Count:
    statements: int
    seconds: float  # the counted call's time in-process
    problem: str | None  # an answer that was not a success


def count(app, sample: Sample) -> Count:
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    problem = None
    for call in sample.setup:
        answer = _send(client, call)
        if not sample.check.passes(answer.status_code, answer.data) and problem is None:
            problem = (
                f"setup: HTTP {answer.status_code} {answer.data[:300].decode(errors='replace')}"
            )
    with StatementCounter(engine) as counter:
        started = time.perf_counter()
        answer = _send(client, sample.counted)
        seconds = time.perf_counter() - started
    if not sample.check.passes(answer.status_code, answer.data):
        problem = f"HTTP {answer.status_code} {answer.data[:300].decode(errors='replace')}"
    return Count(counter.total, seconds, problem)


def _send(client, call: Call):
    return client.open(call.path, method=call.method, headers=dict(call.headers), data=call.body)
