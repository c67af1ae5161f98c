"""The feeds' times are always YYYY-MM-DD HH:MM:SS, also for a year before 1000 (a vendor's
event date can be anything; strftime's %Y writes year 526 as "526"), and fractions of a
second are cut, never rounded up. (Found by the fuzzer, tests/reliability/test_fuzz_api.py.)"""

import json
from datetime import datetime

from portal.crm.output import csv_chunks, json_chunks

COLUMNS = (("at", "time"), ("on", "date"))
EARLY = datetime(526, 9, 7, 22, 36, 44, 999_999)


def test_early_years_keep_four_digits():
    rows = [[(EARLY, EARLY.date()), (datetime(2026, 1, 1, 7, 0, 0, 500_000), None)]]
    csv_text = "".join(csv_chunks(COLUMNS, rows))
    assert csv_text == "at,on\r\n0526-09-07 22:36:44,0526-09-07\r\n2026-01-01 07:00:00,\r\n"
    assert json.loads("".join(json_chunks(COLUMNS, rows))) == [
        {"at": "0526-09-07 22:36:44", "on": "0526-09-07"},
        {"at": "2026-01-01 07:00:00", "on": None},
    ]
