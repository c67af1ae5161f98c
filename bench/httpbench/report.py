"""What the benchmark prints: the machine and versions, one table per database, the
failed answers, and the figures the issue's targets are about (measured, not judged)."""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from pathlib import Path

from bench.httpbench.runner import Report, Row

COLUMNS = ("scenario", "requests", "errors", "req/s", "p50 ms", "p99 ms", "% ceiling", "SQL/req")


def machine() -> str:
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", _read("/proc/meminfo"), re.MULTILINE)
    load = load_average()
    return (
        f"{os.cpu_count()} CPUs ({model.group(1).strip() if model else 'unknown model'}), "
        f"{int(memory.group(1)) // 1024 // 1024 if memory else '?'} GiB, "
        f"{platform.system()} {platform.release()}; load average {load}"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def command(argv: list[str]) -> str:
    """The command line this run was started with."""
    return shlex.join([sys.executable, *argv])


def table(report: Report) -> str:
    ceiling = next((r for r in report.rows if r.scenario == "ceiling" and r.outcome), None)
    lines = [[*COLUMNS, "note"]]
    for row in report.rows:
        lines.append([row.scenario, *_figures(row, ceiling), row.note])
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = []
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [
            line[i].rjust(widths[i]) for i in range(1, len(COLUMNS))
        ]
        out.append("  ".join(cells) + (f"  {line[-1]}" if line[-1] else ""))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _figures(row: Row, ceiling: Row | None) -> list[str]:
    statements = "-" if row.statements is None else str(row.statements)
    if row.outcome is None:
        return ["0", str(row.errors), "-", "-", "-", "-", statements]
    o = row.outcome
    share = (
        f"{100 * o.rate / ceiling.outcome.rate:.0f} %" if ceiling and ceiling.outcome.rate else "-"
    )
    return [
        str(o.answered),
        str(row.errors),
        f"{o.rate:.1f}",
        f"{o.p50_ms:.1f}",
        f"{o.p99_ms:.1f}",
        share,
        statements,
    ]


def errors(report: Report) -> str:
    lines = []
    for row in [report.setup, *report.rows]:
        if row.errors or row.samples:
            lines.append(f"  {row.scenario}: {row.errors} errors")
            lines += [f"    {sample}" for sample in row.samples[:8]]
    return "failed answers:\n" + "\n".join(lines) if lines else "failed answers: none"


# What issue 10 measured before the fast core (4 sync workers, 16 connections).
ISSUE_START = {
    "sqlite": {"betcore-stake": 47, "betsy-place": 45},
    "postgresql": {"betcore-stake": 51, "betsy-place": 58},
}


def targets(report: Report) -> str:
    """The issue's targets next to this run's figures (what the fast core will be judged by)."""
    rows = {row.scenario: row for row in report.rows if row.outcome}
    sqlite = report.database == "sqlite"
    lines = []

    def ratio(label: str, top: str, bottom: str, target: str) -> None:
        if top in rows and bottom in rows and rows[bottom].outcome.rate:
            share = 100 * rows[top].outcome.rate / rows[bottom].outcome.rate
            lines.append(f"  {label}: {share:.0f} %  (target {target})")

    floor = "50 %" if sqlite else "30 %"
    for name in ("betcore-stake", "betsy-place"):
        ratio(f"{name} / ceiling", name, "ceiling", f">= {floor}")
        ratio(f"{name} / flask-get", name, "flask-get", f">= {floor} of the issue's first ceiling")
        start = ISSUE_START[report.database].get(name)
        if name in rows and start:
            times = rows[name].outcome.rate / start
            text = f"{times:.1f} x the issue's start ({start} req/s)"
            lines.append(f"  {name}: {text}  (target about 10 x)")
    if not sqlite:
        for name in ("betcore-stake", "betsy-place"):
            if name in rows:
                p99 = rows[name].outcome.p99_ms
                lines.append(f"  {name} p99: {p99:.1f} ms  (target <= 50 ms)")
    ratio("hot-player / betcore-stake", "hot-player", "betcore-stake", ">= 70 %")
    after = sorted((n for n in rows if n.startswith("stake-after-")), key=_size)
    if len(after) >= 2:
        ratio(f"{after[-1]} / {after[0]}", after[-1], after[0], ">= 90 %")
    every = {row.scenario: row for row in report.rows}
    for name, budget in (("betcore-stake", 8), ("betcore-repeat", 4)):
        if name in every and every[name].statements is not None:
            lines.append(
                f"  SQL statements, {name}: {every[name].statements}  (target <= {budget})"
            )
    return "the issue's targets (measured here, not judged):\n" + "\n".join(lines) if lines else ""


def _size(name: str) -> int:
    number = name.removeprefix("stake-after-")
    scale = {"k": 1_000, "m": 1_000_000}.get(number[-1:], 1)
    return int(number.rstrip("km")) * scale


def database_section(report: Report) -> str:
    parts = [
        f"== {report.database}: {report.version} ({report.settings}); "
        f"load average afterwards {report.load}",
        f"ceiling: {report.ceiling}",
        "",
        table(report),
        "",
        errors(report),
        targets(report),
        report.ledger,
    ]
    return "\n".join(part for part in parts if part is not None) + "\n"


def legend(chosen) -> str:
    """What each scenario's request is."""
    width = max(len(scenario.name) for scenario in chosen)
    return "scenarios:\n" + "\n".join(f"  {s.name.ljust(width)}  {s.what}" for s in chosen) + "\n"
