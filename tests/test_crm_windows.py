"""Issue 14's acceptance for every CRM feed, in CSV and in JSON: consecutive windows hold
every changed row exactly once, and a row changed again later shows up again.

Each scenario (tests/crm_scenarios.py, tests/crm_sports_scenarios.py) makes a few items
through the portal's doors and operations, each showing in one feed or in two that read
the same rows (players and contacts, tournaments and events, bets and their odds). Their
modification times are then set with an UPDATE onto the borders of the windows [A,B),
[B,C), [C,D), [D,E) of 2026-03-01 and just beside them (tests/crm_feeds.SLOTS): a row
stamped exactly on B belongs to [B,C), not to [A,B). Every window of every feed must hold
exactly the rows stamped in it, once each, with the values the scenario made. Then real
operations change some rows again (stamped by the database's clock, now): they must show
in the window around now with their new values, and leave their earlier window unless
they still belong there (a casino session with an earlier action: seed 003's three
steps).

The reader (tests/crm_feeds.Reader) checks each answer's columns against seed 003, the
value sets and types, RFC 4180 for the CSV, and that the CSV and the JSON agree."""

from datetime import datetime, timedelta

import pytest

from portal.timeutil import utcnow
from tests import crm_activity as activity
from tests import crm_scenarios as scenarios
from tests import crm_sports_scenarios as sports
from tests.crm_feeds import (
    EXTRA_SLOT,
    SLOTS,
    SPECS,
    TIME,
    WINDOWS,
    Reader,
    current_window,
    text_of,
)
from tests.harness.live_server import LiveServer

SCENARIOS = {
    "players-and-contacts": scenarios.people,
    "transactions": scenarios.transactions,
    "logins": scenarios.logins,
    "auto-logins": scenarios.auto_logins,
    "wallets": scenarios.wallets,
    "bonus-assignments": scenarios.bonus_assignments,
    "bonuses": scenarios.bonus_list,
    "casino-game-activity": scenarios.game_activity,
    "sports-tournaments-and-events": sports.catalogue,
    "sports-bets-and-odds": sports.bets,
}
FEEDS_OF = {
    "players-and-contacts": ["players", "contacts"],
    "sports-tournaments-and-events": ["sports-tournaments", "sports-events"],
    "sports-bets-and-odds": ["sports-bets", "sports-odds"],
}


@pytest.fixture(scope="module")
def betcalc_url():
    """The calculation service's sandbox, for the coupons of the sports scenarios."""
    from portal.sandbox.betcalc import create_betcalc_sandbox

    with LiveServer(create_betcalc_sandbox(login="12345", password="pw")) as server:
        yield server.url


@pytest.fixture
def app(make_app, betcalc_url):
    return make_app(**activity.feed_config(betcalc_url))


@pytest.fixture
def env(app, brand_id, make_player):
    return activity.make_env(app, brand_id, make_player)


def test_every_feed_is_covered():
    from portal.crm.feeds import FEEDS

    covered = [feed for name in SCENARIOS for feed in FEEDS_OF.get(name, [name])]
    assert sorted(covered) == sorted(SPECS) == sorted(FEEDS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_windows_hold_each_change_once_and_again_when_it_changes(name, app, env, clock):
    feeds = FEEDS_OF.get(name, [name])
    scenario = SCENARIOS[name](env)
    assert len(scenario.items) >= len(SLOTS), "a scenario fills every slot"
    slots = [
        (item, *(SLOTS[n] if n < len(SLOTS) else EXTRA_SLOT))
        for n, item in enumerate(scenario.items)
    ]
    activity.place(app, [(item, at) for item, at, _window in slots])
    assert {feed for item in scenario.items for feed in item.rows} == set(feeds)
    # feed -> window -> key -> (values, stamp)
    expected = {
        feed: [
            {key: (values, at) for item, at, w in slots if w == n
             for key, values in item.rows[feed].items()}
            for n in range(len(WINDOWS))
        ]
        for feed in feeds
    }  # fmt: skip
    readers = {feed: Reader(env.client, feed) for feed in feeds}
    for feed in feeds:
        for n, window in enumerate(WINDOWS):
            _check_window(readers[feed], readers[feed].rows(*window), expected[feed][n])

    before = utcnow()
    changed = scenario.change()
    after = utcnow()
    clock.travel(timedelta(seconds=2))  # the window around now is over: no need to wait
    start, end = current_window(before, after)
    assert set(changed) == set(feeds)
    for feed in feeds:
        stamped = {key: at for item, at, _ in slots for key in item.rows[feed]}
        _check_changes(readers[feed], (start, end), changed[feed], stamped)
        stays = {key for f, key in scenario.stays if f == feed}
        for n, window in enumerate(WINDOWS):  # the earlier windows of the changed rows
            if set(expected[feed][n]) & set(changed[feed]):
                rows = readers[feed].rows(*window)
                _check_earlier(readers[feed], rows, expected[feed][n], changed[feed], stays)


def _check_window(reader: Reader, rows: list[dict], expected: dict[str, tuple]) -> None:
    """The window holds exactly the expected rows, once each, stamped and valued."""
    key, stamp = reader.spec.key, reader.spec.stamp
    keys = [row[key] for row in rows]
    assert sorted(keys) == sorted(expected), (reader.feed, keys, sorted(expected))
    for row in rows:
        values, at = expected[row[key]]
        if stamp:
            assert row[stamp] == text_of(at), (reader.feed, row, at)
        _check_row(reader.feed, row, values, at)


def _check_changes(reader: Reader, window, changed: dict, stamped: dict) -> None:
    """The window around now holds each changed (or new) row, once, with its new values
    and a modification time in the window, and none of the rows that did not change."""
    rows = _keyed(reader, reader.rows(*window))
    for key, values in changed.items():
        assert key in rows, (reader.feed, key, "missing from the window of its change")
        _check_row(reader.feed, rows[key], values, stamped.get(key))
        if reader.spec.stamp:
            assert window[0] <= datetime.strptime(rows[key][reader.spec.stamp], TIME) < window[1]
    unchanged = set(stamped) - set(changed)
    assert not unchanged & set(rows), (reader.feed, "unchanged rows", unchanged & set(rows))


def _check_earlier(reader: Reader, rows, expected: dict, changed: dict, stays: set) -> None:
    """An earlier window without the rows that changed since, but for those that still
    belong there (with their new values)."""
    rows = _keyed(reader, rows)
    for key in set(expected) & set(changed) & stays:
        _check_row(reader.feed, rows.pop(key), changed[key], expected[key][1])
    kept = {k: v for k, v in expected.items() if k not in changed}
    _check_window(reader, list(rows.values()), kept)


def _keyed(reader: Reader, rows: list[dict]) -> dict[str, dict]:
    keyed = {row[reader.spec.key]: row for row in rows}
    assert len(keyed) == len(rows), (reader.feed, "a row twice", sorted(keyed))
    return keyed


def _check_row(feed: str, row: dict, values: dict, at) -> None:
    for column, value in values.items():
        wanted = text_of(at) if value is activity.AT else value
        assert row[column] == wanted, (feed, column, row[column], wanted, row)
