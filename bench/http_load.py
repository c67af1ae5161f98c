"""The portal over HTTP: gunicorn on SQLite and on a throwaway PostgreSQL, loaded over
loopback by wrk (or a Python load generator) with real RS256 JWTs and Betsy signatures.

    .venv/bin/python bench/http_load.py                        # both databases, 10 s each
    .venv/bin/python bench/http_load.py --database sqlite --quick
    .venv/bin/python bench/http_load.py --scenarios betcore-stake,hot-player --seconds 5

Per database it prints one table: each scenario's requests, errors, successful answers per
second, p50 and p99 latency, its share of the ceiling (GET /healthz) of the same run, and
the SQL statements one such request sends. bench/README.md explains the scenarios and how
to read the figures. The last run's output per database goes to bench/results-<db>.txt.
Exit status 1 when any answer failed, 2 when a database could not be started.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # portal, tests.harness and bench.httpbench from this tree

import gunicorn  # noqa: E402

from bench.args import positive  # noqa: E402
from bench.httpbench import report, runner, scenarios, wrk_load  # noqa: E402
from tests.harness.postgres import PostgresUnavailable  # noqa: E402

QUICK = {"seconds": 1, "warmup": 0, "players": 10, "ledger_sizes": "100,1000"}
DEFAULTS = {"seconds": 10, "warmup": 2, "players": 50, "ledger_sizes": "10000,1000000"}


def _workers(args) -> str:
    if args.worker_class == "sync":
        return "sync workers"
    return f"gthread workers x {args.threads} threads"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # so that `finally` stops the servers
    generator, generator_note = _generator(args.generator)
    cpus = os.cpu_count() or 1
    options = runner.Options(
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        players=args.players,
        scenarios=args.scenarios,
        ledger_sizes=args.ledger_sizes,
        generator=generator,
        wrk_threads=wrk_load.threads_for(args.connections, cpus) if generator == "wrk" else 1,
        verify_in_process=args.quick,
    )
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    header = "\n".join(
        [
            f"portal HTTP benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
            f"command: {report.command([sys.argv[0], *argv])}",
            f"machine: {report.machine()}",
            f"versions: Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version} "
            f"(Python's), gunicorn {gunicorn.__version__}, {generator_note}",
            f"load: {args.connections} connections"
            + (f" on {options.wrk_threads} wrk threads" if generator == "wrk" else "")
            + f"; gunicorn {args.workers} {_workers(args)}; {args.players} players; "
            f"{args.seconds} s per scenario after a {args.warmup} s warm-up",
        ]
    )
    print(header, flush=True)
    legend = report.legend(scenarios.build(args.scenarios, args.ledger_sizes))
    results, status = [], 0
    for kind in databases:
        try:
            done = runner.run_database(kind, options, _progress)
        except PostgresUnavailable as exc:
            print(f"\n== {kind}: not run: {exc.reason}", flush=True)
            status = max(status, 2)
            continue
        section = report.database_section(done)
        print("\n" + section, flush=True)
        args.results_dir.mkdir(parents=True, exist_ok=True)
        (args.results_dir / f"results-{kind}.txt").write_text(f"{header}\n\n{section}\n{legend}")
        results.append(done)
        if done.errors:
            status = max(status, 1)
    print(legend, flush=True)
    if args.json:
        args.json.write_text(json.dumps([_as_json(r) for r in results], indent=1))
    return status


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=positive, help="timed seconds per scenario (10)")
    parser.add_argument("--warmup", type=int, help="warm-up seconds before each scenario (2)")
    parser.add_argument("--connections", type=positive, default=16, help="concurrent (16)")
    parser.add_argument("--workers", type=positive, default=4, help="gunicorn workers (4)")
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default="sync",
        help="gunicorn worker class (sync, as the issue measured; production: gthread)",
    )
    parser.add_argument(
        "--threads", type=positive, default=8, help="threads per gthread worker (8)"
    )
    parser.add_argument("--players", type=positive, help="players, spread over (50)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 1 s per scenario, no warm-up, 10 players, ledger sizes 100,1000 "
        "(each unless given); the ledger check runs in-process",
    )
    parser.add_argument(
        "--scenarios",
        help="comma-separated subset (the ceiling always runs); 'stake-after' means every "
        "ledger size. Known: " + ", ".join(scenarios.NAMES) + ", stake-after-<size>",
    )
    parser.add_argument("--ledger-sizes", help="earlier transactions (10000,1000000)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--results-dir", type=Path, default=ROOT / "bench", help="where results-<db>.txt go"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    chosen = {**DEFAULTS, **(QUICK if args.quick else {})}
    for name, value in chosen.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    try:
        args.ledger_sizes = [int(x) for x in str(args.ledger_sizes).split(",") if x.strip()]
    except ValueError:
        parser.error("--ledger-sizes: comma-separated numbers")
    names = scenarios.all_names(args.ledger_sizes) + ["stake-after"]
    args.scenarios = [x.strip() for x in args.scenarios.split(",")] if args.scenarios else names
    unknown = [x for x in args.scenarios if x not in names]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {', '.join(names)}")
    if args.warmup < 0:
        parser.error("--warmup: 0 or more seconds")
    return args


def _generator(choice: str) -> tuple[str, str]:
    if choice in ("auto", "wrk") and wrk_load.available():
        return "wrk", wrk_load.version()
    if choice == "wrk":
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    why = "as asked" if choice == "python" else "because wrk is not installed (apt-get install wrk)"
    return "python", f"load generator: Python threads, {why}: its figures are lower bounds"


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _as_json(done: runner.Report) -> dict:
    rows = []
    for row in done.rows:
        figures = asdict(row.outcome) if row.outcome else {}
        figures.pop("passed", None)
        rows.append(
            {
                "scenario": row.scenario,
                "requests": row.requests,
                "errors": row.errors,
                "rate": row.outcome.rate if row.outcome else 0.0,
                "statements": row.statements,
                "note": row.note,
                "samples": row.samples,
                **{k: v for k, v in figures.items() if k in ("seconds", "p50_ms", "p99_ms")},
            }
        )
    return {
        "database": done.database,
        "version": done.version,
        "ledger_ok": done.ledger_ok,
        "rows": rows,
    }


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: every server this run started has been stopped", file=sys.stderr)
        sys.exit(130)
