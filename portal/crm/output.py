"""Rows as CSV (RFC 4180: a header row, quoting where needed, CRLF) or as a JSON array,
written piece by piece: a response never holds more than one batch of rows.

Values by column type:
  text       a string (CSV as is; JSON string)
  int        an integer
  decimal    an exact decimal (money in major units): CSV 12.50, JSON the number 12.50
  bool       CSV true/false, JSON true/false
  flag       CSV and JSON 1/0
  time       UTC, YYYY-MM-DD HH:MM:SS (fractions of a second cut, never rounded up)
  date       YYYY-MM-DD
None is an empty CSV field and JSON null.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal


def _text_value(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "time":  # (strftime's %Y drops the zeros of a year before 1000: 526-09-07)
        return value.isoformat(sep=" ", timespec="seconds")
    if kind == "date":
        return value.isoformat()
    if kind == "bool":
        return "true" if value else "false"
    if kind == "flag":
        return "1" if value else "0"
    if kind == "decimal":
        return format(Decimal(value), "f")
    return str(value)


def _json_value(kind: str, value) -> str:
    if value is None:
        return "null"
    if kind in ("time", "date", "text"):
        return json.dumps(_text_value(kind, value), ensure_ascii=False)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "flag":
        return "1" if value else "0"
    if kind == "decimal":
        return format(Decimal(value), "f")
    if kind == "int":
        return str(int(value))
    raise ValueError(f"unknown column type {kind!r}")


def csv_chunks(columns, batches: Iterable[list[tuple]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _kind in columns])
    yield buffer.getvalue()
    kinds = [kind for _name, kind in columns]
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            [[_text_value(k, v) for k, v in zip(kinds, row, strict=True)] for row in rows]
        )
        yield buffer.getvalue()


def json_chunks(columns, batches: Iterable[list[tuple]]) -> Iterator[str]:
    keys = [json.dumps(name) + ": " for name, _kind in columns]
    kinds = [kind for _name, kind in columns]
    separator = "\n"
    yield "["
    for rows in batches:
        parts = []
        for row in rows:
            fields = ", ".join(
                key + _json_value(kind, value)
                for key, kind, value in zip(keys, kinds, row, strict=True)
            )
            parts.append(separator + "{" + fields + "}")
            separator = ",\n"
        if parts:
            yield "".join(parts)
    yield "\n]\n"


WRITERS = {"csv": csv_chunks, "json": json_chunks}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

__all__ = ["WRITERS", "CONTENT_TYPES", "datetime", "date"]
