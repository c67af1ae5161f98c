"""The CRM transactions feed under load: rows per second, time to first byte and the
serving worker's peak memory while InTarget downloads a window of 100,000 and of
1,000,000 transactions, as CSV and as JSON, from gunicorn on SQLite and on a throwaway
PostgreSQL.

    .venv/bin/python bench/crm_export.py                          # both databases, 1,000,000
    .venv/bin/python bench/crm_export.py --database sqlite --rows 200000
    .venv/bin/python bench/crm_export.py --quick                  # 1,000 and 10,000 rows

Per database: a fresh database migrated as in production, a few thousand players, and
--rows deposits and withdrawals filled in bulk, a tenth of them in the first hour and the
rest in the second, so that the windows [first hour] and [both hours] hold --rows / 10
and --rows rows. Each window is downloaded as CSV and as JSON, streamed and counted, each
by a fresh gunicorn worker whose memory is sampled from /proc. bench/README.md explains
the figures. Exit status 1 when a download failed or missed rows, 2 when PostgreSQL could
not be started, 3 when the time limit ran out.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # portal, tests.harness and bench.* from this tree

import gunicorn  # noqa: E402

from bench.args import positive  # noqa: E402
from bench.crmexport import proc, run  # noqa: E402
from bench.httpbench import report  # noqa: E402
from tests.harness.postgres import PostgresUnavailable  # noqa: E402

QUICK = {"rows": 10_000, "players": 100, "time_limit": 300}
DEFAULTS = {"rows": 1_000_000, "players": 5_000, "time_limit": 3_600}
MIB = 2**20


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if not proc.available():
        print("this benchmark reads the worker's memory from /proc (Linux only)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)  # so that `finally` stops the servers
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(args.time_limit + 60)  # a last resort: the steps check the deadline first
    sizes = sorted({max(1, args.rows // 10), args.rows})
    options = run.Options(
        sizes=sizes,
        players=args.players,
        verify=args.verify,
        deadline=time.monotonic() + args.time_limit,
    )
    header = "\n".join(
        [
            f"CRM export benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
            f"command: {report.command([sys.argv[0], *argv])}",
            f"machine: {report.machine()}",
            f"versions: Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version} "
            f"(Python's), gunicorn {gunicorn.__version__}",
            f"GET /crm/transactions, windows of {' and '.join(f'{s:,}' for s in sizes)} rows "
            f"({args.players:,} players), 1 gunicorn gthread worker, a fresh one per download",
        ]
    )
    print(header, flush=True)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results, status = [], 0
    try:
        for kind in databases:
            try:
                done = run.run_database(kind, options, _progress)
            except PostgresUnavailable as exc:
                print(f"\n== {kind}: not run: {exc.reason}", flush=True)
                status = max(status, 2)
                continue
            print("\n" + section(done), flush=True)
            results.append(done)
            if done.errors:
                status = max(status, 1)
    except TimeoutError as exc:
        print(f"\nstopped: {exc} ({args.time_limit} s)", flush=True)
        status = 3
    finally:
        signal.alarm(0)
    if args.json:
        figures = {"header": header, "sizes": sizes, "results": [r.as_json() for r in results]}
        args.json.write_text(json.dumps(figures, indent=1))
    return status


COLUMNS = (
    "format", "rows", "MiB", "first byte", "first row", "seconds", "rows/s", "worker CPU",
    "rows/CPU s", "RSS before", "peak RSS", "growth",
)  # fmt: skip


def section(done: run.Result) -> str:
    lines = [
        f"== {done.database}: {done.version}; {done.settings}",
        f"filled {done.filled:,} rows for {done.players:,} players in {done.fill_seconds} s; "
        f"load average {done.load_before} before, {done.load_after} after",
        "",
    ]
    cells = [list(COLUMNS)]
    for m in done.measurements:
        cells.append(
            [
                m.format,
                f"{m.rows:,}",
                f"{m.bytes / MIB:.1f}",
                f"{m.first_byte_ms:.0f} ms",
                f"{m.first_row_ms:.0f} ms",
                f"{m.seconds:.2f}",
                f"{m.rows_per_second:,}",
                f"{m.cpu_seconds:.2f} s",
                f"{m.rows / m.cpu_seconds:,.0f}" if m.cpu_seconds else "-",
                f"{m.rss_before / MIB:.1f} MiB",
                f"{m.rss_peak / MIB:.1f} MiB",
                f"{(m.rss_peak - m.rss_before) / MIB:+.1f} MiB",
            ]
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    for n, row in enumerate(cells):
        lines.append("  ".join([row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]))  # fmt: skip
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"  {m.format} {m.size:,}: {m.checked}" for m in done.measurements if m.checked]
    lines += [f"ERROR {error}" for error in done.errors]
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--rows", type=positive, help="rows of the large window; the small one has a tenth "
        "(1,000,000; --quick: 10,000)"
    )  # fmt: skip
    parser.add_argument("--players", type=positive, help="players the rows belong to (5,000)")
    parser.add_argument(
        "--quick", action="store_true",
        help="a smoke run: 1,000 and 10,000 rows of 100 players, every body parsed (--verify)",
    )  # fmt: skip
    parser.add_argument(
        "--verify", action="store_true",
        help="keep each body and parse it: columns, every row once (for small sizes)",
    )  # fmt: skip
    parser.add_argument(
        "--time-limit", type=positive, help="seconds for the whole run (3,600; --quick: 300)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    chosen = {**DEFAULTS, **(QUICK if args.quick else {})}
    for name, value in chosen.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.verify = args.verify or args.quick
    return args


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _out_of_time(_signum, _frame) -> None:
    raise TimeoutError("the benchmark ran out of its time limit")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: every server this run started has been stopped", file=sys.stderr)
        sys.exit(130)
