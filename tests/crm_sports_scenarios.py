"""The sportsbook's scenarios of tests/test_crm_windows.py (see tests/crm_activity.py): Betsy bets
through the Betsy door (signed as Betsy signs), coupons placed with the calculation
service's sandbox and settled through the bet-result door, the coupons' line loaded as an
operator loads it. Tournaments and events come from both: Betsy's bet metadata and the
line."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import Player
from portal.coupons import line
from portal.coupons import operations as coupons
from portal.coupons.models import Coupon, CouponSelection, LineEvent
from portal.extensions import db
from portal.sportsbook import operations as sportsbook
from portal.sportsbook.models import SportsBet, SportsEvent, SportsSelection, SportsTournament
from portal.timeutil import utcnow
from tests.crm_activity import RESULTS_SECRET, Env, Item, Scenario, funded, stamp_of
from tests.test_betsy_api import Betsy, Who
from tests.test_coupons_flow import HOME, OVER, UNDER, open_account_and_line

LOST = 4  # the service's result status of a lost coupon


def _selection(n: int) -> dict:
    """Betsy's metadata item n: tournament t<n> with one event e<n>."""
    return {
        "disciplineId": "1", "discipline": "Football", "tournamentId": f"t{n}",
        "tournament": f'Cup {n}, group "A"', "tournamentRegionCode": "GB",
        "eventId": f"e{n}", "event": f"Home {n} - Away {n}",
        "eventDate": f"2030-05-{n:02d}T19:00:00Z", "marketId": "1", "market": f"1x2 ({n})",
        "outcomeId": f"{n}1", "outcome": f"Home {n}", "coefficient": Decimal(f"1.{n}5"),
        "stage": "prematch",
    }  # fmt: skip


def bettor(env: Env, email: str) -> Who:
    """A player with 100.00 EUR and a Betsy token (EUR)."""
    player_id = funded(env, email, {"EUR": "100.00"})

    def token():
        return sportsbook.issue_token(db.session.get(Player, player_id), "EUR")

    return Who(player_id, env.do(token))


def betsy_bet(env: Env, who: Who, numbers: list[int], *more: dict) -> str:
    """An express of 10.00 EUR on Betsy's selections `numbers` (and `more` metadata
    items): its transactionId."""
    tx = str(uuid.uuid4())
    metadata = [_selection(n) for n in numbers] + list(more)
    Betsy(env.client).place(who, tx, Decimal("10.00"), metadata=metadata).ok()
    return tx


def _line_event(n: int, start, title: str | None = None) -> dict:
    """Line match 700<n> in tournament "League <n>"; the fourth is live."""
    return {
        "event_type": "live" if n == 4 else "line", "match_id": f"700{n}", "sport": "Football",
        "tournament": f"League {n}", "title": title or f"Club {n} - Club {n + 10}",
        "start": f"{start:%Y-%m-%d %H:%M:%S}",
        "markets": [{"name": "Winner", "outcomes": [
            {"name": "Home", "bet_code": "1|1|0", "odds": "1.90"}]}],
    }  # fmt: skip


def load_line(env: Env, events: list[dict]) -> None:
    env.do(lambda: line.load(line.parse(json.dumps(events))))


def _start(n: int):
    return (utcnow() + timedelta(days=n)).replace(microsecond=0)


def _line_catalogue(env: Env) -> dict[int, dict]:
    starts = {n: _start(n) for n in range(1, 5)}
    load_line(env, [_line_event(n, starts[n]) for n in starts])
    return starts


def _text(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def catalogue(env: Env) -> Scenario:
    """Four tournaments with an event each named by Betsy bets, four of the line (one
    match live); later the operator moves one line match to another day and renames
    another, and a Betsy bet names a new event of a known tournament (its end_date moves,
    its row is not written)."""
    who = bettor(env, "sports@example.com")
    betsy_bet(env, who, [1, 2])
    betsy_bet(env, who, [3, 4])
    starts = _line_catalogue(env)
    items = []
    for n in range(1, 5):
        begins = f"2030-05-{n:02d} 19:00:00"
        rows = {
            "sports-tournaments": {f"t{n}": {
                "name": f'Cup {n}, group "A"', "sport_id": "1", "sport_name": "Football",
                "country_code": "GB", "start_date": begins, "end_date": begins}},
            "sports-events": {f"e{n}": {
                "tournament_id": f"t{n}", "title": f"Home {n} - Away {n}",
                "status": "not_started", "start_date": begins, "type": "match"}},
        }  # fmt: skip
        stamps = [
            stamp_of(SportsTournament, "modified_at", SportsTournament.id == f"t{n}"),
            stamp_of(SportsEvent, "modified_at", SportsEvent.id == f"e{n}"),
        ]
        items.append(Item(rows, stamps))
    for n, start in starts.items():
        kind, begins = "live" if n == 4 else "line", _text(start)
        rows = {
            "sports-tournaments": {f"line:Football:League {n}": {
                "name": f"League {n}", "sport_id": None, "sport_name": "Football",
                "country_code": None, "start_date": begins, "end_date": begins}},
            "sports-events": {f"{kind}:700{n}": {
                "tournament_id": f"line:Football:League {n}", "type": "match",
                "title": f"Club {n} - Club {n + 10}", "start_date": begins,
                "status": "live" if n == 4 else "prematch"}},
        }  # fmt: skip
        items.append(Item(rows, [stamp_of(LineEvent, "modified_at",
                                          LineEvent.match_id == f"700{n}")]))  # fmt: skip

    def change():
        later, title = starts[2] + timedelta(days=3), 'Club 1, "the old one" - Club 11'
        load_line(env, [_line_event(2, later), _line_event(1, starts[1], title)])
        another = _selection(9) | {"tournamentId": "t1", "tournament": 'Cup 1, group "A"'}
        betsy_bet(env, who, [], another)
        moved, first = _text(later), _text(starts[1])
        return {
            "sports-tournaments": {
                "line:Football:League 2": {"start_date": moved, "end_date": moved},
                "line:Football:League 1": {"start_date": first, "end_date": first},
                "t1": {"start_date": "2030-05-01 19:00:00", "end_date": "2030-05-09 19:00:00"},
            },
            "sports-events": {
                "line:7002": {"start_date": moved, "title": "Club 2 - Club 12"},
                "line:7001": {"title": title, "status": "prematch"},
                "e9": {"tournament_id": "t1", "title": "Home 9 - Away 9",
                       "status": "not_started", "start_date": "2030-05-09 19:00:00"},
            },
        }  # fmt: skip

    return Scenario(items, change, stays=frozenset({("sports-tournaments", "t1")}))


def _bets(env: Env) -> dict:
    """Four Betsy expresses and four coupons (three singles, one express) of one player."""
    who = bettor(env, "sports@example.com")
    txs = [betsy_bet(env, who, [2 * k + 1, 2 * k + 2]) for k in range(4)]
    coupon_player = funded(env, "coupons@example.com")
    env.do(open_account_and_line, coupon_player)  # (100.00 EUR, and the line of two matches)

    def place(bets: list[str]) -> int:
        player = db.session.get(Player, coupon_player)
        return coupons.place(player, coupons.Slip(bets, "5.00"), "en").id

    slips = [[OVER], [UNDER], [OVER, HOME], [HOME]]
    coupon_ids = [env.do(place, bets) for bets in slips]
    barcodes = dict(env.read(select(Coupon.id, Coupon.barcode)))
    assert all(barcodes[c] for c in coupon_ids), barcodes  # placed with the service
    return {"who": who, "txs": txs, "coupons": coupon_ids, "slips": slips, "barcodes": barcodes,
            "coupon_player": coupon_player}  # fmt: skip


def _settle(env: Env, made: dict) -> None:
    """Betsy settles its first bet as won (25.00); the service reports the first coupon
    lost (through the bet-result door)."""
    Betsy(env.client).settle(made["who"], made["txs"][0], Decimal("25.00"), "won").ok()
    head = {"KeyHead": {"BarCode": made["barcodes"][made["coupons"][0]]}, "Status": LOST,
            "ExtStatus": 0, "AmountOut": 0}  # fmt: skip
    answer = env.client.post(f"/betcalc/{RESULTS_SECRET}/api/bet/result", json={"Heads": [head]})
    assert answer.status_code == 200 and answer.json["applied"] == 1, answer.json


def _bet_stamp(source: str, ident) -> tuple:
    if source == "betsy":
        return stamp_of(SportsBet, "modified_at", SportsBet.transaction_id == ident)
    return stamp_of(Coupon, "modified_at", Coupon.id == ident)


def bets(env: Env) -> Scenario:
    """Betsy bets and coupons (sports-bets) with their selections (sports-odds); later
    Betsy settles one and the service reports a coupon lost: the bet and its selections
    show again with their new status."""
    made = _bets(env)
    who = made["who"]
    betsy = env.read(
        select(SportsSelection.id, SportsBet.transaction_id, SportsSelection.event_id,
               SportsSelection.coefficient, SportsSelection.market)
        .join(SportsBet, SportsBet.id == SportsSelection.bet_id)
    )  # fmt: skip
    ours = env.read(
        select(CouponSelection.id, CouponSelection.coupon_id, CouponSelection.event_type,
               CouponSelection.match_id, CouponSelection.odds, CouponSelection.market)
    )  # fmt: skip
    odds: dict[str, dict] = {}
    for sid, tx, event, coefficient, market in betsy:
        n = int(event[1:])
        assert (coefficient, market) == (Decimal(f"1.{n}5"), f"1x2 ({n})")
        odds.setdefault(f"betsy:{tx}", {})[f"betsy:{sid}"] = {
            "bet_id": f"betsy:{tx}", "event_id": event, "ratio": coefficient,
            "status": "running", "market": market}  # fmt: skip
    for sid, coupon_id, kind, match, ratio, market in ours:
        odds.setdefault(f"coupon:{coupon_id}", {})[f"coupon:{sid}"] = {
            "bet_id": f"coupon:{coupon_id}", "event_id": f"{kind}:{match}",
            "ratio": Decimal(ratio), "status": "running", "market": market}  # fmt: skip
    assert {m for *_, m in ours} == {"Total goals", "Winner"}
    items = []
    for tx in made["txs"]:
        bet = {"player_id": str(who.id), "status": "placed", "type": "express",
               "stake": Decimal("10.00"), "win_amount": Decimal("0.00"), "currency": "EUR",
               "ref_code": "aff-sports"}  # fmt: skip
        rows = {"sports-bets": {f"betsy:{tx}": bet}, "sports-odds": odds[f"betsy:{tx}"]}
        items.append(Item(rows, [_bet_stamp("betsy", tx)]))
    for coupon_id, slip in zip(made["coupons"], made["slips"], strict=True):
        bet = {"player_id": str(made["coupon_player"]), "status": "accepted",
               "type": "single" if len(slip) == 1 else "express", "stake": Decimal("5.00"),
               "win_amount": Decimal("0.00"), "currency": "EUR",
               "ref_code": "aff-coupons"}  # fmt: skip
        key = f"coupon:{coupon_id}"
        rows = {"sports-bets": {key: bet}, "sports-odds": odds[key]}
        items.append(Item(rows, [_bet_stamp("coupon", coupon_id)]))
    assert sum(len(item.rows["sports-odds"]) for item in items) == 13

    def change():
        _settle(env, made)
        won, lost = f"betsy:{made['txs'][0]}", f"coupon:{made['coupons'][0]}"
        return {
            "sports-bets": {won: {"status": "win", "win_amount": Decimal("25.00")},
                            lost: {"status": "lost", "win_amount": Decimal("0.00")}},
            "sports-odds": {key: {"status": "win"} for key in odds[won]}
            | {key: {"status": "lost"} for key in odds[lost]},
        }  # fmt: skip

    return Scenario(items, change)
