"""How fast the outbox worker empties a queue of accepts when the vendor is slow to answer,
one delivery at a time against several at once (OUTBOX_CONCURRENCY).

A benchmark, not a test: it builds a fresh SQLite database (or a throwaway PostgreSQL with
`--database postgresql`), enqueues `--messages` accepts for a local receiver that answers
each POST after `--delay` seconds, and times `run_worker(once=True)` for each concurrency.

    .venv/bin/python bench/outbox_delivery.py
    .venv/bin/python bench/outbox_delivery.py --database postgresql --concurrency 1 8 16
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # portal, and tests.harness for the throwaway PostgreSQL

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.outbox import enqueue  # noqa: E402
from portal.outbox.worker import run_worker  # noqa: E402
from tests.harness.postgres import TemporaryPostgres  # noqa: E402


def slow_receiver(delay: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.1, help="receiver's answer time (s)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        folder = tempfile.mkdtemp()
        if args.database == "postgresql":
            url = stack.enter_context(TemporaryPostgres()).create_database("bench_outbox")
        else:
            url = f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": folder})
        with app.app_context():
            upgrade()
        receiver = slow_receiver(args.delay)
        stack.callback(receiver.shutdown)
        target = f"http://127.0.0.1:{receiver.server_port}/accept"
        for concurrency in args.concurrency:
            with app.app_context():
                for n in range(args.messages):
                    enqueue("bench.accept", target, {"n": n})
                db.session.commit()
            started = time.monotonic()
            sent, retried, dead = run_worker(app, once=True, concurrency=concurrency)
            seconds = time.monotonic() - started
            print(
                f"{args.database}  concurrency={concurrency:<3d} {sent} sent ({retried} retried, "
                f"{dead} dead) in {seconds:6.2f} s = {sent / seconds:7.1f} accepts/s "
                f"(receiver answers in {1000 * args.delay:.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
