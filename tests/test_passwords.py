import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher, Type

from portal import create_app
from portal.accounts import passwords
from portal.accounts.hashing import Hashing
from portal.accounts.models import Player
from portal.accounts.passwords import (
    hash_password,
    policy_errors,
    production_hasher,
    verify_password,
)
from portal.config import load
from portal.extensions import db
from tests.gateway_flows import login

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # as tests/conftest.py
OLD_DEFAULTS = PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4)  # before OWASP


def codes(password, max_length=15, identities=("lucky7", "ann@example.com")):
    return policy_errors(password, max_length=max_length, identities=list(identities))


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("goal2024x", []),
        ("ab1c", ["password_short"]),
        ("abcdefgh12345678", ["password_long"]),
        ("LUCKY7", ["password_short", "password_match_user_name"]),
        ("Ann@Example.com", ["password_match_user_name", "password_mix_characters"]),
        ("aaaa1111", ["password_same_letters"]),
        ("abcdefgh", ["password_mix_characters"]),
        ("12345678", ["password_mix_characters"]),
        ("aaa", ["password_short", "password_same_letters", "password_mix_characters"]),
    ],
)
def test_policy_codes(password, expected):
    assert codes(password) == expected


def test_email_local_part_is_an_identity():
    assert codes("annann12", identities=["annann12@example.com"]) == ["password_match_user_name"]


def test_maximum_is_the_brands():
    assert codes("abcdefgh12345678", max_length=20) == []


def test_production_hashing_uses_owasps_parameters():
    """OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, parallelism 1."""
    hasher = production_hasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (19_456, 2, 1)
    assert hasher.type is Type.ID
    assert hasher.hash("goal2024x").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_parameters_come_from_the_settings(tmp_path, monkeypatch):
    assert production_hasher(load(tmp_path)).memory_cost == 19_456  # the defaults
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "47104")
    monkeypatch.setenv("PASSWORD_HASH_TIME_COST", "1")
    monkeypatch.setenv("PASSWORD_HASH_PARALLELISM", "2")
    hasher = production_hasher(load(tmp_path))
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (47_104, 1, 2)


@pytest.fixture
def unpinned():
    """The hasher follows create_app's settings, as in production (cheap ones here)."""
    passwords.use_hasher(None)
    yield
    passwords.use_hasher(CHEAP)


def test_create_app_hashes_with_its_settings(unpinned, tmp_path):
    create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "SECRET_KEY": "x",
            "PASSWORD_HASH_MEMORY_KIB": 1024,
            "PASSWORD_HASH_TIME_COST": 1,
        }
    )
    hasher = passwords.current_hasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (1024, 1, 1)
    assert hash_password("goal2024x").startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert passwords.needs_rehash(OLD_DEFAULTS.hash("goal2024x"))


def stored_hash(app, player_id) -> str:
    with app.app_context():
        return db.session.get(Player, player_id).password_hash


def test_an_old_hash_is_upgraded_at_the_next_successful_login(make_app, brand_id, make_player):
    """A hash made with argon2-cffi's old defaults (t=3, 64 MiB, p=4) still lets its player
    in; the successful login stores a new hash with the parameters in use (OWASP's here),
    a failed one changes nothing, and the next login finds nothing to upgrade."""
    app = make_app()
    passwords.use_hasher(production_hasher())
    try:
        player_id = make_player(email="old@example.com", password="secret123")
        with app.app_context():
            db.session.get(Player, player_id).password_hash = OLD_DEFAULTS.hash("secret123")
            db.session.commit()
        old = stored_hash(app, player_id)
        assert old.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        client = app.test_client()

        assert login(client, brand_id, "wrong1234", email="old@example.com").status_code == 401
        assert stored_hash(app, player_id) == old

        assert login(client, brand_id, "secret123", email="old@example.com").status_code == 200
        upgraded = stored_hash(app, player_id)
        assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert verify_password(upgraded, "secret123")

        assert login(client, brand_id, "secret123", email="old@example.com").status_code == 200
        assert stored_hash(app, player_id) == upgraded
    finally:
        passwords.use_hasher(CHEAP)


def test_hashes_are_argon2_and_salted():
    first, second = hash_password("goal2024x"), hash_password("goal2024x")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "goal2024x")
    assert not verify_password(first, "goal2024y")
    assert not verify_password(None, "goal2024x")
    assert not verify_password("not-a-hash", "goal2024x")


# --- where the hashing runs ---------------------------------------------------------------


def test_hashes_run_in_a_bounded_pool_of_low_priority_threads():
    """At most PASSWORD_HASH_CONCURRENCY hashes at once, in threads whose nice value is
    PASSWORD_HASH_NICENESS above the process's (on Linux)."""
    work = Hashing(CHEAP, concurrency=2, niceness=5)
    lock, running, seen = threading.Lock(), [0], []

    def observed():
        with lock:
            running[0] += 1
            seen.append(running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return threading.current_thread().name, os.getpriority(
            os.PRIO_PROCESS, threading.get_native_id()
        )

    with ThreadPoolExecutor(6) as requests:
        results = list(requests.map(lambda _: work._run(observed), range(6)))
    assert max(seen) == 2
    assert all(name.startswith("argon2") for name, _ in results)
    if sys.platform == "linux":
        base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert {nice for _, nice in results} == {min(19, base + 5)}
    assert work.verify(work.hash("goal2024x"), "goal2024x")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_hashes_in_threads_of_its_own():
    """gunicorn --preload forks workers from a master that may have hashed already."""
    work = Hashing(CHEAP)
    assert work.verify(work.hash("goal2024x"), "goal2024x")  # the parent's pool exists
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through its exit status)
        try:
            os._exit(0 if work.verify(work.hash("goal2024x"), "goal2024x") else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
