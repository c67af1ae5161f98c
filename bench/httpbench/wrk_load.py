"""Run a load with wrk (Debian's package) and replay.lua; parse what its done() prints.

wrk keeps its connections open (gunicorn's sync workers close each one after the answer,
so wrk reconnects: that is how a sync worker is used) and measures each request's latency
from sending to the complete answer; p50 and p99 are its --latency percentiles."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.httpbench.calls import Call, Check
from bench.httpbench.outcome import Outcome

SCRIPT = Path(__file__).with_name("replay.lua")
REQUEST_TIMEOUT = "30s"  # a slower answer counts as a timeout error


def program() -> str | None:
    return shutil.which("wrk")


def available() -> bool:
    return program() is not None


def version() -> str:
    result = subprocess.run(  # noqa: S603 (wrk from PATH, our own arguments)
        [program(), "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return f"wrk {found.group(1) if found else '(unknown version)'}"


def threads_for(connections: int, cpus: int) -> int:
    """wrk threads: as many as CPUs, dividing the connections evenly (wrk gives each thread
    connections / threads of them)."""
    threads = max(1, min(cpus, connections))
    while connections % threads:
        threads -= 1
    return threads


def run(
    base_url: str,
    calls: list[Call],
    check: Check,
    *,
    unique: bool,
    seconds: int,
    connections: int,
    threads: int,
) -> Outcome:
    """Send `calls` for `seconds` over `connections`: each at most once when `unique`."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        calls_file = Path(tmp) / "calls.txt"
        calls_file.write_text("".join(call.line() + "\n" for call in calls))
        markers = f"{tmp}/stopped-"
        per_thread = connections // threads
        command = [
            program(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            f"--timeout={REQUEST_TIMEOUT}",
            f"--script={SCRIPT}",
            base_url,
            "--",
            str(calls_file),
            "unique" if unique else "cycle",
            str(threads),
            str(check.status),
            check.needle,
            markers,
            str(per_thread),
        ]
        process = subprocess.Popen(  # noqa: S603 (wrk from PATH, our own arguments)
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            stdout, stderr = _wait(process, seconds + 60, threads, markers)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    text = stdout.decode(errors="replace")
    line = next((x for x in text.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(
            f"wrk failed (exit {process.returncode}):\n{text[-2000:]}{stderr.decode()[-2000:]}"
        )
    found = json.loads(line.removeprefix("BENCH-RESULT "))
    duration = found["duration_us"] / 1e6
    if found["ran_out_threads"] == found["threads"] and found["sent_seconds"]:
        duration = found["sent_seconds"]  # (wrk's own duration counts its idle wait too)
    early = found["ran_out_threads"] and (found["sent_seconds"] or 0) < 0.95 * seconds
    return Outcome(
        answered=found["ok"] + found["failed"],
        failed=found["failed"],
        socket_errors=sum(found[k] for k in ("connect", "read", "write", "timeout")),
        seconds=duration,
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        samples=found["samples"],
        ran_out=bool(early),
        reused=found["reused"],
    )


def _wait(process: subprocess.Popen, limit: float, threads: int, markers: str):
    """Wait for wrk; once every thread has stopped early (used up its calls), interrupt it
    instead of letting it sleep out its duration (SIGINT: it still prints its results)."""
    deadline = time.monotonic() + limit
    interrupted = False
    while process.poll() is None and time.monotonic() < deadline:
        if not interrupted and all(Path(f"{markers}{i}").exists() for i in range(threads)):
            process.send_signal(signal.SIGINT)
            interrupted = True
        time.sleep(0.05)
    return process.communicate(timeout=max(1.0, deadline - time.monotonic()))
