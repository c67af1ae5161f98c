"""SQLite's writers take turns through a lock file (portal/sqlite_writers.py)."""

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import text

from portal import sqlite_writers
from portal.extensions import db

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def lock_file(app) -> str:
    with app.app_context():
        return sqlite_writers.lock_path(db.engine.url.database)


def free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_transaction_holds_the_lock_until_it_commits_or_rolls_back(app):
    path = lock_file(app)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        assert not free(path)
        db.session.commit()
        assert free(path)
        db.session.execute(text("SELECT 1"))
        assert not free(path)
        db.session.rollback()
        assert free(path)


def test_a_writer_waits_for_the_lock_and_goes_on_when_it_is_released(app):
    path = lock_file(app)
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(0.3, lambda: (fcntl.flock(fd, fcntl.LOCK_UN), os.close(fd))).start()
    started = time.monotonic()
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        waited = time.monotonic() - started
        db.session.commit()
    assert 0.25 <= waited < 5


def test_a_writer_gives_up_after_the_wait(app, monkeypatch):
    monkeypatch.setattr(sqlite_writers, "WAIT_SECONDS", 0.3)
    path = lock_file(app)
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with app.app_context(), pytest.raises(sqlite_writers.WritersLockTimeout):
            db.session.execute(text("SELECT 1"))
    finally:
        os.close(fd)
    with app.app_context():  # and the connection is usable again once the lock is free
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.session.commit()


def test_a_login_holds_no_write_lock_while_it_hashes(app, brand_id, make_player, monkeypatch):
    """Vendors' calls on SQLite must not wait behind the password hash of every login."""
    from portal.accounts import operations

    make_player(email="ann@example.com", password="secret123")
    path, seen = lock_file(app), []
    real_verify = operations.verify_password

    def verify(stored, password):
        seen.append(free(path))
        return real_verify(stored, password)

    monkeypatch.setattr(operations, "verify_password", verify)
    client = app.test_client()
    answer = client.post(
        f"/gateway/login/1/{brand_id}/player",
        json={"email": "ann@example.com", "password": "secret123"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert seen == [True]
