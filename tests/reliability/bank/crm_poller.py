"""InTarget's side of a bank run: a thread that asks the CRM feeds (GET /crm/<feed>, HTTP
Basic) over HTTP for consecutive half-open windows [t0, t0+W), [t0+W, t0+2W), ... while
the bank's clients play, each window as soon as it has ended (the feed itself waits until
the window has settled: portal/crm/settle.py), and keeps every row it received.

    with Poller(server.url, start=t0, seconds=2) as poller:  # polls the windows that
        ...                                # ended already, then keeps up; the load
        poller.finish()                    # the load is over: up to the window
        poll = poller.result()             # holding this moment (waits for it)

A window's feeds are asked at the same time (a few threads), each from one app server in
turn (`Poller([url_a, url_b], ...)`), in CSV (even windows) or JSON (odd windows); a JSON
value is kept as the CSV writes it (None "", true/false, numbers as written), so that the
checker compares text. An answer that is not 200 with a whole body (a connection lost, a
server killed mid-stream, 503 while the window settles) is asked again until
`retry_seconds` have passed, as InTarget asks a window again; then the window's feed is
recorded as failed (`errors`).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import requests

from portal.crm.feeds import FEEDS
from portal.crm.window import TIME_FORMAT
from portal.timeutil import utcnow

CRM_USER, CRM_PASSWORD = "intarget", "bank-crm-feed-password"  # noqa: S105
FEED_NAMES = tuple(FEEDS)  # all 13
# (connect, read): a read waits for the window to settle (CRM_SETTLE_WAIT_SECONDS) first
TIMEOUT = (5, 90)


def crm_settings() -> dict:
    """The app servers' settings for the feeds (their environment)."""
    return {"CRM_FEED_USER": CRM_USER, "CRM_FEED_PASSWORD": CRM_PASSWORD}


def now_second() -> datetime:
    """Now on the portal's clock (naive UTC), cut to the second: a window border."""
    return utcnow().replace(microsecond=0)


@dataclass(frozen=True)
class Window:
    index: int
    start: datetime  # inclusive
    end: datetime  # exclusive

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"#{self.index} [{self.start:%H:%M:%S}, {self.end:%H:%M:%S})"


@dataclass
class Answer:
    """One feed's rows for one window (values as CSV text), in the order received."""

    feed: str
    window: Window
    format: str
    rows: list[dict[str, str]]
    attempts: int
    lag: float  # seconds from the window's end to the whole answer


@dataclass
class Poll:
    """What the poller received: answers by feed, each feed's in window order."""

    start: datetime
    seconds: int
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)  # every window asked, in order
    errors: list[str] = field(default_factory=list)  # a window's feed never answered

    @property
    def end(self) -> datetime:
        """The end of the last window asked (what was after it was not asked for)."""
        return self.windows[-1].end if self.windows else self.start

    def figures(self) -> dict:
        """For the run's report: windows polled, rows received per feed, the median and
        longest wait from a window's end to its answer (the first windows are asked once
        the app server is up), answers asked again."""
        answers = [a for feed in self.answers.values() for a in feed]
        lags = sorted(a.lag for a in answers) or [0.0]
        return {
            "crm_windows": len(self.windows),
            "crm_window_seconds": self.seconds,
            "crm_rows": {feed: sum(len(a.rows) for a in got) for feed, got in self.answers.items()},
            "crm_lag": round(lags[len(lags) // 2], 2),
            "crm_max_lag": round(lags[-1], 2),
            "crm_retries": sum(a.attempts - 1 for a in answers),
            "crm_errors": len(self.errors),
        }


def _text(value) -> str:
    """A JSON value as the CSV writer writes it."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def parse(body: bytes, format_: str) -> list[dict[str, str]]:
    """The rows of an answer; ValueError for a body that is not a whole CSV or JSON."""
    text = body.decode("utf-8")
    if format_ == "json":
        rows = json.loads(text, parse_float=Decimal)
        if not isinstance(rows, list):
            raise ValueError("not a JSON array")
        return [{key: _text(value) for key, value in row.items()} for row in rows]
    if not text.endswith("\r\n"):
        raise ValueError("a CSV answer without its header row or last line end")
    return list(csv.DictReader(io.StringIO(text, newline="")))


class Poller(threading.Thread):
    def __init__(
        self,
        base_urls: str | list[str],
        *,
        start: datetime,
        seconds: int,
        feeds: tuple[str, ...] = FEED_NAMES,
        retry_seconds: float = 150,
        parallel: int = 4,
    ):
        super().__init__(name="crm-poller", daemon=True)
        self.urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.feeds, self.retry_seconds, self.parallel = feeds, retry_seconds, parallel
        self.poll = Poll(start, seconds, {feed: [] for feed in feeds})
        self._until: datetime | None = None
        self._aborted = threading.Event()
        self._local = threading.local()
        self.failure: BaseException | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.abort()  # (if the test left before the result)
        self.join(30)

    def result(self, timeout: float = 300) -> Poll:
        """What was received, once the windows up to `finish` have been asked."""
        if self._until is None:
            self.finish()
        self.join(timeout)
        if self.is_alive():
            self.abort()
            raise TimeoutError(f"the CRM poller did not finish within {timeout} s")
        if self.failure is not None:
            raise self.failure
        return self.poll

    def finish(self, after: datetime | None = None) -> None:
        """Poll until a window that ends after `after` (default: now) has been asked."""
        self._until = after or utcnow()

    def abort(self) -> None:
        """Stop at once (a test that failed before its load ended)."""
        self._aborted.set()

    def run(self) -> None:
        try:
            with ThreadPoolExecutor(self.parallel, thread_name_prefix="crm-feed") as pool:
                index = 0
                while not self._aborted.is_set():
                    step = timedelta(seconds=self.poll.seconds)
                    start = self.poll.start + index * step
                    if self._until is not None and start > self._until:
                        return
                    window = Window(index, start, start + step)
                    pause = (window.end - utcnow()).total_seconds()
                    if pause > 0 and self._aborted.wait(pause):
                        return
                    asked = [pool.submit(self._ask, feed, window) for feed in self.feeds]
                    for feed, future in zip(self.feeds, asked, strict=True):
                        answer = future.result()
                        if answer is not None:
                            self.poll.answers[feed].append(answer)
                    self.poll.windows.append(window)
                    index += 1
        except BaseException as exc:  # the test fails with it after the join
            self.failure = exc

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.auth = (CRM_USER, CRM_PASSWORD)
        return session

    def _ask(self, feed: str, window: Window) -> Answer | None:
        format_ = "json" if window.index % 2 else "csv"
        params = {"from": f"{window.start:{TIME_FORMAT}}", "to": f"{window.end:{TIME_FORMAT}}"}
        if format_ == "json":
            params["format"] = "json"
        url = f"{self.urls[(window.index + self.feeds.index(feed)) % len(self.urls)]}/crm/{feed}"
        deadline = time.monotonic() + self.retry_seconds
        attempts, last = 0, ""
        while not self._aborted.is_set():
            attempts += 1
            try:
                response = self._session().get(url, params=params, timeout=TIMEOUT)
                if response.status_code == 200:
                    rows = parse(response.content, format_)
                    lag = (utcnow() - window.end).total_seconds()
                    return Answer(feed, window, format_, rows, attempts, lag)
                last = f"HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code not in (502, 503, 504):
                    break  # an answer that asking again will not change
            except (requests.RequestException, ValueError) as exc:  # incl. a body cut short
                last = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.poll.errors.append(f"{feed} {window}: not answered after {attempts} tries ({last})")
        return None
