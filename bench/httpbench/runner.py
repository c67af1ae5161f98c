"""One database's run: the database, the players, the BETCORE stand-in and gunicorn, then
each scenario (its preparation, its statement count, a warm-up and the timed run), and the
ledger check at the end. Everything started here is stopped here, on errors and Ctrl-C too.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask_migrate import upgrade

from bench.httpbench import ledger_fill, python_load, scenarios, servers, statements, wrk_load
from bench.httpbench.calls import PAYMENTS_SECRET, RESULTS_SECRET, BetcoreSigner
from bench.httpbench.outcome import Outcome
from bench.httpbench.world import populate
from portal import create_app
from portal.extensions import db
from portal.wallet import verify
from tests.harness.appserver import ROOT, portal_environment
from tests.harness.vendors import CLIENT_SECRET, Betcore

BETSY_SECRET = "bench-betsy-partner-secret-0123456789-0123456789-abcdefghij"  # noqa: S105
LOGIN_RATE_LIMIT = "1000000 per minute"  # the bench measures hashing, not the limiter
SAFETY = 2.0  # prepare this many times the calls the expected rate would use
MAX_CALLS = 300_000  # per run: bounds signing time and memory
SEND_ONCE_LIMIT = 600  # seconds for an untimed preparation run (stakes to pay out...)


@dataclass(frozen=True)
class Options:
    seconds: int
    warmup: int
    connections: int
    workers: int
    players: int
    scenarios: list[str]
    ledger_sizes: list[int]
    generator: str  # wrk | python
    wrk_threads: int
    worker_class: str = "sync"
    threads: int = 8
    verify_in_process: bool = False  # the ledger check without `flask` (saves an app start)


@dataclass
class Row:
    scenario: str
    what: str
    outcome: Outcome | None = None
    statements: int | None = None
    errors: int = 0  # the timed run's, and its preparation's, warm-up's and statement count's
    samples: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def requests(self) -> int:
        return self.outcome.answered if self.outcome else 0


@dataclass
class Report:
    database: str
    settings: str
    version: str
    ceiling: str
    rows: list[Row]
    ledger: str  # wallet verify's verdict
    ledger_ok: bool
    load: str  # the machine's load average at the end

    setup: Row  # the untimed calls that woke the workers up

    @property
    def errors(self) -> int:
        everything = [self.setup, *self.rows]
        return sum(row.errors for row in everything) + (0 if self.ledger_ok else 1)


def run_database(kind: str, options: Options, progress) -> Report:
    started = time.monotonic()

    def say(text: str) -> None:
        progress(f"[{time.monotonic() - started:6.1f} s] {kind}: {text}")

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-bench-")))
        say("starting the database")
        database = stack.enter_context(servers.database(kind, tmp))
        betcore = Betcore()
        stack.callback(betcore.stop)
        app = create_app(
            {
                "DATABASE_URL": database.url,
                "INSTANCE_PATH": str(tmp / "instance"),
                "SECRET_KEY": "benchmark",
                "RATELIMIT_ENABLED": False,
                "LOG_LEVEL": "WARNING",
                "BETCORE_API_URL": betcore.url,
                "BETCORE_CLIENT_SECRET": CLIENT_SECRET,
                "BETSY_PARTNER_SECRET": BETSY_SECRET,
                "BETCALC_RESULT_SECRET": RESULTS_SECRET,
                "PAYMENT_SANDBOX_SECRET": PAYMENTS_SECRET,
            }
        )
        stack.callback(_dispose, app)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stand-in's request log
        with app.app_context():
            upgrade()
            version = servers.server_version(db.engine)
        say(f"creating {options.players} players")
        world = populate(app, options.players)
        env = portal_environment(
            database.url,
            BETCORE_API_URL=betcore.url,
            BETCORE_CLIENT_SECRET=CLIENT_SECRET,
            BETSY_PARTNER_SECRET=BETSY_SECRET,
            BETCALC_RESULT_SECRET=RESULTS_SECRET,
            PAYMENT_SANDBOX_SECRET=PAYMENTS_SECRET,
            LOGIN_RATE_LIMIT=LOGIN_RATE_LIMIT,
        )
        say(f"starting gunicorn with {options.workers} workers")
        server = stack.enter_context(
            servers.Portal(
                env,
                workers=options.workers,
                preload=True,
                worker_class=options.worker_class,
                threads=options.threads if options.worker_class == "gthread" else None,
            )
        )
        ceiling, ceiling_note = servers.ceiling_path(server.url)
        run = _Runner(server.url, ceiling, options, say)
        context = scenarios.Context(
            app=app,
            world=world,
            signer=BetcoreSigner(betcore),
            betsy_secret=BETSY_SECRET,
            ceiling=ceiling,
            send_once=run.send_once,
            progress=say,
        )
        say("waking the workers up (a few stakes and bets, untimed)")
        woken = scenarios.wake_workers(context, 2 * options.connections)
        setup = Row("(setup)", "", errors=woken.failed, samples=woken.samples)
        rows = [
            run.scenario(scenario, context)
            for scenario in scenarios.build(options.scenarios, options.ledger_sizes)
        ]
        say("checking the ledger (wallet verify)")
        ledger, ledger_ok = _verify(app, None if options.verify_in_process else env)
        say(ledger)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        return Report(
            kind, database.settings, version, ceiling_note, rows, ledger, ledger_ok, load, setup
        )


class _Runner:
    def __init__(self, base_url: str, ceiling: str, options: Options, say):
        self.base_url, self.ceiling, self.options, self.say = base_url, ceiling, options, say
        self.ceiling_rate: float | None = None
        self.measured: dict[str, float] = {}  # door -> the last timed rate

    def load(self, calls, check, *, unique: bool, seconds: int) -> Outcome:
        servers.drain(self.base_url, self.ceiling)
        if self.options.generator == "wrk":
            outcome = wrk_load.run(
                self.base_url,
                calls,
                check,
                unique=unique,
                seconds=seconds,
                connections=self.options.connections,
                threads=self.options.wrk_threads,
            )
        else:
            outcome = python_load.run(
                self.base_url,
                calls,
                check,
                unique=unique,
                seconds=seconds,
                connections=self.options.connections,
            )
        return outcome

    def send_once(self, calls, check) -> Outcome:
        servers.drain(self.base_url, self.ceiling)
        return python_load.run(
            self.base_url,
            calls,
            check,
            unique=True,
            connections=self.options.connections,
            seconds=SEND_ONCE_LIMIT,
        )

    def budget(self, rate: float, seconds: int) -> int:
        """Calls to prepare for `seconds` at about `rate`: enough not to run out, and at
        least two per connection and a few more (a wrk thread stops while it still holds
        one per connection)."""
        floor = 2 * self.options.connections + 4 * self.options.wrk_threads
        return min(MAX_CALLS, math.ceil(rate * seconds * SAFETY) + floor)

    def scenario(self, scenario: scenarios.Scenario, ctx: scenarios.Context) -> Row:
        row = Row(scenario.name, scenario.what)
        options, say = self.options, self.say
        try:
            say(f"{scenario.name}: preparing")
            row.note = scenario.prepare(ctx)
            count = statements.count(ctx.app, scenario.sample(ctx))
            row.statements = count.statements
            if count.problem:
                row.errors += 1
                row.samples.append(f"in-process: {count.problem}")
            # Alone in-process, a request takes count.seconds of one CPU: a first guess of
            # the rate, high (no HTTP, no waiting), and at most the ceiling's.
            guess = (os.cpu_count() or 1) / max(count.seconds, 1e-4)
            rate = self.measured.get(scenario.door) or min(guess, self.ceiling_rate or guess)
            if options.warmup:
                warm = self._prepare(row, scenario, ctx, self.budget(rate, options.warmup))
                if warm:
                    say(f"{scenario.name}: warming up for {options.warmup} s")
                    outcome = self.load(
                        warm, scenario.check, unique=scenario.unique, seconds=options.warmup
                    )
                    self._account(row, outcome, "warm-up: ")
                    # A warm-up's first moments are slow (each worker's first call): with
                    # few answers its rate says little, and the door's last rate may be
                    # closer.
                    if outcome.answered >= 4 * options.connections:
                        rate = max(outcome.rate, self.measured.get(scenario.door, 0.0))
            calls = self._prepare(row, scenario, ctx, self.budget(rate, options.seconds))
            if not calls:
                row.note = "nothing to send: the preparation failed"
                return row
            say(f"{scenario.name}: running {options.seconds} s ({len(calls)} calls prepared)")
            row.outcome = self.load(
                calls, scenario.check, unique=scenario.unique, seconds=options.seconds
            )
            self._account(row, row.outcome, "")
            if row.outcome.ran_out:
                ran = f"used up its {len(calls)} calls after {row.outcome.seconds:.1f} s"
                row.note = f"{row.note}; {ran}" if row.note else ran
            self.measured[scenario.door] = row.outcome.rate
            if scenario.name == "ceiling":
                self.ceiling_rate = row.outcome.rate
        except Exception as exc:  # one broken scenario must not hide the others' figures
            row.errors += 1
            row.samples.append(f"the bench failed: {type(exc).__name__}: {exc}"[:500])
            say(f"{scenario.name}: FAILED: {exc}")
        return row

    def _prepare(self, row: Row, scenario, ctx, count: int):
        if scenario.unique:
            self.say(f"{scenario.name}: preparing {count} calls")
        prepared = scenario.calls(ctx, count)
        row.errors += prepared.failed
        row.samples += prepared.samples
        return prepared.calls

    @staticmethod
    def _account(row: Row, outcome: Outcome, label: str) -> None:
        row.errors += outcome.errors
        row.samples += [f"{label}{sample}" for sample in outcome.samples]
        if outcome.socket_errors:
            row.samples.append(f"{label}{outcome.socket_errors} connection errors or timeouts")
        if outcome.reused:
            row.samples.append(f"{label}{outcome.reused} prepared calls sent twice")


def _verify(app, env: dict | None) -> tuple[str, bool]:
    """`flask --app app wallet verify` on the database, as an operator runs it; with no
    `env`, the function that command calls, in this process."""
    started = time.perf_counter()
    if env is None:
        with app.app_context():
            output = verify.problems()
        how, failed = "in-process", bool(output)
    else:
        result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "flask", "--app", "app", "wallet", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = (result.stdout + result.stderr).strip().splitlines()
        how, failed = "flask --app app wallet verify", result.returncode != 0
    count = ledger_fill.transactions(app)
    took = time.perf_counter() - started
    if failed:
        listed = "\n  ".join(output[:20])
        return f"wallet verify ({how}) FAILED, {count:,} transactions:\n  {listed}", False
    return f"wallet verify ({how}): ledger ok, {count:,} transactions, {took:.1f} s", True


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()
