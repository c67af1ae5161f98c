"""The HTTP benchmark (bench/http_load.py) in its quickest form, and its wrk script.

Nothing here asserts a speed: only that the benchmark runs to the end with every request
answered as the door's success, and that the wrk script sends each prepared call at most
once and counts a failed answer as one."""

import collections
import json
import subprocess
import sys
import threading

import pytest
from flask import Flask

from tests.harness.appserver import ROOT
from tests.harness.live_server import LiveServer
from tests.harness.requirements import unavailable

sys.path.insert(0, str(ROOT))  # bench.httpbench (bench/ is not a package of the portal)

from bench.httpbench import wrk_load  # noqa: E402
from bench.httpbench.calls import Call, Check  # noqa: E402


def test_quick_bench_on_sqlite_completes_without_a_failed_request(tmp_path):
    # The Python generator waits for the answer of each request it sent, so every scenario
    # has answers however busy the machine is (wrk drops those in flight at its deadline).
    result = subprocess.run(
        [
            sys.executable,
            "bench/http_load.py",
            "--database=sqlite",
            "--quick",
            "--players=5",
            "--connections=4",  # (fewer logins of up to a second each left at the end)
            "--generator=python",
            f"--results-dir={tmp_path}",
            f"--json={tmp_path / 'figures.json'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, output
    (report,) = json.loads((tmp_path / "figures.json").read_text())
    assert report["ledger_ok"], output
    rows = {row["scenario"]: row for row in report["rows"]}
    assert set(rows) == {
        "ceiling",
        "flask-get",
        "betcore-stake",
        "betcore-payout",
        "betcore-repeat",
        "betsy-place",
        "betsy-settle",
        "hot-player",
        "betcalc-results",
        "payment-callback",
        "limited-stake",
        "login",
        "stake-after-100",
        "stake-after-1k",
    }
    for row in rows.values():
        assert row["requests"] > 0 and row["errors"] == 0, (row, output)
        assert row["statements"] is not None, row
    # the limit checks add at most two statements to a stake (issue 13)
    assert rows["limited-stake"]["statements"] <= rows["betcore-stake"]["statements"] + 2
    assert "betcore-payout" in (tmp_path / "results-sqlite.txt").read_text()


@pytest.fixture
def echo():
    """A server that answers GET /n/<number> with {"ok":1} (HTTP 400 when the number ends
    in 7) and counts how often it saw each number."""
    app, seen, lock = Flask("echo"), collections.Counter(), threading.Lock()

    @app.get("/n/<int:number>")
    def answer(number):
        with lock:
            seen[number] += 1
        return ({"ok": 1}, 400) if number % 10 == 7 else {"ok": 1}

    server = LiveServer(app)
    yield server.url, seen
    server.stop()


def test_wrk_script_sends_each_unique_call_once_and_counts_failures(echo):
    if not wrk_load.available():
        unavailable("wrk is not installed (the benchmark falls back to its Python generator)")
    url, seen = echo
    calls = [Call("GET", f"/n/{n}") for n in range(300)]
    outcome = wrk_load.run(
        url, calls, Check(200, '"ok"'), unique=True, seconds=5, connections=8, threads=2
    )
    assert outcome.reused == 0 and max(seen.values()) == 1
    answered_bad = sum(1 for n in seen if n % 10 == 7)
    assert 0 < outcome.failed <= answered_bad
    assert outcome.samples and outcome.samples[0].startswith("HTTP 400")

    seen.clear()
    outcome = wrk_load.run(
        url, calls[:3], Check(200), unique=False, seconds=1, connections=4, threads=2
    )
    assert outcome.answered > 3 and seen[0] > 1 and seen[7] == 0
