"""The CRM export benchmark (bench/crm_export.py) in its quick form, on both databases.

Nothing here asserts a speed or a memory size: only that the benchmark runs to the end,
that every filled row arrives in each download (CSV and JSON, both sizes; the quick form
also parses every body and checks each row's id once), and that the figures are reported.
One run for both databases (one start of the interpreter and the app); PostgreSQL is the
suite's server, on which the bench creates a database of its own and drops it after."""

import json
import os
import subprocess
import sys

from tests.harness.appserver import ROOT
from tests.harness.postgres import ENV_URL, PostgresUnavailable
from tests.harness.requirements import unavailable

SIZES = [1_000, 10_000]  # --quick's windows
FIGURES = ("first_byte_ms", "first_row_ms", "seconds", "rows_per_second", "rss_before")


def test_quick_crm_export_bench_runs_to_the_end_with_every_row(tmp_path, postgres_server):
    missing = isinstance(postgres_server, PostgresUnavailable)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    if not missing:
        env[ENV_URL] = postgres_server.url
    databases = ["sqlite"] if missing else ["sqlite", "postgresql"]
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, "bench/crm_export.py", "--quick", f"--json={figures}",
         "--database=" + ("sqlite" if missing else "both")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    output = f"{result.stdout[-5000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    report = json.loads(figures.read_text())
    assert report["sizes"] == SIZES, output
    assert [done["database"] for done in report["results"]] == databases, output
    for done in report["results"]:
        assert not done["errors"] and done["filled"] == SIZES[-1], output
        got = [(m["format"], m["size"]) for m in done["measurements"]]
        assert got == [(f, s) for f in ("csv", "json") for s in SIZES], output
        for measured in done["measurements"]:
            assert measured["rows"] == measured["size"], (measured, output)
            assert measured["checked"].startswith(f"parsed: {measured['size']:,} distinct ids")
            assert measured["bytes"] > 100 * measured["rows"], measured  # ~120 bytes a CSV row
            assert all(measured[name] > 0 for name in FIGURES), measured
            assert measured["rss_peak"] >= measured["rss_before"], measured
        assert f"== {done['database']}: " in result.stdout, output
    assert result.stdout.count("peak RSS") == len(databases), output
    if missing:
        unavailable(f"PostgreSQL is not available: {postgres_server.reason}")
