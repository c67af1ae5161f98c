"""The gunicorn worker that serves the export, seen through /proc (Linux): its resident set
now (VmRSS) and its peak since the process started (VmHWM, the kernel's high-water mark,
which no sampling interval can miss), a sampler thread that records VmRSS every few
milliseconds while a download runs, and the CPU time the process has used."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

PROC = Path("/proc")


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    found = {}
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) * 1024  # kB
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    stat = (PROC / str(pid) / "stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def children(pid: int) -> list[int]:
    """The living child processes of `pid` (gunicorn's workers of a master)."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def available() -> bool:
    return (PROC / str(os.getpid()) / "status").exists()


class Sampler:
    """Records the largest VmRSS of `pid` seen between start() and stop()."""

    def __init__(self, pid: int, every: float = 0.005):
        self.pid, self.every = pid, every
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = status(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return  # the process is gone
            self.peak = max(self.peak, rss)
            self.samples += 1
            time.sleep(self.every)
