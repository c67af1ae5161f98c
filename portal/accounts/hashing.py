"""Argon2id password hashing at a documented cost, kept from starving the other requests.

Cost: the parameters of OWASP's Password Storage Cheat Sheet (Argon2id, 19 MiB, 2 passes,
1 lane), or PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_TIME_COST and PASSWORD_HASH_PARALLELISM;
create_app() calls `configure`. A hash made with other parameters (argon2-cffi's old
defaults: 64 MiB, 3 passes, 4 lanes) still verifies, and `needs_rehash` tells the login to
store a new one.

Where the work runs: every hash and check runs in a small pool of threads per process,
PASSWORD_HASH_CONCURRENCY of them (default 1), whose CPU priority is lowered by
PASSWORD_HASH_NICENESS (default 10; Linux, where a thread has a nice value of its own).
The request thread waits for its turn without holding the GIL. So a burst of logins costs
at most that many cores per worker process, and what else needs the CPU at that moment
(vendor callbacks, their PostgreSQL backends, /healthz) goes first. The logins wait
instead; that is the trade.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

OWASP = {"memory_cost": 19_456, "time_cost": 2, "parallelism": 1}  # KiB, passes, lanes
DUMMY_PASSWORD = "not-a-real-password-0"  # noqa: S105 (hashed to verify unknown logins)


def production_hasher(config: dict | None = None) -> PasswordHasher:
    """Argon2id with the PASSWORD_HASH_* settings of `config` (OWASP's by default)."""
    config = config or {}
    return PasswordHasher(
        memory_cost=config.get("PASSWORD_HASH_MEMORY_KIB", OWASP["memory_cost"]),
        time_cost=config.get("PASSWORD_HASH_TIME_COST", OWASP["time_cost"]),
        parallelism=config.get("PASSWORD_HASH_PARALLELISM", OWASP["parallelism"]),
    )


class Hashing:
    """A hasher and the threads it runs in."""

    def __init__(self, hasher: PasswordHasher, *, concurrency: int = 1, niceness: int = 10):
        if concurrency < 1:
            raise ValueError(f"PASSWORD_HASH_CONCURRENCY must be at least 1, not {concurrency}")
        self.hasher, self.concurrency, self.niceness = hasher, concurrency, niceness
        self._dummy: str | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid: int | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> tuple:
        hasher = self.hasher
        return (
            hasher.memory_cost,
            hasher.time_cost,
            hasher.parallelism,
            hasher.type,
            self.concurrency,
            self.niceness,
        )

    def hash(self, password: str) -> str:
        return self._run(self.hasher.hash, password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """argon2-cffi's verify (raises on a mismatch); a missing hash is checked against
        a hash of our own, so that both cost one Argon2 check."""
        return self._run(self.hasher.verify, password_hash or self._dummy_hash(), password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)  # reads the parameters only

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hash(DUMMY_PASSWORD)
        return self._dummy

    def _run(self, function, *args):
        return self._threads().submit(function, *args).result()

    def _threads(self) -> ThreadPoolExecutor:
        """The pool of this process (a forked gunicorn worker makes its own)."""
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(
                    self.concurrency, thread_name_prefix="argon2", initializer=self._lower
                )
                self._pool_pid = os.getpid()
            return self._pool

    def _lower(self) -> None:
        """Raise this thread's nice value (any process may lower its own priority)."""
        if self.niceness and hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
            thread = threading.get_native_id()
            with contextlib.suppress(OSError):
                current = os.getpriority(os.PRIO_PROCESS, thread)
                os.setpriority(os.PRIO_PROCESS, thread, min(19, current + self.niceness))


def from_settings(config: dict) -> Hashing:
    return Hashing(
        production_hasher(config),
        concurrency=config.get("PASSWORD_HASH_CONCURRENCY", 1),
        niceness=config.get("PASSWORD_HASH_NICENESS", 10),
    )


_current = Hashing(production_hasher())
_pinned = False  # use_hasher() was called: configure() leaves the hashing alone


def current() -> Hashing:
    return _current


def configure(config: dict) -> None:
    """Hash with the app's PASSWORD_HASH_* settings (create_app calls this)."""
    global _current
    if not _pinned:
        wanted = from_settings(config)
        if wanted.settings != _current.settings:
            _current = wanted


def use_hasher(hasher: PasswordHasher | None) -> None:
    """Pin a hasher whatever the settings say (tests use cheap parameters); None unpins."""
    global _current, _pinned
    _current, _pinned = Hashing(hasher or production_hasher()), hasher is not None
