"""A load generator in Python, for when wrk is missing, and for the untimed preparation
runs (a known number of calls, each answer kept): one thread and one HTTP/1.1 connection
per concurrent connection, reopened when the server closes it. The GIL makes it a weaker
client than wrk: its figures are lower bounds of what the portal can do."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from bench.httpbench.calls import Call, Check
from bench.httpbench.outcome import Outcome

TIMEOUT = 30  # seconds for one answer


def run(
    base_url: str,
    calls: list[Call],
    check: Check,
    *,
    unique: bool,
    connections: int,
    seconds: float | None = None,
) -> Outcome:
    """Send `calls` over `connections` until `seconds` have passed (or, when `unique`, each
    call has been sent once); `passed` tells which got a successful answer (None: not sent
    in time)."""
    host = urlsplit(base_url)
    passed: list[bool | None] = [None] * len(calls)  # None: not sent before the deadline
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures: list[str] = []
    socket_errors = [0] * connections
    lock = threading.Lock()
    deadline = None if seconds is None else time.monotonic() + seconds

    def worker(slot: int) -> None:
        mine = list(range(slot, len(calls), connections)) if unique else None
        position = slot
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=TIMEOUT)
        try:
            while deadline is None or time.monotonic() < deadline:
                if mine is not None:
                    if not mine:
                        return
                    index = mine.pop(0)
                else:
                    index, position = position % len(calls), position + 1
                call = calls[index]
                started = time.perf_counter()
                try:
                    connection.request(call.method, call.path, call.body, dict(call.headers))
                    response = connection.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException):
                    socket_errors[slot] += 1
                    connection.close()
                    passed[index] = False
                    continue
                latencies[slot].append(time.perf_counter() - started)
                good = check.passes(response.status, body)
                passed[index] = good
                if not good:
                    with lock:
                        failures.append(
                            f"HTTP {response.status} {body[:300].decode(errors='replace')}"
                        )
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
        finally:
            connection.close()

    began = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(x for mine in latencies for x in mine)
    cuts = statistics.quantiles(every, n=100, method="inclusive") if len(every) > 1 else every * 99
    ran_out = unique and seconds is not None and elapsed < seconds * 0.98
    return Outcome(
        answered=len(every),
        failed=len(failures),
        socket_errors=sum(socket_errors),
        seconds=elapsed,
        p50_ms=cuts[49] * 1000 if cuts else 0.0,
        p99_ms=cuts[98] * 1000 if cuts else 0.0,
        samples=failures[:5],
        ran_out=ran_out,
        passed=passed,
    )
