"""The CRM feeds' exactly-once promise, checked on what the poller received during a bank run
(crm_poller.Poll) against the database afterwards (crm_truth.Truth). InTarget upserts rows
by their key in the order it receives them; the checks:

- crm poll: every feed answered every window asked (after retries);
- crm twice: no row (key) twice within one window's answer;
- crm window: every row in a window whose half-open range holds its modification time; a
  game session (which has none: the seed's three steps) only in a window holding one of
  its actions, with at least every action made before the window's end counted;
- crm missed: every row that changed in the polled windows reached the feed (wallets: every
  player account; transactions: every deposit, withdrawal, bonus movement, adjustment and
  cashback; sports-bets: every Betsy bet and coupon; a game session; ...);
- crm stale: the last row received of each equals its final state (a wallet's balance and
  modified time, a transaction's status, a bet's status and payout, a session's
  aggregates, ...);
- crm extra: nothing received that the database does not hold (e.g. a stake exported as
  a transaction).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from portal.crm.window import TIME_FORMAT
from tests.reliability.bank.crm_poller import Poll, Window
from tests.reliability.bank.crm_truth import GAME_ACTIVITY, KEYS, Truth

SHOWN = 3  # receipts of a row shown in an anomaly


def _when(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except (TypeError, ValueError):
        return None


def check(poll: Poll, truth: Truth, anomaly) -> list:
    """The anomalies (built by `anomaly(check, text)`) of what the poller received."""
    found = [anomaly("crm poll", error) for error in poll.errors]
    for feed, answers in poll.answers.items():
        key_column, stamp_column = KEYS[feed]
        received: dict[str, list[tuple[Window, dict]]] = defaultdict(list)
        for answer in answers:
            counts = Counter(row.get(key_column) for row in answer.rows)
            for key, count in counts.items():
                if count > 1:
                    text = f"{feed} {key}: {count} rows in window {answer.window}"
                    found.append(anomaly("crm twice", text))
            for row in answer.rows:
                key = row.get(key_column)
                received[key].append((answer.window, row))
                problem = _out_of_window(feed, stamp_column, row, answer.window, truth)
                if problem:
                    found.append(anomaly("crm window", f"{feed} {key}: {problem}"))
        found += _final_states(feed, received, truth, anomaly)
    return found


def _out_of_window(feed: str, stamp_column, row: dict, window: Window, truth: Truth) -> str:
    """Why the row does not belong to the window ('' when it does)."""
    if stamp_column is not None:
        stamp = _when(row.get(stamp_column))
        if stamp is None or not window.contains(stamp):
            return f"{stamp_column} {row.get(stamp_column)!r} received in window {window}"
        return ""
    if feed != GAME_ACTIVITY:
        return ""
    actions = truth.actions.get(row.get("session_id"), [])
    if not any(window.contains(at) for at, _kind in actions):
        return f"received in window {window}, none of its actions is in it"
    for kind, column in (("bet", "bet_count"), ("win", "win_count")):
        before = sum(1 for at, done in actions if done == kind and at < window.end)
        if not row.get(column, "").isdigit() or int(row[column]) < before:
            return (
                f"received in window {window} with {column} {row.get(column)!r}: {before}"
                " were made before its end"
            )
    return ""


def _final_states(feed: str, received: dict, truth: Truth, anomaly) -> list:
    expected = truth.rows.get(feed)
    if expected is None:  # (sports-tournaments: no modification time to hold them to)
        return []
    found = []
    for key, want in expected.items():
        got = received.get(key)
        if not got:
            found.append(anomaly("crm missed", f"{feed} {key}: never received; final {want}"))
            continue
        _window, last = got[-1]
        differ = {c: (last.get(c), v) for c, v in want.items() if last.get(c) != v}
        if differ:
            shown = "; ".join(f"{w}: {r}" for w, r in got[-SHOWN:])
            text = f"{feed} {key}: last received differs (received, final): {differ} [{shown}]"
            found.append(anomaly("crm stale", text))
    for key in received.keys() - expected.keys() - truth.after.get(feed, set()):
        window, row = received[key][-1]
        text = f"{feed} {key}: received in window {window}, the database has no such row: {row}"
        found.append(anomaly("crm extra", text))
    return found
