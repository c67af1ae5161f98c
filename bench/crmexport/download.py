"""One feed download as InTarget makes it: GET /crm/transactions?from=…&to=… with HTTP
Basic, read as a stream and counted on the fly, never held in memory.

Rows are counted from the bytes without parsing: a CSV row ends with CRLF (the feed's
values hold no line breaks here; the header row is not counted), and in the JSON array
every object starts on a line of its own ("\\n{", which json.dumps never writes inside a
string). `keep=True` also keeps the whole body, for a full parse in the smoke run."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from portal.crm.window import TIME_FORMAT

CHUNK = 1 << 16
READ_TIMEOUT = 120  # seconds without a byte before the download counts as failed
_ROW_END = {"csv": b"\r\n", "json": b"\n{"}


@dataclass
class Download:
    format: str
    status: int
    rows: int
    bytes: int
    first_byte: float  # seconds from sending the request to the first byte of the body
    first_row: float  # ... to the first byte after the first row's end (CSV: the header)
    seconds: float  # ... to the last byte
    body: bytes | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def url_of(base_url: str, start, end, format_: str) -> str:
    query = {"from": start.strftime(TIME_FORMAT), "to": end.strftime(TIME_FORMAT)}
    if format_ != "csv":
        query["format"] = format_
    return f"{base_url}/crm/transactions?{urlencode(query)}"


def download(
    url: str, auth: tuple[str, str], format_: str, *, deadline: float, keep: bool = False
) -> Download:
    """Stream the answer; RuntimeError when it is not a 200, is cut short, or passes
    `deadline` (time.monotonic())."""
    marker = _ROW_END[format_]
    kept = bytearray() if keep else None
    ends = size = 0
    tail = b""  # the body's last 3 bytes: a marker may straddle two chunks
    first_byte = first_row = None
    sent = time.perf_counter()
    with requests.get(url, auth=auth, stream=True, timeout=(10, READ_TIMEOUT)) as response:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:500]}")
        for chunk in response.iter_content(CHUNK):
            if not chunk:
                continue
            now = time.perf_counter()
            if first_byte is None:
                first_byte = now - sent
            ends += (tail[-1:] + chunk).count(marker)
            tail = (tail + chunk)[-3:]
            size += len(chunk)
            if first_row is None and ends > (1 if format_ == "csv" else 0):
                first_row = now - sent
            if kept is not None:
                kept += chunk
            if time.monotonic() > deadline:
                raise RuntimeError(f"the download passed its deadline after {size:,} bytes")
        seconds = time.perf_counter() - sent
    rows = ends - 1 if format_ == "csv" else ends
    if not tail.endswith(b"\r\n" if format_ == "csv" else b"\n]\n"):
        raise RuntimeError(f"the answer was cut short: it ends with {tail!r}")
    return Download(
        format_,
        200,
        max(rows, 0),
        size,
        first_byte or seconds,
        first_row or seconds,
        seconds,
        bytes(kept) if kept is not None else None,
    )
