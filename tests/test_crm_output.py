"""The feeds' writers (portal/crm/output.py): every column type as CSV and as JSON, written
batch by batch. The writers convert values per column once chosen (a window may hold
millions of rows); these pin what each type looks like."""

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.crm.output import csv_chunks, json_chunks

COLUMNS = (
    ("name", "text"),
    ("count", "int"),
    ("amount", "decimal"),
    ("blocked", "bool"),
    ("opt_in", "flag"),
    ("at", "time"),
    ("born", "date"),
)
LATE = datetime(2026, 1, 2, 3, 4, 5, 999_999)  # fractions are cut, never rounded up
ROWS = [
    ("plain", 7, Decimal("12.50"), True, 1, LATE, date(1990, 5, 6)),
    ('a "b", c\r\nd é', -3, Decimal("0.00000001"), False, 0, datetime(2026, 12, 31, 23, 59, 59),
     date(2000, 1, 1)),
    (None, None, None, None, None, None, None),
    (42, 0, 1250, 0, True, datetime(2026, 6, 1), date(2026, 6, 1)),
]  # fmt: skip


def test_csv_writes_each_type_with_a_header_and_crlf():
    chunks = list(csv_chunks(COLUMNS, [ROWS[:2], [], ROWS[2:]]))
    assert chunks[0] == "name,count,amount,blocked,opt_in,at,born\r\n"  # before any row
    assert len(chunks) == 4  # the header, then one piece per batch
    assert "".join(chunks[1:]) == (
        "plain,7,12.50,true,1,2026-01-02 03:04:05,1990-05-06\r\n"
        '"a ""b"", c\r\nd é",-3,0.00000001,false,0,2026-12-31 23:59:59,2000-01-01\r\n'
        ",,,,,,\r\n"
        "42,0,1250,false,1,2026-06-01 00:00:00,2026-06-01\r\n"
    )
    parsed = list(csv.reader(io.StringIO("".join(chunks), newline="")))
    assert parsed[2][0] == 'a "b", c\r\nd é'


def test_json_writes_each_type_as_one_array():
    text = "".join(json_chunks(COLUMNS, [ROWS[:2], [], ROWS[2:]]))
    assert text.startswith("[\n{") and text.endswith("}\n]\n")
    assert '"amount": 0.00000001' in text and '"at": "2026-01-02 03:04:05"' in text
    assert "d é" in text  # not escaped to \\u00e9
    items = json.loads(text, parse_float=Decimal)
    assert items[0] == {
        "name": "plain",
        "count": 7,
        "amount": Decimal("12.50"),
        "blocked": True,
        "opt_in": 1,
        "at": "2026-01-02 03:04:05",
        "born": "1990-05-06",
    }
    assert items[1]["name"] == 'a "b", c\r\nd é' and items[1]["amount"] == Decimal("1E-8")
    assert items[2] == dict.fromkeys(items[0])  # every value null
    assert items[3]["name"] == "42" and items[3]["amount"] == 1250 and items[3]["opt_in"] == 1


def test_an_empty_window_is_a_header_or_an_empty_array():
    assert "".join(csv_chunks(COLUMNS, [])) == "name,count,amount,blocked,opt_in,at,born\r\n"
    assert json.loads("".join(json_chunks(COLUMNS, [[]]))) == []


@pytest.mark.parametrize("writer", [csv_chunks, json_chunks])
def test_a_row_of_the_wrong_width_or_an_unknown_type_is_an_error(writer):
    with pytest.raises(ValueError):
        "".join(writer(COLUMNS, [[ROWS[0][:-1]]]))
    with pytest.raises(ValueError, match="unknown column type"):
        "".join(writer((("x", "money"),), [[(1,)]]))
