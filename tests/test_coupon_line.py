"""The bet slip's line: bet strings, and line files (JSON and CSV) loaded with
`flask --app app line load FILE`."""

import json

import pytest
from sqlalchemy import select

from portal.coupons import betstrings
from portal.coupons.models import LineEvent
from portal.extensions import db


def _event(match_id="586464528", odds="4.27", **changes) -> dict:
    return {
        "event_type": "line",
        "match_id": match_id,
        "sport": "Football",
        "tournament": "Premier League",
        "title": "Arsenal - Chelsea",
        "start": "2026-12-05 15:00:00",
        "markets": [
            {
                "name": "Total goals",
                "outcomes": [
                    {"name": "Over 2.5", "bet_code": "17|954|2.5", "odds": odds},
                    {"name": "Under 2.5", "bet_code": "17|955|2.5", "odds": "1.22"},
                ],
            }
        ],
    } | changes


CSV_HEADER = "event_type,match_id,sport,tournament,title,start,market,outcome,bet_code,odds\n"


def _offer() -> dict:
    events = db.session.scalars(select(LineEvent).order_by(LineEvent.id)).all()
    return {
        f"{e.event_type}#{e.match_id}": [(o.market, o.name, o.bet_code, o.odds) for o in e.outcomes]
        for e in events
    }


def _load(runner, tmp_path, content: str, name="line.json"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return runner.invoke(args=["line", "load", str(path)])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("line#586464528|17|954|2.5#4.27", ("line", "586464528", "17|954|2.5", "4.27")),
        ("live#579216393|1|1|0#2.1", ("live", "579216393", "1|1|0", "2.1")),
    ],
)
def test_bet_strings_of_the_seed_parse(text, parsed):
    bet = betstrings.parse(text)
    assert (bet.event_type, bet.match_id, bet.bet_code, bet.odds) == parsed
    assert str(bet) == text


@pytest.mark.parametrize(
    "text",
    [
        "prematch#1|17#2.0",  # event type
        "line#12a|17#2.0",  # match id
        "line#1#2.0",  # no bet code
        "line#1|17#1.00",  # odds must be above 1
        "line#1|17#0.5",
        "line#1|17#abc",
        "line#1|17|#2.0",  # empty code part
        "line#1|17",  # no odds
        "line#1|1 7#2.0",
        "",
        None,
        "line#1|17#2.0" + "0" * 300,
    ],
)
def test_malformed_bet_strings_are_refused(text):
    with pytest.raises(betstrings.BadBetString):
        betstrings.parse(text)


def test_a_json_line_file_is_loaded(runner, tmp_path, ctx):
    result = _load(runner, tmp_path, json.dumps([_event(), _event("1000", event_type="live")]))
    assert result.exit_code == 0, result.output
    assert "loaded 2 match(es), 4 outcome(s)" in result.output
    assert _offer()["line#586464528"] == [
        ("Total goals", "Over 2.5", "17|954|2.5", "4.27"),
        ("Total goals", "Under 2.5", "17|955|2.5", "1.22"),
    ]
    assert "live#1000" in _offer()


def test_a_csv_line_file_is_loaded_and_replaces_the_matches_it_names(runner, tmp_path, ctx):
    assert _load(runner, tmp_path, json.dumps([_event(), _event("2000")])).exit_code == 0
    csv_text = CSV_HEADER + (
        "line,586464528,Football,Premier League,Arsenal - Chelsea,2026-12-05 15:00:00,"
        "1X2,Arsenal,1|1|0,2.10\n"
        "line,586464528,Football,Premier League,Arsenal - Chelsea,2026-12-05 15:00:00,"
        "1X2,Draw,1|2|0,3.40\n"
    )
    result = _load(runner, tmp_path, csv_text, "line.csv")
    assert result.exit_code == 0, result.output
    offer = _offer()
    assert offer["line#586464528"] == [
        ("1X2", "Arsenal", "1|1|0", "2.10"),
        ("1X2", "Draw", "1|2|0", "3.40"),
    ]
    assert len(offer["line#2000"]) == 2  # not named by the second file: still offered


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (json.dumps([_event(odds="1.0")]), "l.json", "above 1"),
        (json.dumps([_event(odds=4.27)]), "l.json", "as text"),
        (json.dumps([_event(start="05/12/2026")]), "l.json", "YYYY-MM-DD HH:MM:SS"),
        (json.dumps([_event(match_id="abc")]), "l.json", "digits only"),
        (json.dumps([_event(), _event()]), "l.json", "appears twice"),
        (json.dumps([_event(markets=[])]), "l.json", "markets"),
        (json.dumps({"events": []}), "l.json", "array of events"),
        ("[not json", "l.json", "not JSON"),
        ("match,odds\n1,2.0\n", "l.csv", "CSV header must be"),
        (CSV_HEADER + "line,1,F,T,A - B,2026-12-05 15:00:00,1X2,A,1|1|0\n", "l.csv", "columns"),
        (json.dumps([]), "l.json", "names no match"),
        (
            CSV_HEADER + 'line,1,F,T,"' + "x" * 140_000 + '",2026-12-05 15:00:00,M,A,1|1|0,2.0\n',
            "l.csv",
            "not readable as CSV",
        ),
        ("[" * 100_000 + "]" * 100_000, "l.json", "nested too deeply"),
        (
            CSV_HEADER
            + "line,1,F,T,A - B,2026-12-05 15:00:00,1X2,A,1|1|0,2.0\n"
            + "line,1,F,T,A - C,2026-12-05 15:00:00,1X2,B,1|2|0,2.0\n",
            "l.csv",
            "differ from its earlier lines",
        ),
        (
            json.dumps(
                [
                    _event(
                        markets=[
                            {
                                "name": "M",
                                "outcomes": [{"name": "A", "bet_code": "1|1", "odds": "2.0"}] * 2,
                            }
                        ]
                    )
                ]
            ),
            "l.json",
            "a bet code appears twice",
        ),
    ],
)
def test_a_wrong_file_loads_nothing_and_says_why(runner, tmp_path, ctx, content, name, says):
    assert _load(runner, tmp_path, json.dumps([_event("3000")])).exit_code == 0
    result = _load(runner, tmp_path, content, name)
    assert result.exit_code == 1
    assert "nothing loaded" in result.output and says in result.output, result.output
    assert list(_offer()) == ["line#3000"]
