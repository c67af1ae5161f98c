"""Coupons end to end over real HTTP: the portal served, the calculation service's sandbox
served beside it; placements (placed, refused, odds changed, unknown and resolved) and the
results it posts to the bet-result blueprint (won, lost, returned, repeated, corrected)."""

import json
import threading
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests

from portal.accounts.models import Player
from portal.coupons import betstrings, client, line, operations
from portal.coupons.models import Coupon, CouponResult
from portal.extensions import db
from portal.sandbox.betcalc import create_betcalc_sandbox
from portal.timeutil import utcnow
from portal.wallet import operations as wallet
from portal.wallet import queries, verify
from tests.harness.live_server import LiveServer

SECRET = "results-secret-123"
OVER = "line#586464528|17|954|2.5#4.27"
UNDER = "line#586464528|17|955|2.5#1.22"
HOME = "live#1000|1|1|0#2.10"


@pytest.fixture
def served(app):
    """(portal URL, sandbox): the portal on a port of its own, the service beside it."""
    sandbox_app = create_betcalc_sandbox(login="12345", password="pw")
    with LiveServer(app) as portal, LiveServer(sandbox_app) as service:
        app.config.update(
            PUBLIC_URL=portal.url,
            BETCALC_API_URL=service.url,
            BETCALC_LOGIN="12345",
            BETCALC_PASSWORD="pw",
            BETCALC_RESULT_SECRET=SECRET,
            BETCALC_TIMEOUT=2.0,
        )
        yield portal.url, sandbox_app.extensions["betcalc_sandbox"]


def open_account_and_line(player_id: int) -> Player:
    """100.00 EUR for the player, and a line of two matches (in the caller's app context)."""
    player = db.session.get(Player, player_id)
    wallet.adjust(player, "EUR", "100.00", reason="opening", operator="t", external_id="open")
    events = [
        {
            "event_type": "line",
            "match_id": "586464528",
            "sport": "Football",
            "tournament": "Premier League",
            "title": "Arsenal - Chelsea",
            "start": f"{utcnow() + timedelta(days=5):%Y-%m-%d %H:%M:%S}",
            "markets": [
                {
                    "name": "Total goals",
                    "outcomes": [
                        {"name": "Over 2.5", "bet_code": "17|954|2.5", "odds": "4.27"},
                        {"name": "Under 2.5", "bet_code": "17|955|2.5", "odds": "1.22"},
                    ],
                }
            ],
        },
        {
            "event_type": "live",
            "match_id": "1000",
            "sport": "Tennis",
            "tournament": "ATP",
            "title": "A - B",
            "start": f"{utcnow() - timedelta(hours=1):%Y-%m-%d %H:%M:%S}",  # live: started
            "markets": [
                {"name": "Winner", "outcomes": [{"name": "A", "bet_code": "1|1|0", "odds": "2.10"}]}
            ],
        },
    ]
    line.load(line.parse(json.dumps(events)))
    db.session.commit()
    return player


@pytest.fixture
def player(make_player, ctx):
    return open_account_and_line(make_player())


# The portal serves from threads of this process: on SQLite, a transaction the test leaves
# open would keep the database's write lock from them. Every read here ends its own.


def balance(player) -> Decimal:
    db.session.expire_all()
    found = queries.real_balance(player.id, "EUR")
    db.session.commit()
    return found


def snapshot(coupon_id: int) -> SimpleNamespace:
    db.session.expire_all()
    coupon = db.session.get(Coupon, coupon_id)
    seen = SimpleNamespace(
        id=coupon.id,
        status=coupon.status,
        barcode=coupon.barcode,
        payout=coupon.payout,
        settlements=coupon.settlements,
        refusal_code=coupon.refusal_code,
        refusal_message=coupon.refusal_message,
        changed=coupon.changed,
        results=[r.outcome for r in coupon.results],
    )
    db.session.commit()
    return seen


def place(player, *bets, stake="10.00", mode="reject", key=None) -> SimpleNamespace:
    coupon = operations.place(player, operations.Slip(list(bets), stake, mode, key), "en")
    return snapshot(coupon.id)


def test_a_placed_coupon_holds_its_stake_and_is_paid_by_results(served, player):
    _, service = served
    coupon = place(player, OVER, HOME)
    assert (coupon.status, balance(player)) == ("open", Decimal("90.00"))
    assert coupon.barcode == service.coupons()[0].bar_code
    assert service.coupons()[0].remote_host.endswith(f"/betcalc/{SECRET}")
    answer = service.settle(coupon.barcode, 2, amount_out=89.67)  # won 10 x 4.27 x 2.10
    assert answer.json() == answer.json() | {"result": "ok", "applied": 1, "unknown": 0}
    assert balance(player) == Decimal("179.67")
    service.settle(coupon.barcode, 2, amount_out=89.67)  # the same result again
    assert balance(player) == Decimal("179.67")
    service.settle(coupon.barcode, 4)  # corrected: lost
    assert balance(player) == Decimal("90.00")
    service.settle(coupon.barcode, 2, amount_out=89.67)  # and won again
    assert balance(player) == Decimal("179.67")
    service.settle(coupon.barcode, 3)  # returned: the stake back
    assert balance(player) == Decimal("100.00")
    coupon = snapshot(coupon.id)
    assert (coupon.status, coupon.payout, coupon.settlements) == ("returned", 1000, 4)
    assert coupon.results == [
        "applied",
        "repeated",
        "applied",
        "applied",
        "applied",
    ]
    assert verify.problems() == []


def test_several_results_in_one_body_and_an_unknown_barcode(served, player):
    url, service = served
    first, second = place(player, OVER), place(player, UNDER)
    heads = [
        {
            "KeyHead": {"Id": "1", "BarCode": first.barcode},
            "Status": 2,
            "ExtStatus": 0,
            "AmountOut": 42.7,
            "DateReceive": "1597075782",
        },
        {
            "KeyHead": {"Id": "2", "BarCode": second.barcode},
            "Status": 4,
            "ExtStatus": 0,
            "AmountOut": 0,
            "DateReceive": "1597075782",
        },
        {
            "KeyHead": {"Id": "3", "BarCode": "nosuchcode"},
            "Status": 2,
            "ExtStatus": 0,
            "AmountOut": 5,
            "DateReceive": "1597075782",
        },
        {"KeyHead": {"Id": "4", "BarCode": first.barcode}, "Status": 1, "ExtStatus": 0},
        {"KeyHead": {"Id": "5"}, "Status": 2},
    ]
    answer = service.post_results(f"{url}/betcalc/{SECRET}", heads)
    assert answer.status_code == 200
    summary = answer.json()
    assert (summary["applied"], summary["unknown"], summary["recorded"], summary["malformed"]) == (
        2,
        1,
        1,
        1,
    )
    assert balance(player) == Decimal("80.00") + Decimal("42.70")
    kept = db.session.scalars(db.select(CouponResult.outcome).order_by(CouponResult.id)).all()
    db.session.commit()
    assert kept == ["applied", "applied", "unknown", "recorded", "malformed"]


def test_a_won_result_with_ext_status_1_pays_and_a_plain_text_body_is_read(served, player):
    """Status 2 with ExtStatus 1 is a win too; the body is read as JSON whatever
    Content-Type the service sends."""
    url, _ = served
    coupon = place(player, OVER)
    head = {"KeyHead": {"Id": "1", "BarCode": coupon.barcode}, "Status": 2, "ExtStatus": 1}
    body = json.dumps({"remote_host": "x", "Heads": [{**head, "AmountOut": "42.70"}]})
    answer = requests.post(
        f"{url}/betcalc/{SECRET}/api/bet/result",
        data=body,
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["applied"] == 1
    assert balance(player) == Decimal("132.70")
    assert snapshot(coupon.id).status == "won"


def test_a_correction_the_balance_cannot_give_back_waits_for_an_operator(served, player, runner):
    _, service = served
    coupon = place(player, OVER)
    service.settle(coupon.barcode, 2, amount_out=42.7)  # 132.70
    wallet.debit(player, "EUR", "130.00", source="admin", external_id="spent")  # spent: 2.70
    db.session.commit()
    answer = service.settle(coupon.barcode, 4)  # corrected: lost, 42.70 to take back
    assert answer.status_code == 200 and answer.json()["refused"] == 1
    assert balance(player) == Decimal("2.70")
    seen = snapshot(coupon.id)
    assert (seen.status, seen.payout, seen.results) == ("won", 4270, ["applied", "refused"])
    refused = db.session.scalar(db.select(CouponResult.id).where(CouponResult.outcome == "refused"))
    db.session.commit()
    still = runner.invoke(args=["coupons", "retry", str(refused)])
    assert still.exit_code == 1 and "still not applied" in still.output
    wallet.adjust(player, "EUR", "50.00", reason="topped up", operator="t", external_id="top")
    db.session.commit()
    again = runner.invoke(args=["coupons", "retry", str(refused)])
    assert (again.exit_code, again.output) == (0, f"result {refused}: applied\n")
    assert balance(player) == Decimal("10.00")  # 2.70 + 50.00 - 42.70
    seen = snapshot(coupon.id)
    assert (seen.status, seen.payout, seen.results) == ("lost", 0, ["applied", "applied"])
    twice = runner.invoke(args=["coupons", "retry", str(refused)])
    assert twice.exit_code == 1 and "not a refused result" in twice.output
    assert verify.problems() == []


def test_refusals_give_the_stake_back_and_say_why(served, player):
    _, service = served
    service.block("586464528")
    coupon = place(player, OVER)
    assert (coupon.status, coupon.refusal_code, coupon.refusal_message) == (
        "refused",
        1,
        "error_block_bet_data",
    )
    assert balance(player) == Decimal("100.00")


def test_changed_odds_in_reject_mode_refund_and_offer_the_new_odds(served, player):
    _, service = served
    service.move_odds("586464528", "17|954|2.5", "4.50")
    coupon = place(player, OVER)
    assert coupon.status == "refused" and coupon.refusal_code == 2
    assert json.loads(coupon.changed)[0]["rg"] == "4.50"
    assert balance(player) == Decimal("100.00")
    assert line.outcome_of(betstrings.parse(OVER))[1].odds == "4.50"  # the slip offers them now
    db.session.commit()
    service.move_odds("586464528", "17|954|2.5", "4.60")  # and they move on
    accepted = place(player, "line#586464528|17|954|2.5#4.50", mode="accept")
    assert accepted.status == "open" and balance(player) == Decimal("90.00")
    assert service.coupon(accepted.barcode).bets == ["line#586464528|17|954|2.5#4.60"]


def test_a_coupon_without_an_answer_stays_unknown_until_an_operator_resolves_it(served, player):
    url, service = served
    service.stall_next(3.0)
    lost = place(player, OVER)
    assert (lost.status, balance(player)) == ("unknown", Decimal("90.00"))  # stake still held
    bar_code = service.coupons()[0].bar_code
    service.settle(bar_code, 2, amount_out=42.7)  # a result for a barcode nobody knows yet
    assert balance(player) == Decimal("90.00")
    assert [c.id for c in operations.unknown_coupons()] == [lost.id]
    db.session.commit()
    operations.resolve_placed(lost.id, bar_code)  # the operator attaches it: paid now
    db.session.commit()
    assert balance(player) == Decimal("132.70")
    service.stall_next(3.0)
    second = place(player, UNDER)
    operations.resolve_refused(second.id, "not in the service's list")
    db.session.commit()
    assert balance(player) == Decimal("132.70")
    assert operations.unknown_coupons() == []
    db.session.commit()


@pytest.mark.parametrize(
    ("bets", "stake", "code"),
    [
        ([], "10.00", "no_selection"),
        ([OVER, UNDER], "10.00", "one_per_match"),
        (["line#586464528|17|954|2.5#4.00"], "10.00", "odds_moved"),
        (["line#99|1|1|0#2.00"], "10.00", "not_offered"),
        (["nonsense"], "10.00", "bad_selection"),
        ([OVER], "0", "bad_stake"),
        ([OVER], "1000.00", "funds"),
    ],
)
def test_a_wrong_slip_is_refused_before_anything_moves(served, player, bets, stake, code):
    _, service = served
    with pytest.raises(operations.CouponRefused) as refused:
        place(player, *bets, stake=stake)
    db.session.rollback()
    assert refused.value.code == code
    assert balance(player) == Decimal("100.00") and service.coupons() == []


def test_a_slip_sent_again_is_the_coupon_it_placed(served, player):
    _, service = served
    first = place(player, OVER, key="slip-key-0123456789")
    again = place(player, OVER, key="slip-key-0123456789")  # a double click, a resend
    assert (again.id, again.status) == (first.id, "open")
    assert len(service.coupons()) == 1 and balance(player) == Decimal("90.00")
    other = place(player, OVER, key="slip-key-9876543210")  # another form: another coupon
    assert other.id != first.id and balance(player) == Decimal("80.00")
    with pytest.raises(operations.CouponRefused) as refused:
        place(player, OVER, key="short")
    db.session.rollback()
    assert refused.value.code == "bad_slip" and balance(player) == Decimal("80.00")


def test_the_same_slip_sent_at_once_is_one_coupon(served, player, app):
    """Six requests with one slip key at the same moment: one coupon, one stake, one
    placement at the service; each request answers with that coupon."""
    _, service = served
    player_id, gate = player.id, threading.Barrier(6)
    db.session.commit()  # (SQLite: the test's own transaction would keep the writers out)
    placed, errors = [], []

    def send():
        try:
            with app.app_context():
                me = db.session.get(Player, player_id)
                db.session.commit()
                gate.wait(timeout=10)
                slip = operations.Slip([OVER], "10.00", "reject", "same-slip-key-0123")
                placed.append(operations.place(me, slip, "en").id)
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(placed) == 6 and len(set(placed)) == 1
    assert len(service.coupons()) == 1 and balance(player) == Decimal("90.00")
    assert verify.problems() == []


def test_a_pre_match_event_that_has_started_is_off_the_slip(served, player):
    _, service = served
    event = db.session.scalar(
        db.select(line.LineEvent).where(line.LineEvent.match_id == "586464528")
    )
    event.start_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert [e.match_id for e in line.offered()] == ["1000"]  # the live match stays
    with pytest.raises(operations.CouponRefused) as refused:
        place(player, OVER)
    db.session.rollback()
    assert refused.value.code == "not_offered" and service.coupons() == []
    assert place(player, HOME).status == "open"


def test_a_blocked_player_places_no_coupon(served, player):
    player.status = "blocked"
    db.session.commit()
    with pytest.raises(operations.CouponRefused) as refused:
        place(player, OVER)
    db.session.rollback()
    assert refused.value.code == "blocked" and balance(player) == Decimal("100.00")


def test_the_webhook_checks_secret_sender_and_body(served, player, app):
    url, _ = served
    good = f"{url}/betcalc/{SECRET}/api/bet/result"
    assert (
        requests.post(
            f"{url}/betcalc/wrong/api/bet/result", json={"Heads": []}, timeout=5
        ).status_code
        == 404
    )
    assert requests.post(good, data="{not json", timeout=5).status_code == 400
    refused = requests.post(good, json={"remote_host": url}, timeout=5)
    assert refused.status_code == 400 and "Heads" in refused.json()["message"]
    assert requests.post(good, json={"Heads": []}, timeout=5).json()["applied"] == 0
    import ipaddress

    app.config["BETCALC_ALLOWED_IPS"] = (ipaddress.ip_network("10.0.0.0/8"),)
    assert requests.post(good, json={"Heads": []}, timeout=5).status_code == 403
    app.config["BETCALC_ALLOWED_IPS"] = (ipaddress.ip_network("127.0.0.1/32"),)
    assert requests.post(good, json={"Heads": []}, timeout=5).status_code == 200


def test_operators_list_and_resolve_unknown_coupons_on_the_command_line(served, player, runner):
    _, service = served
    service.stall_next(3.0)
    lost = place(player, OVER)
    listing = runner.invoke(args=["coupons", "unknown"])
    assert listing.exit_code == 0 and f"{lost.id}\tplayer {player.id}\t10.00 EUR" in listing.output
    assert OVER in listing.output and "1 unknown coupon(s)" in listing.output
    both = runner.invoke(
        args=["coupons", "resolve", str(lost.id), "--barcode", "x", "--refused", "y"]
    )
    assert both.exit_code == 2
    done = runner.invoke(
        args=["coupons", "resolve", str(lost.id), "--refused", "not in their list"]
    )
    assert done.exit_code == 0 and "refused" in done.output, done.output
    again = runner.invoke(args=["coupons", "resolve", str(lost.id), "--refused", "again"])
    assert again.exit_code == 1 and "not unknown" in again.output
    assert runner.invoke(args=["coupons", "resolve", "999999", "--barcode", "z"]).exit_code == 1
    assert balance(player) == Decimal("100.00")
    login = runner.invoke(args=["coupons", "login"])
    assert login.exit_code == 0 and "UserId 36557" in login.output


def test_a_result_before_the_placement_answer_is_written_is_paid(served, player, monkeypatch):
    _, service = served
    real = client.place

    def place_then_settle(data):
        outcome = real(data)  # the service took it and settles at once
        service.settle(outcome.bar_code, 2, amount_out=42.7)
        return outcome

    monkeypatch.setattr(client, "place", place_then_settle)
    coupon = place(player, OVER)
    assert (coupon.status, coupon.payout, balance(player)) == ("won", 4270, Decimal("132.70"))
    assert coupon.results == ["applied"]  # recorded as unknown, applied with the answer


def test_only_unknown_or_stale_coupons_are_resolved_by_operators(served, player):
    coupon = Coupon(
        player_id=player.id, currency="EUR", stake=100, odds="2", rate_mode="reject", lang="en"
    )
    db.session.add(coupon)
    db.session.commit()
    with pytest.raises(operations.CouponRefused) as refused:
        operations.resolve_refused(coupon.id, "too early")  # still waiting for its answer
    assert refused.value.code == "not_unknown"
    db.session.rollback()
    coupon = db.session.get(Coupon, coupon.id)
    coupon.created_at = coupon.created_at - timedelta(minutes=10)
    db.session.commit()
    assert operations.resolve_refused(coupon.id, "the process died").status == "refused"
    late = operations.apply_answer(coupon.id, client.Placed("late-code", {}))
    assert (late.status, late.barcode) == ("refused", None)  # logged for operators, not applied
    db.session.rollback()


def test_resolving_skips_results_that_were_malformed(served, player):
    url, service = served
    service.stall_next(3.0)
    lost = place(player, OVER)
    code = service.coupons()[0].bar_code
    bad = {"KeyHead": {"BarCode": code}, "Status": "x"}
    assert service.post_results(f"{url}/betcalc/{SECRET}", [bad]).json()["malformed"] == 1
    service.settle(code, 4)
    operations.resolve_placed(lost.id, code)
    db.session.commit()
    assert snapshot(lost.id).results == ["malformed", "applied"]
    assert balance(player) == Decimal("90.00")


def test_an_accept_mode_coef_that_is_not_odds_is_ignored(served, player, monkeypatch):
    monkeypatch.setattr(client, "place", lambda data: client.Placed("weird-coef", {"Coef": "4,27"}))
    coupon = place(player, OVER, mode="accept")
    db.session.expire_all()
    assert (coupon.status, db.session.get(Coupon, coupon.id).odds) == ("open", "4.27")
    db.session.commit()


def test_a_client_failure_leaves_the_coupon_unknown(served, player, monkeypatch):
    def broken(data):
        raise KeyError("something unexpected")

    monkeypatch.setattr(client, "place", broken)
    coupon = place(player, OVER)
    assert (coupon.status, balance(player)) == ("unknown", Decimal("90.00"))


def test_without_a_results_secret_no_coupon_is_placed(served, player, app):
    app.config["BETCALC_RESULT_SECRET"] = ""
    with pytest.raises(operations.CouponRefused) as refused:
        place(player, OVER)
    db.session.rollback()
    assert refused.value.code == "unavailable" and balance(player) == Decimal("100.00")


def test_malformed_webhook_bodies_are_refused_in_words(served, player):
    url, _ = served
    good = f"{url}/betcalc/{SECRET}/api/bet/result"
    nested = '{"Heads":' + "[" * 5000 + "]" * 5000 + "}"
    answers = [
        requests.post(good, data=nested, headers={"Content-Type": "application/json"}, timeout=5),
        requests.post(good, json=[1, 2], timeout=5),
        requests.post(good, json={"Heads": {"a": 1}}, timeout=5),
        requests.post(good, json={"Heads": [{}] * 1001}, timeout=5),
    ]
    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert all(a.json()["result"] == "error" and a.json()["message"] for a in answers)
    heads = [
        {"KeyHead": {"BarCode": "b1"}, "Status": 2, "AmountOut": "1.001"},
        {"KeyHead": {"BarCode": "b2"}, "Status": 2},
        {"KeyHead": {"BarCode": "b3"}, "Status": 2, "ExtStatus": 5, "AmountOut": 1},
        {"KeyHead": {"BarCode": "b4"}, "Status": 4, "ExtStatus": 2**63},
    ]
    coupon = place(player, OVER)
    for head in heads:
        head["KeyHead"]["BarCode"] = coupon.barcode
    summary = requests.post(good, json={"Heads": heads}, timeout=5).json()
    assert (summary["malformed"], summary["applied"]) == (4, 0), summary


def test_operators_list_the_results_to_look_at(served, player, runner):
    url, service = served
    heads = [
        {"KeyHead": {"BarCode": "nobodys"}, "Status": 2, "AmountOut": 5},
        {"KeyHead": {"BarCode": "nobodys"}, "Status": "x"},
    ]
    service.post_results(f"{url}/betcalc/{SECRET}", heads)
    listing = runner.invoke(args=["coupons", "results"])
    assert listing.exit_code == 0 and "2 result(s)" in listing.output
    assert "nobodys\tcoupon -\tstatus 2\t5\tunknown" in listing.output
    assert "malformed\tStatus: a number" in listing.output


def test_a_batch_of_a_thousand_results_fits_and_more_than_a_mebibyte_does_not(served, player):
    url, _ = served
    good = f"{url}/betcalc/{SECRET}/api/bet/result"
    heads = [
        {"KeyHead": {"Id": str(n), "BarCode": f"nobody-{n:06d}"}, "Status": 4} for n in range(1000)
    ]
    assert requests.post(good, json={"Heads": heads}, timeout=60).json()["unknown"] == 1000
    huge = requests.post(good, json={"Heads": [], "pad": "x" * 1_100_000}, timeout=60)
    assert huge.status_code == 413 and huge.json()["result"] == "error"
