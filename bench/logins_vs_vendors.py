"""Do logins starve vendor callbacks? BETCORE stakes and /healthz, quiet and during a burst
of Argon2 logins, against gunicorn on PostgreSQL, for several worker set-ups.

A benchmark, not a test: it starts a throwaway PostgreSQL (tests/harness/postgres.py),
migrates it, creates players whose hashes have the production parameters (OWASP's Argon2id
unless PASSWORD_HASH_* say otherwise), and for each set-up starts gunicorn with the
repository's gunicorn.conf.py, then measures (tests/harness/login_burst.py): `--seconds`
quiet, then as long with `--logins` clients logging in back to back.

    .venv/bin/python bench/logins_vs_vendors.py
    .venv/bin/python bench/logins_vs_vendors.py --setups gthread:2:4 sync:5:1 --logins 16

A set-up is CLASS:WORKERS:THREADS[:HASHES:NICENESS] (WEB_WORKER_CLASS, WEB_CONCURRENCY,
WEB_THREADS, and PASSWORD_HASH_CONCURRENCY and PASSWORD_HASH_NICENESS, whose defaults are
1 and 10).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # portal, and tests.harness

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.harness.appserver import Gunicorn, portal_environment  # noqa: E402
from tests.harness.login_burst import LoginWorld, measure  # noqa: E402
from tests.harness.postgres import TemporaryPostgres  # noqa: E402
from tests.harness.vendors import CLIENT_SECRET, Betcore  # noqa: E402

PASSWORD = "burst-pass-1"  # noqa: S105 (the bench players')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", nargs="+", default=["gthread:2:4", "sync:5:1"])
    parser.add_argument("--seconds", type=float, default=10, help="per phase (default 10)")
    parser.add_argument("--logins", type=int, default=8, help="login clients (default 8)")
    args = parser.parse_args(argv)
    with TemporaryPostgres() as postgres:
        url = postgres.create_database("bench_logins")
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp()})
        with app.app_context():
            upgrade()
        world = LoginWorld.populate(app, logins=args.logins, password=PASSWORD)
        with app.app_context():
            db.engine.dispose()
        betcore = Betcore()
        try:
            opened = False
            for setup in args.setups:
                worker_class, workers, threads, *hashing = setup.split(":")
                hashes, niceness = (hashing + ["1", "10"][len(hashing) :])[:2]
                env = portal_environment(
                    url,
                    BETCORE_API_URL=betcore.url,
                    BETCORE_CLIENT_SECRET=CLIENT_SECRET,
                    LOGIN_RATE_LIMIT="1000000 per minute",
                    WEB_THREADS=threads,
                    PASSWORD_HASH_CONCURRENCY=hashes,
                    PASSWORD_HASH_NICENESS=niceness,
                )
                server = Gunicorn(env, workers=int(workers), worker_class=worker_class)
                with server:
                    if not opened:
                        world.open_casino(server.url, betcore)
                        opened = True
                    title = f"{worker_class}, {workers} workers x {threads} threads"
                    title += f", {hashes} hash(es) at once per worker, niceness {niceness}"
                    print(f"\n== {title}; {os.cpu_count()} CPUs ==")
                    phases = (("quiet", 0), (f"{args.logins} login clients", args.logins))
                    for label, logins in phases:
                        result = measure(
                            server.url,
                            betcore,
                            world,
                            seconds=args.seconds,
                            login_threads=logins,
                        )
                        print(result.report(label), flush=True)
        finally:
            betcore.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
