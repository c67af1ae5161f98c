"""Exactly once with a late writer: a transaction that wrote a row inside a window and
commits after the window ended must not lose the row.

A slow writer changes a player (its modification time falls in second S) and holds its
transaction open past the end of S. A poller asks for the window [S, S+1) meanwhile: the
answer must wait until the writer commits and then hold the row; the next window must
not hold it again. The control without the settle step (the feed answering at once)
shows what the test guards against: the row is then in neither window."""

import base64
import csv
import io
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from portal.accounts.models import Player
from portal.crm import settle
from portal.extensions import db

AUTH = {"Authorization": "Basic " + base64.b64encode(b"crm:secret").decode()}
FORMAT = "%Y-%m-%d+%H:%M:%S"


@pytest.fixture
def crm_app(make_app):
    return make_app(
        CRM_FEED_USER="crm",
        CRM_FEED_PASSWORD="secret",
        CRM_SETTLE_SECONDS=0.2,
        CRM_SETTLE_WAIT_SECONDS=20,
    )


class SlowWriter(threading.Thread):
    """Changes the player's city, reads back its stamp, waits for `release`, commits."""

    def __init__(self, app, player_id: int):
        super().__init__(daemon=True)
        self.app, self.player_id = app, player_id
        self.written, self.release, self.done = threading.Event(), threading.Event(), False
        self.stamp = None

    def run(self):
        with self.app.app_context():
            player = db.session.get(Player, self.player_id)
            player.city = "Late Town"
            db.session.flush()
            query = select(Player.modified_at).where(Player.id == self.player_id)
            self.stamp = db.session.scalar(query)
            self.written.set()
            self.release.wait(30)
            db.session.commit()
            self.done = True


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.data
    return [row["id"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))]


def _window(start) -> str:
    end = start + timedelta(seconds=1)
    return f"/crm/players?from={start.strftime(FORMAT)}&to={end.strftime(FORMAT)}"


def _poll_in_background(app, url: str):
    answer = {}

    def poll():
        response = app.test_client().get(url, headers=AUTH)
        response.get_data()  # the body streams when read
        answer["at"] = time.monotonic()
        answer["response"] = response

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread, answer


def _late_write(app, make_player):
    player_id = make_player(email="late@example.com")
    with app.app_context():  # registered long ago: only the late change can be in S
        db.session.execute(
            update(Player).where(Player.id == player_id).values(modified_at=datetime(2020, 1, 1))
        )
        db.session.commit()
    writer = SlowWriter(app, player_id)
    writer.start()
    assert writer.written.wait(10)
    second = writer.stamp.replace(microsecond=0)
    return str(player_id), writer, second


def test_a_window_waits_for_a_writer_that_began_inside_it(crm_app, make_player):
    player_id, writer, second = _late_write(crm_app, make_player)
    poller, answer = _poll_in_background(crm_app, _window(second))
    time.sleep(max(0.0, (second + timedelta(seconds=1.5)).timestamp() - _now_ts()) + 1.0)
    assert "response" not in answer, "the window was answered while its writer was open"
    writer.release.set()
    committed_at = time.monotonic()
    poller.join(30)
    writer.join(10)
    assert writer.done and answer["at"] >= committed_at
    assert player_id in _ids(answer["response"])
    later = crm_app.test_client().get(_window(second + timedelta(seconds=1)), headers=AUTH)
    assert player_id not in _ids(later)


def test_without_the_settle_step_the_late_row_is_lost(crm_app, make_player, monkeypatch):
    """The control: answering at once misses a row committed after its window was read."""
    monkeypatch.setattr(settle, "wait_until_settled", lambda end: None)
    player_id, writer, second = _late_write(crm_app, make_player)
    time.sleep(max(0.0, (second + timedelta(seconds=1)).timestamp() - _now_ts()) + 0.1)
    first = crm_app.test_client().get(_window(second), headers=AUTH)
    first.get_data()  # the body streams when read: read it before the writer commits
    writer.release.set()
    writer.join(10)
    later = crm_app.test_client().get(_window(second + timedelta(seconds=1)), headers=AUTH)
    assert player_id not in _ids(first) and player_id not in _ids(later)


def _now_ts() -> float:
    """Now on the portal's clock, as a POSIX timestamp of the naive UTC value."""
    from portal.timeutil import utcnow

    return utcnow().timestamp()


def _postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("pg_stat_activity is PostgreSQL's")


class StampThenWait(threading.Thread):
    """One statement that takes its stamp, then waits for an advisory lock held elsewhere
    before its first write (no transaction id until then): as an INSERT or UPDATE does
    that waits for a lock after it computed its values."""

    STATEMENT = """
        WITH stamp AS MATERIALIZED (SELECT portal_now() AS at),
             held AS MATERIALIZED (SELECT pg_advisory_xact_lock(:key) FROM stamp)
        UPDATE player SET city = 'Waited Town', modified_at = (SELECT at FROM stamp)
         WHERE id = :id AND EXISTS (SELECT 1 FROM held)
        RETURNING modified_at
    """

    def __init__(self, app, player_id: int, key: int):
        super().__init__(daemon=True)
        self.app, self.player_id, self.key, self.stamp = app, player_id, key, None

    def run(self):
        with self.app.app_context(), db.engine.begin() as connection:
            query = text(self.STATEMENT).bindparams(key=self.key, id=self.player_id)
            self.stamp = connection.execute(query).scalar_one()


def test_a_window_waits_for_a_statement_that_took_its_stamp_and_waits(crm_app, make_player):
    """PostgreSQL: the waiting statement holds no transaction id yet; it is still waited
    for because it has been running since before the window's end."""
    _postgres_only(crm_app)
    player_id = make_player(email="waits@example.com")
    key = 7_140_001
    with crm_app.app_context(), db.engine.connect() as holder:
        # a transaction's lock (no transaction id): a failing test's rollback frees it
        holder.execute(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=key))
        started = _now_ts()
        statement = StampThenWait(crm_app, player_id, key)
        statement.start()
        time.sleep(0.3)  # the stamp is taken
        second = datetime.utcfromtimestamp(int(started))
        poller, answer = _poll_in_background(crm_app, _window(second))
        time.sleep(max(0.0, second.timestamp() + 1.5 - _now_ts()) + 1.0)
        assert "response" not in answer, "the window was answered while the statement ran"
        holder.rollback()
    statement.join(10)
    poller.join(30)
    assert statement.stamp is not None
    stamped = statement.stamp.replace(microsecond=0)
    rows = _ids(answer["response"])
    if stamped == second:
        assert str(player_id) in rows
    else:  # the stamp fell in the next second: that window holds it, this one does not
        assert str(player_id) not in rows
        later = crm_app.test_client().get(_window(stamped), headers=AUTH)
        assert str(player_id) in _ids(later)


def test_a_feed_stream_that_reads_does_not_hold_other_windows(crm_app):
    """A statement running since before the window's end that says it is a feed's stream
    (it only reads) is not waited for."""
    _postgres_only(crm_app)
    with crm_app.app_context():
        second = datetime.utcfromtimestamp(int(_now_ts()))
        reader = threading.Thread(target=_read_slowly_as_a_feed, args=(crm_app,), daemon=True)
        reader.start()
        time.sleep(max(0.0, second.timestamp() + 1.3 - _now_ts()))  # ended, margin passed
        began = time.monotonic()
        response = crm_app.test_client().get(_window(second), headers=AUTH)
        _ids(response)
        assert time.monotonic() - began < 2.5, "the feed waited for a reading stream"
        reader.join(10)


def _read_slowly_as_a_feed(app):
    with app.app_context(), db.engine.connect() as connection:
        name = text("SELECT set_config('application_name', :name, true)")
        connection.execute(name.bindparams(name=settle.FEED_APPLICATION))
        connection.execute(text("SELECT pg_sleep(6)"))
