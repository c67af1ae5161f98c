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
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from json.encoder import encode_basestring  # json.dumps(text, ensure_ascii=False), in C

# A window may hold millions of rows, so a row costs as few Python calls as possible: the
# conversions are chosen per column once, and CSV leaves text and int to the csv module.


def _time(value) -> str:
    if type(value) is datetime and value.tzinfo is None:
        return value.isoformat(" ", "seconds")  # strftime drops a year's leading zeros
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "seconds")


def _decimal(value) -> str:
    return format(value if type(value) is Decimal else Decimal(value), "f")


def _bool(value) -> str:
    return "true" if value else "false"


def _flag(value) -> str:
    return "1" if value else "0"


def _quoted(convert: Callable) -> Callable:
    return lambda value: '"' + convert(value) + '"'  # dates and times need no escapes


def _text(value) -> str:
    return encode_basestring(value if type(value) is str else str(value))


# kind -> conversion of a value that is not None (None: the csv module writes it as is)
_CSV: dict[str, Callable | None] = {
    "text": None,
    "int": None,
    "decimal": _decimal,
    "bool": _bool,
    "flag": _flag,
    "time": _time,
    "date": date.isoformat,
}
_JSON: dict[str, Callable] = {
    "text": _text,
    "int": lambda value: str(int(value)),
    "decimal": _decimal,
    "bool": _bool,
    "flag": _flag,
    "time": _quoted(_time),
    "date": _quoted(date.isoformat),
}


def _converter(table: dict, kind: str):
    try:
        return table[kind]
    except KeyError:
        raise ValueError(f"unknown column type {kind!r}") from None


def csv_chunks(columns, batches: Iterable[list[tuple]]) -> Iterator[str]:
    conversions = [
        (i, convert)
        for i, (_name, kind) in enumerate(columns)
        if (convert := _converter(_CSV, kind)) is not None
    ]
    width = len(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _kind in columns])
    yield buffer.getvalue()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        lines = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} values for {width} columns")
            line = list(row)
            for i, convert in conversions:
                value = line[i]
                if value is not None:
                    line[i] = convert(value)
            lines.append(line)
        writer.writerows(lines)
        yield buffer.getvalue()


def json_chunks(columns, batches: Iterable[list[tuple]]) -> Iterator[str]:
    keys = [encode_basestring(name) + ": " for name, _kind in columns]
    converters = [_converter(_JSON, kind) for _name, kind in columns]
    fields = list(zip(keys, converters, strict=True))
    separator = "\n"
    yield "["
    for rows in batches:
        parts = []
        for row in rows:
            values = ", ".join(
                [
                    key + ("null" if value is None else convert(value))
                    for (key, convert), value in zip(fields, row, strict=True)
                ]
            )
            parts.append(separator + "{" + values + "}")
            separator = ",\n"
        if parts:
            yield "".join(parts)
    yield "\n]\n"


WRITERS = {"csv": csv_chunks, "json": json_chunks}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}

__all__ = ["WRITERS", "CONTENT_TYPES", "datetime", "date"]
