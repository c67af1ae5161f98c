"""The outbox: messages commit with the unit of work and reach a real HTTP receiver on
127.0.0.1 at least once, with backoff between refusals, across restarts and parallel
workers, on both databases. Backoff is walked through with `now=` instead of sleeping."""

import json
import socket
import struct
import threading
import time
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import func, select, text, update

from portal.accounts.models import Player
from portal.database import transactional
from portal.extensions import db
from portal.outbox import PermanentFailure, deliver_due, enqueue, operations
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_worker
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries

KIND = "testvendor.accept"


# --- a receiver on 127.0.0.1 ------------------------------------------------------------


class Receiver:
    """An HTTP server that answers POSTs by a script: each hit takes the next action, the
    last one repeats. Actions: an int (that status, empty JSON body), ("json", dict) (200
    with that body), "reset" (drop the connection without answering)."""

    def __init__(self, *script, delay: float = 0.0, on_hit=None):
        self.script = list(script) or [200]
        self.delay = delay
        self.on_hit = on_hit
        self.hits: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def bodies(self) -> list:
        return [json.loads(hit["body"]) for hit in self.hits]

    def _next_action(self, hit: dict):
        with self.lock:
            self.hits.append(hit)
            return self.script[min(len(self.hits), len(self.script)) - 1]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                hit = {"path": self.path, "headers": dict(self.headers)}
                hit["body"] = self.rfile.read(length).decode()
                if receiver.on_hit:
                    receiver.on_hit(hit)
                action = receiver._next_action(hit)
                time.sleep(receiver.delay)
                if action == "reset":
                    linger = struct.pack("ii", 1, 0)  # close with RST, not FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                    self.connection.close()
                    return
                status, body = (200, action[1]) if isinstance(action, tuple) else (action, {})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def handle(self):
                with suppress(OSError, ValueError):  # "reset" closed the socket under us
                    super().handle()

            def finish(self):
                with suppress(OSError, ValueError):
                    super().finish()

            def log_message(self, *args):
                pass

        return Handler

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    started = []

    def start(*script, **kwargs) -> Receiver:
        started.append(Receiver(*script, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(autouse=True)
def no_hooks(monkeypatch):
    """Each test registers its own acceptors and header sources."""
    monkeypatch.setattr(operations, "_acceptors", {})
    monkeypatch.setattr(operations, "_header_sources", {})


def put(app, url, payload=None, kind=KIND, headers=None) -> int:
    """Enqueue one message and commit, as a door would; returns its id."""
    with app.app_context():
        message = enqueue(kind, url, payload or {"BetId": 1}, headers)
        db.session.commit()
        return message.id


def message(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge(found)
        return found


def deliver(app, **kwargs):
    with app.app_context():
        return deliver_due(**kwargs)


# --- delivery, refusals, backoff ----------------------------------------------------------


def test_delivered_on_the_third_attempt_after_a_500_and_a_reset(app, receiver):
    server = receiver(500, "reset", 200)
    payload = {"BetId": "b-1", "Amount": Decimal("12.50"), "Currency": "EUR"}
    message_id = put(app, server.url + "/accept", payload)
    start = utcnow()

    assert deliver(app, now=start) == (0, 1, 0)
    first = message(app, message_id)
    assert (first.status, first.attempts, first.last_status) == ("pending", 1, 500)
    assert first.last_error.startswith("HTTP 500")
    assert first.next_attempt_at == start + timedelta(seconds=1)
    assert deliver(app, now=start) == (0, 0, 0)  # not due yet: nobody is called
    assert len(server.hits) == 1

    assert deliver(app, now=start + timedelta(seconds=1)) == (0, 1, 0)
    second = message(app, message_id)
    assert (second.attempts, second.last_status) == (2, None)
    assert "ConnectionError" in second.last_error
    assert second.next_attempt_at == start + timedelta(seconds=1 + 2)  # the wait doubled

    assert deliver(app, now=start + timedelta(seconds=3)) == (1, 0, 0)
    sent = message(app, message_id)
    assert (sent.status, sent.attempts, sent.last_status, sent.last_error) == ("sent", 3, 200, None)
    assert sent.sent_at == start + timedelta(seconds=3)
    assert len(server.hits) == 3
    assert {hit["path"] for hit in server.hits} == {"/accept"}
    assert server.hits[-1]["headers"]["Content-Type"] == "application/json"
    assert server.hits[-1]["body"] == '{"BetId": "b-1", "Amount": 12.50, "Currency": "EUR"}'
    assert deliver(app, now=start + timedelta(hours=1)) == (0, 0, 0)  # sent is sent


def test_an_acceptor_judges_the_body_and_a_header_source_adds_auth(app, receiver):
    server = receiver(500, ("json", {"ErrorCode": 500}), ("json", {"ErrorCode": 200}))
    operations.register_acceptor("testvendor", lambda response: response.json()["ErrorCode"] == 200)
    tokens = iter(["token-1", "token-2", "token-3"])
    operations.register_headers("testvendor", lambda: {"Authorization": f"Bearer {next(tokens)}"})
    message_id = put(app, server.url, {"BetId": 7}, headers={"X-Partner": "portal"})
    start = utcnow()

    assert deliver(app, now=start) == (0, 1, 0)
    assert deliver(app, now=start + timedelta(seconds=1)) == (0, 1, 0)
    refused = message(app, message_id)
    assert (refused.last_status, refused.attempts) == (200, 2)  # HTTP 200, but refused
    assert refused.last_error == 'refused: {"ErrorCode": 500}'
    assert deliver(app, now=start + timedelta(seconds=3)) == (1, 0, 0)

    assert message(app, message_id).status == "sent"
    assert server.bodies() == [{"BetId": 7}] * 3
    assert [hit["headers"]["Authorization"] for hit in server.hits] == [
        "Bearer token-1",
        "Bearer token-2",  # asked for at each send: a token may expire between attempts
        "Bearer token-3",
    ]
    assert {hit["headers"]["X-Partner"] for hit in server.hits} == {"portal"}
    with app.app_context():  # the token is never written to the table
        assert "Bearer" not in (db.session.get(OutboxMessage, message_id).headers or "")


def test_hooks_for_an_exact_kind_win_over_its_family(app, receiver):
    server = receiver(200)
    operations.register_headers("testvendor", lambda: {"X-Hook": "family"})
    operations.register_headers("testvendor.settle", lambda: {"X-Hook": "exact"})
    put(app, server.url, kind="testvendor.settle")
    put(app, server.url, kind="testvendor.accept")
    put(app, server.url, kind="othervendor.accept")
    assert deliver(app) == (3, 0, 0)
    assert [hit["headers"].get("X-Hook") for hit in server.hits] == ["exact", "family", None]


def test_backoff_doubles_up_to_the_cap(make_app, receiver):
    app = make_app(OUTBOX_MAX_BACKOFF_SECONDS=10)
    server = receiver(503)
    message_id = put(app, server.url)
    now, waits = utcnow(), []
    for _ in range(6):
        assert deliver(app, now=now) == (0, 1, 0)
        due = message(app, message_id).next_attempt_at
        waits.append((due - now).total_seconds())
        now = due
    assert waits == [1, 2, 4, 8, 10, 10]
    assert len(server.hits) == 6
    assert [operations.backoff(n, 60).total_seconds() for n in (1, 2, 3, 7, 8, 500)] == [
        1,
        2,
        4,
        60,
        60,
        60,
    ]


def test_dead_after_max_attempts_and_revived_by_the_operator(make_app, receiver):
    app = make_app(OUTBOX_MAX_ATTEMPTS=3)
    server = receiver(500, 500, 500, 200)
    message_id = put(app, server.url)
    now = utcnow()
    results = [deliver(app, now=now + timedelta(seconds=10 * i)) for i in range(3)]
    assert results == [(0, 1, 0), (0, 1, 0), (0, 0, 1)]
    dead = message(app, message_id)
    assert (dead.status, dead.attempts, dead.last_status) == ("dead", 3, 500)
    assert deliver(app, now=now + timedelta(days=1)) == (0, 0, 0)
    assert len(server.hits) == 3  # a dead message is never sent again

    runner = app.test_cli_runner()
    listing = runner.invoke(args=["outbox", "list", "--status", "dead"])
    assert listing.exit_code == 0, listing.output
    assert f"{message_id}\t" in listing.output and "HTTP 500" in listing.output
    revived = runner.invoke(args=["outbox", "retry", str(message_id)])
    assert revived.output == "1 message(s) pending again\n"
    assert deliver(app, now=now + timedelta(days=1)) == (1, 0, 0)
    assert message(app, message_id).status == "sent"


def test_an_acceptor_can_refuse_for_good(app, receiver):
    server = receiver(("json", {"ErrorCode": 400}))

    def acceptor(response):
        if response.json()["ErrorCode"] == 400:
            raise PermanentFailure("ErrorCode 400: invalid request")
        return True

    operations.register_acceptor(KIND, acceptor)
    message_id = put(app, server.url)
    assert deliver(app) == (0, 0, 1)
    dead = message(app, message_id)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == "refused for good: ErrorCode 400: invalid request"


def test_a_redirect_is_a_refusal_not_a_get(app, receiver):
    server = receiver(302)
    message_id = put(app, server.url)
    assert deliver(app) == (0, 1, 0)
    assert message(app, message_id).last_status == 302
    assert len(server.hits) == 1


def test_a_slow_receiver_times_out_and_is_retried(make_app, receiver):
    app = make_app(OUTBOX_HTTP_TIMEOUT=0.2)
    server = receiver(200, delay=1.0)
    message_id = put(app, server.url)
    started = time.monotonic()
    assert deliver(app) == (0, 1, 0)
    assert time.monotonic() - started < 0.9
    assert "Timeout" in message(app, message_id).last_error


# --- transactions ---------------------------------------------------------------------------


def test_a_rolled_back_movement_leaves_no_message(app, make_player, receiver):
    server = receiver(200)
    player_id = make_player()

    @transactional
    def settle(external_id, *, fail):
        player = db.session.get(Player, player_id)
        wallet.credit(player, "EUR", "5.00", source="betcore", external_id=external_id)
        enqueue(KIND, server.url, {"BetId": external_id})
        if fail:
            raise RuntimeError("the door failed after the movement")

    with app.app_context():
        with pytest.raises(RuntimeError):
            settle("win-1", fail=True)
        settle("win-2", fail=False)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        balance = wallet_queries.balance(db.session.get(Player, player_id), "EUR").real
        assert balance == Decimal("5.00")
    assert deliver(app) == (1, 0, 0)
    assert server.bodies() == [{"BetId": "win-2"}]


def test_deliver_due_refuses_to_commit_someone_elses_unit_of_work(app):
    with app.app_context():
        enqueue(KIND, "http://127.0.0.1:9/", {"BetId": 1})
        db.session.add(OutboxMessage(kind=KIND, url="http://127.0.0.1:9/", payload="{}"))
        with pytest.raises(RuntimeError, match="outside a unit of work"):
            deliver_due()
        db.session.rollback()


def test_enqueue_refuses_a_url_that_is_not_http(app):
    with app.app_context(), pytest.raises(ValueError, match="http"):
        enqueue(KIND, "file:///etc/passwd", {})


def test_no_transaction_is_open_while_the_receiver_is_waited_for(make_app, receiver):
    """While the POST is in flight another process writes the very row at once: the worker
    holds no lock (SQLite: no BEGIN IMMEDIATE; PostgreSQL: no row lock)."""
    app, probe_app = make_app(OUTBOX_HTTP_TIMEOUT=3), make_app()
    waits = []

    def write_the_row(hit):
        started = time.monotonic()
        with probe_app.app_context():
            db.session.execute(update(OutboxMessage).values(last_error="probe"))
            db.session.commit()
        waits.append(time.monotonic() - started)

    server = receiver(200, on_hit=write_the_row)
    put(app, server.url)
    assert deliver(app) == (1, 0, 0)
    assert len(waits) == 1 and waits[0] < 1.0


# --- restarts --------------------------------------------------------------------------------


def test_a_message_left_by_a_stopped_worker_is_delivered_after_a_restart(make_app, receiver):
    server = receiver(200)
    before = make_app()
    message_id = put(before, server.url, {"BetId": "left-behind"})
    with before.app_context():
        db.engine.dispose()  # the process is gone

    restarted = make_app()  # a new process: a new app, new connections
    assert run_worker(restarted, once=True) == (1, 0, 0)
    assert message(restarted, message_id).status == "sent"
    assert server.bodies() == [{"BetId": "left-behind"}]


def test_a_worker_killed_during_the_post_leaves_the_message_for_after_its_lease(make_app, receiver):
    server = receiver(200)
    crashed = make_app()
    message_id = put(crashed, server.url)

    class Killed:
        def post(self, *args, **kwargs):
            raise SystemExit("killed while waiting for the receiver")

    now = utcnow()
    with pytest.raises(SystemExit):
        deliver(crashed, now=now, session=Killed())
    claimed = message(crashed, message_id)
    assert (claimed.status, claimed.attempts) == ("pending", 1)

    restarted = make_app()
    assert deliver(restarted, now=now) == (0, 0, 0)  # still claimed by the dead worker
    assert deliver(restarted, now=claimed.next_attempt_at) == (1, 0, 0)
    assert message(restarted, message_id).attempts == 2
    assert len(server.hits) == 1


# --- the worker and its command ----------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [[], ["--concurrency", "1"]])
def test_flask_worker_once_delivers(app, runner, receiver, concurrency):
    """The receiver answers its first hit 200 and the next 500 (which message is sent
    first is not fixed when they go out at once)."""
    server = receiver(200, 500)
    ids = {1: put(app, server.url, {"BetId": 1}), 2: put(app, server.url, {"BetId": 2})}
    result = runner.invoke(args=["worker", "--once", *concurrency])
    assert result.exit_code == 0, result.output
    assert result.output == "1 sent, 1 to retry, 0 dead\n"
    accepted, refused = (body["BetId"] for body in server.bodies())
    assert {accepted, refused} == {1, 2}
    listing = runner.invoke(args=["outbox", "list"]).output.splitlines()
    assert [int(line.split("\t")[0]) for line in listing] == [ids[2], ids[1]]  # newest first
    rows = {int(line.split("\t")[0]): line.split("\t") for line in listing}
    assert (rows[ids[accepted]][2], rows[ids[accepted]][6]) == ("sent", "HTTP 200")
    assert (rows[ids[refused]][2], rows[ids[refused]][6]) == ("pending", "HTTP 500")
    assert runner.invoke(args=["outbox", "list", "--status", "sent"]).output.count("\n") == 1


def test_the_worker_loop_stops_on_its_event(app, receiver):
    server = receiver(200)
    stop = threading.Event()
    results = []
    thread = threading.Thread(
        target=lambda: results.append(run_worker(app, poll_seconds=0.05, stop_event=stop))
    )
    thread.start()
    put(app, server.url)
    deadline = time.monotonic() + 5
    while not server.hits and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert results == [(1, 0, 0)]


def test_the_worker_survives_a_failing_claim(app, monkeypatch):
    calls = []
    stop = threading.Event()

    def flaky(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        stop.set()
        return []

    monkeypatch.setattr(operations, "claim", flaky)
    assert run_worker(app, poll_seconds=0.01, stop_event=stop) == (0, 0, 0)
    assert len(calls) == 2

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(operations, "claim", broken)
    with pytest.raises(RuntimeError):  # --once reports the failure (exit status 1)
        run_worker(app, once=True)


def test_an_outcome_that_cannot_be_recorded_is_sent_again_after_the_lease(
    make_app, receiver, monkeypatch
):
    """Recording fails (the database went away after the POST): the worker carries on, and
    the message, still claimed, goes out again once its lease is over (at least once)."""
    server = receiver(200)
    app = make_app(OUTBOX_HTTP_TIMEOUT=0.1)  # lease: 5.2 s
    message_id = put(app, server.url)
    real_record = operations.record_all

    def failing(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(operations, "record_all", failing)
    assert run_worker(app, once=True) == (0, 0, 0)
    claimed = message(app, message_id)
    assert (claimed.status, claimed.attempts, len(server.hits)) == ("pending", 1, 1)
    monkeypatch.setattr(operations, "record_all", real_record)
    assert deliver(app, now=claimed.next_attempt_at) == (1, 0, 0)
    assert len(server.hits) == 2


def test_sigterm_stops_the_worker(app):
    """Signals reach the main thread, where the CLI runs the loop."""
    import os
    import signal

    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    started = time.monotonic()
    timer.start()
    assert run_worker(app, poll_seconds=0.05) == (0, 0, 0)
    assert time.monotonic() - started < 3
    assert signal.getsignal(signal.SIGTERM) is previous  # handler restored


# --- parallel workers ------------------------------------------------------------------------


def test_parallel_workers_never_send_a_message_twice(make_app, receiver):
    """Four workers (threads with their own app, session and connection) drain one outbox
    at once; every message reaches the receiver exactly once."""
    server = receiver(200, delay=0.01)
    operations.register_headers(KIND, lambda: {"X-Worker": threading.current_thread().name})
    app = make_app()
    with app.app_context():
        for number in range(40):
            enqueue(KIND, server.url, {"n": number})
        db.session.commit()
    workers = [make_app() for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    totals = []

    def work(worker_app):
        barrier.wait()
        with worker_app.app_context():
            total = 0
            while sent := deliver_due(limit=5)[0]:
                total += sent
            totals.append(total)

    threads = [
        threading.Thread(target=work, args=(a,), name=f"worker-{i}") for i, a in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    numbers = sorted(body["n"] for body in server.bodies())
    assert numbers == list(range(40))  # each one, once
    assert sum(totals) == 40
    assert len({hit["headers"]["X-Worker"] for hit in server.hits}) > 1  # really in parallel
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(
                    OutboxMessage.status == "sent", OutboxMessage.attempts == 1
                )
            )
            == 40
        )


# --- concurrent deliveries ---------------------------------------------------------------


def test_the_worker_sends_up_to_its_concurrency_at_once(make_app, receiver):
    """Every hit waits at a barrier for CONCURRENCY hits in all: it passes only when that
    many POSTs are under way together (one after the other, the first hit would wait in
    vain and be answered 500). Nothing is sent twice and all are sent on the first try."""
    concurrency = 6
    barrier = threading.Barrier(concurrency, timeout=20)

    def wait_for_the_others(hit):
        barrier.wait()  # raises BrokenBarrierError (no answer) unless all came together
        hit["together"] = True

    server = receiver(200, on_hit=wait_for_the_others)
    app = make_app(OUTBOX_HTTP_TIMEOUT=30)
    for number in range(concurrency):
        put(app, server.url, {"n": number})
    assert run_worker(app, once=True, concurrency=concurrency) == (concurrency, 0, 0)
    assert sorted(body["n"] for body in server.bodies()) == list(range(concurrency))
    assert all(hit["together"] for hit in server.hits)


def test_one_slow_answer_does_not_hold_up_the_others(make_app, receiver):
    """The first message's receiver does not answer until the test says so; meanwhile the
    worker (running, as in production) sends every other message, the ones enqueued later
    included. Then the slow one is answered and recorded too."""
    release = threading.Event()

    def slow_for_the_first(hit):
        if json.loads(hit["body"])["n"] == "slow":
            assert release.wait(timeout=30)

    server = receiver(200, on_hit=slow_for_the_first)
    app = make_app(OUTBOX_HTTP_TIMEOUT=40)
    slow_id = put(app, server.url, {"n": "slow"})
    stop = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(run_worker(app, poll_seconds=0.05, stop_event=stop))
    )
    worker.start()
    try:
        for number in range(20):
            put(app, server.url, {"n": number})
        deadline = time.monotonic() + 30  # (a hit is counted once on_hit has returned)
        while len(server.hits) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(body["n"] for body in server.bodies()) == list(range(20))
        assert message(app, slow_id).status == "pending"  # still waiting for its answer
        release.set()
        deadline = time.monotonic() + 30
        while message(app, slow_id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        release.set()
        stop.set()
        worker.join(timeout=60)
    assert results == [(21, 0, 0)]
    assert message(app, slow_id).attempts == 1


def test_stopping_waits_for_the_deliveries_under_way(make_app, receiver):
    """SIGTERM (here: the stop event) during a POST: the worker records its outcome before
    it returns, so nothing is left claimed."""
    server = receiver(200, delay=0.5)
    app = make_app()
    message_id = put(app, server.url)
    stop = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(run_worker(app, poll_seconds=0.05, stop_event=stop))
    )
    worker.start()
    deadline = time.monotonic() + 10
    while not server.hits and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    worker.join(timeout=10)
    assert results == [(1, 0, 0)]
    assert message(app, message_id).status == "sent"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_message_locked_by_another_worker_is_skipped_not_waited_for(make_app, receiver):
    """PostgreSQL: FOR UPDATE SKIP LOCKED. (SQLite serializes whole transactions, so row
    locks have no meaning there; this test runs on PostgreSQL only.)"""
    app = make_app()
    server = receiver(200)
    locked_id = put(app, server.url, {"n": "locked"})
    put(app, server.url, {"n": "free"})
    other = make_app()
    with other.app_context():
        db.session.execute(
            text("SELECT id FROM outbox_message WHERE id = :id FOR UPDATE"), {"id": locked_id}
        )
        started = time.monotonic()
        assert deliver(app) == (1, 0, 0)
        assert time.monotonic() - started < 2
        db.session.rollback()
    assert server.bodies() == [{"n": "free"}]
    assert deliver(app) == (1, 0, 0)
    assert message(app, locked_id).status == "sent"


def test_requests_session_can_be_passed_in(app, receiver):
    server = receiver(200)
    put(app, server.url)
    with requests.Session() as http:
        http.headers["User-Agent"] = "portal-outbox-test"
        assert deliver(app, session=http) == (1, 0, 0)
    assert server.hits[0]["headers"]["User-Agent"] == "portal-outbox-test"
