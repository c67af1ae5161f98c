"""One database's run of the CRM export benchmark: a fresh database migrated as in
production, filled in bulk, the portal under gunicorn (one gthread worker, the repository's
gunicorn.conf.py) on 127.0.0.1, and per format and size one download on a fresh worker.

A fresh worker per download: gunicorn's master forks a new one from the preloaded app and
stops the old one; the new one answers two empty windows (CSV and JSON, so that the code
and the database connection are warm), then its resident set is read (before), sampled
while the download streams, and its high-water mark read at the end (peak). Memory that
grew with the rows would show as a peak that grows with the size. Everything started here
is stopped here, on errors and interrupts too."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import signal
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests
from flask_migrate import upgrade

from bench.crmexport import download, fill, proc
from bench.httpbench import servers
from portal import create_app
from portal.crm.feeds.money import TRANSACTION_COLUMNS
from portal.extensions import db
from tests.harness.appserver import portal_environment

USER, PASSWORD = "intarget", "crm-bench-password"  # noqa: S105 (a throwaway server's)
FORMATS = ("csv", "json")


@dataclass
class Measurement:
    format: str
    size: int  # rows filled into the window
    rows: int  # rows received
    bytes: int
    first_byte_ms: float
    first_row_ms: float
    seconds: float
    rows_per_second: float
    cpu_seconds: float  # the worker's CPU time (user + system) during the download
    rss_before: int  # bytes: the worker after its warm-up, before the download
    rss_sampled: int  # the largest VmRSS sampled during the download
    rss_peak: int  # VmHWM after the download: the worker's peak over its whole life
    worker_pid: int
    checked: str = ""  # what the full parse checked (--verify), else empty


@dataclass
class Result:
    database: str
    version: str
    settings: str
    players: int
    filled: int
    fill_seconds: float
    load_before: str
    load_after: str = ""
    measurements: list[Measurement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Options:
    sizes: list[int]
    players: int
    verify: bool  # keep each body and parse it completely (small sizes only)
    deadline: float  # time.monotonic() by which everything must be over
    threads: int = 8  # gthread threads of the worker (gunicorn.conf.py's default)


def run_database(kind: str, options: Options, say) -> Result:
    started = time.monotonic()

    def progress(text: str) -> None:
        say(f"[{time.monotonic() - started:6.1f} s] {kind}: {text}")

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-crm-bench-")))
        progress("starting the database")
        database = stack.enter_context(servers.database(kind, tmp))
        app = create_app(
            {
                "DATABASE_URL": database.url,
                "INSTANCE_PATH": str(tmp / "instance"),
                "SECRET_KEY": "benchmark",
                "LOG_LEVEL": "WARNING",
            }
        )
        stack.callback(_dispose, app)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        progress("migrating (flask db upgrade)")
        with app.app_context():
            upgrade()
            version = servers.server_version(db.engine)
        result = Result(
            kind, version, database.settings, options.players, options.sizes[-1], 0.0,
            _load(),
        )  # fmt: skip
        filled = fill.fill(app, options.sizes, options.players, progress)
        result.fill_seconds = round(filled.seconds, 1)
        _dispose(app)  # the bench's own connections: nothing of ours is open while it serves
        env = portal_environment(
            database.url, CRM_FEED_USER=USER, CRM_FEED_PASSWORD=PASSWORD, WEB_ACCESS_LOG="off"
        )
        progress("starting gunicorn (1 gthread worker)")
        server = stack.enter_context(
            servers.Portal(env, workers=1, preload=True, threads=options.threads)
        )
        for format_ in FORMATS:
            for size, end in zip(options.sizes, filled.ends, strict=True):
                _check_time(options)
                progress(f"{format_}: {size:,} rows")
                try:
                    done = _measure(server, filled, format_, size, end, options)
                except RuntimeError as exc:
                    result.errors.append(f"{format_} {size:,} rows: {exc}")
                    progress(f"failed: {exc}\ngunicorn's log ends with:\n{server.log()[-3000:]}")
                    continue
                result.measurements.append(done)
                if done.rows != size:
                    result.errors.append(f"{format_}: {done.rows:,} rows of {size:,} arrived")
                progress(
                    f"{done.rows:,} rows in {done.seconds:.2f} s = {done.rows_per_second:,.0f}"
                    f" rows/s, peak RSS {done.rss_peak / 2**20:.1f} MiB"
                )
        result.load_after = _load()
        return result


def _measure(server, filled, format_: str, size: int, end, options: Options) -> Measurement:
    pid = _fresh_worker(server, options)
    auth = (USER, PASSWORD)
    for warm in FORMATS:  # an empty window: the hour before the first segment
        empty = download.url_of(server.url, filled.start - fill.SEGMENT, filled.start, warm)
        download.download(empty, auth, warm, deadline=options.deadline)
    before = proc.status(pid)["VmRSS"]
    cpu = proc.cpu_seconds(pid)
    sampler = proc.Sampler(pid).start()
    try:
        url = download.url_of(server.url, filled.start, end, format_)
        got = download.download(url, auth, format_, deadline=options.deadline, keep=options.verify)
    finally:
        sampled = sampler.stop()
    cpu = proc.cpu_seconds(pid) - cpu
    peak = proc.status(pid)["VmHWM"]
    checked = _verify(got, size) if options.verify else ""
    return Measurement(
        format_, size, got.rows, got.bytes, round(got.first_byte * 1000, 1),
        round(got.first_row * 1000, 1), round(got.seconds, 3), round(got.rows_per_second),
        round(cpu, 2), before, sampled, peak, pid, checked,
    )  # fmt: skip


def _fresh_worker(server, options: Options) -> int:
    """A new worker in place of the current one; its pid, once it alone answers. gunicorn's
    master (started by this run) is asked for one worker more (SIGTTIN), which it forks
    at once from the preloaded app, then for one fewer (SIGTTOU), which stops the oldest."""
    master = server.process.pid
    old = proc.children(master)
    os.kill(master, signal.SIGTTIN)
    new = _wait(options, lambda: [pid for pid in proc.children(master) if pid not in old])
    os.kill(master, signal.SIGTTOU)
    _wait(options, lambda: not set(old) & set(proc.children(master)))
    _wait(options, lambda: _answers(server.url))
    return new[0]


def _wait(options: Options, condition):
    while not (found := condition()):
        _check_time(options)
        time.sleep(0.02)
    return found


def _answers(url: str) -> bool:
    with contextlib.suppress(requests.RequestException):
        return requests.get(url + "/healthz", timeout=5).status_code == 200
    return False


def _verify(got: download.Download, size: int) -> str:
    """Parse the whole body: the columns, and every filled row once (by its id)."""
    names = [name for name, _kind in TRANSACTION_COLUMNS]
    text = got.body.decode("utf-8")
    if got.format == "csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, ids = rows[0], [row[0] for row in rows[1:]]
        if any(len(row) != len(names) for row in rows):
            raise RuntimeError("a CSV row has the wrong number of fields")
    else:
        items = json.loads(text)
        header = list(items[0]) if items else names
        ids = [item["id"] for item in items]
    if header != names:
        raise RuntimeError(f"columns {header} instead of {names}")
    deposits = sum(1 for n in range(size) if n % fill.WITHDRAWAL_EVERY != fill.WITHDRAWAL_EVERY - 1)
    counted = (
        sum(i.startswith("deposit:") for i in ids),
        sum(i.startswith("withdrawal:") for i in ids),
    )
    if len(set(ids)) != len(ids) or counted != (deposits, size - deposits):
        raise RuntimeError(
            f"{len(ids)} rows, {len(set(ids))} distinct, (deposits, withdrawals) {counted} "
            f"instead of {(deposits, size - deposits)}"
        )
    return f"parsed: {len(ids):,} distinct ids ({deposits:,} deposits), {len(names)} columns"


def _check_time(options: Options) -> None:
    if time.monotonic() > options.deadline:
        raise TimeoutError("the benchmark ran out of its time limit")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()
