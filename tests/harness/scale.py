"""How long the reliability suites run: short in the default test run (so CI guards them),
long under `make reliability` (PORTAL_LONG=1).

    operations = scaled(short=300, long=5000)
    report("bank", backend="postgresql", operations=5000, anomalies=0)

``report`` prints the figures and, when ``$PORTAL_REPORT_FILE`` is set (the Makefile sets
it), appends them there as one JSON line: the README's figures come from that file.
"""

from __future__ import annotations

import json
import os
import time

ENV_LONG = "PORTAL_LONG"
ENV_REPORT = "PORTAL_REPORT_FILE"


def long_run() -> bool:
    return os.environ.get(ENV_LONG) == "1"


def scaled(short, long):
    """`long` under PORTAL_LONG=1, else `short`."""
    return long if long_run() else short


def report(suite: str, **figures) -> None:
    """Print one suite's figures and append them to $PORTAL_REPORT_FILE when it is set."""
    record = {"suite": suite, "scale": "long" if long_run() else "short", **figures}
    record["at"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    print(f"\n[{suite}] " + ", ".join(f"{k}={v}" for k, v in record.items() if k != "suite"))
    path = os.environ.get(ENV_REPORT)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
