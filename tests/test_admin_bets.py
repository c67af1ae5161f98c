"""The back office's bets pages: casino bets with their payments and accept messages,
sportsbook bets with selections and settlements, coupons with selections and raw results,
and the coupon line with its upload (the core of `flask line load`)."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.coupons.models import Coupon, CouponResult, CouponSelection, LineEvent
from portal.extensions import db
from portal.timeutil import utcnow
from tests import test_betsy_api as betsy_api
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.conftest import csrf_token, page_text
from tests.test_admin_traffic import betcore_make, portal, sandbox  # noqa: F401 (fixtures)


def test_casino_bets_list_filters_and_detail_shows_payments_and_accepts(portal, sandbox):  # noqa: F811
    app, who = portal
    _, vendor = sandbox
    assert betcore_make(app, vendor, who.id, 4101)[1]["ErrorCode"] == 200
    assert betcore_make(app, vendor, who.id, 4102, "2.50")[1]["ErrorCode"] == 200
    client = app.test_client()
    log_in(app, client, "support")
    listing = client.get("/admin/bets")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "4101" in html and "4102" in html
    only = client.get("/admin/bets?bet=4102").get_data(as_text=True)
    assert "4102" in only and ">4101<" not in only
    assert ">4101<" not in client.get(f"/admin/bets?player={who.id + 1}").get_data(as_text=True)
    assert "No bets." in client.get("/admin/bets?bet=abc").get_data(as_text=True)
    assert "No bets." in client.get("/admin/bets?status=closed").get_data(as_text=True)
    detail = client.get("/admin/bets/casino/4102")
    text = page_text(detail)
    assert detail.status_code == 200
    assert "stake (-1)" in text and "2.50 EUR" in text
    assert "betcore.accept" in text and '"BetId": 4102' in text
    assert "4101" not in detail.get_data(as_text=True).split("casino-accepts")[1]
    assert client.get("/admin/bets/casino/999999").status_code == 404


def test_sportsbook_bets_show_selections_and_settlements(portal):  # noqa: F811
    app, who = portal
    betsy = betsy_api.Betsy(app.test_client())
    tx = betsy_api.new_tx()
    betsy.place(who, tx, Decimal("10.00")).ok()
    betsy.settle(who, tx, Decimal("25.00")).ok()
    client = app.test_client()
    log_in(app, client, "finance")
    listing = client.get("/admin/bets/sports").get_data(as_text=True)
    assert tx in listing and "10.00 EUR" in listing
    assert tx in client.get(f"/admin/bets/sports?bet={tx}").get_data(as_text=True)
    assert tx not in client.get("/admin/bets/sports?bet=other").get_data(as_text=True)
    today = utcnow().strftime("%Y-%m-%d")
    assert tx in client.get(f"/admin/bets/sports?from={today}&to={today}").get_data(as_text=True)
    assert "No bets." in client.get("/admin/bets/sports?from=2099-01-01").get_data(as_text=True)
    with app.app_context():
        from portal.sportsbook.models import SportsBet

        bet_id, status = db.session.execute(
            select(SportsBet.id, SportsBet.status).where(SportsBet.transaction_id == tx)
        ).one()
    assert tx in client.get(f"/admin/bets/sports?status={status}").get_data(as_text=True)
    assert tx not in client.get("/admin/bets/sports?status=nothing").get_data(as_text=True)
    detail = page_text(client.get(f"/admin/bets/sports/{bet_id}"))
    for selection in betsy_api.SELECTIONS:
        assert selection["market"] in detail and selection["outcome"] in detail
    assert f"{tx}:bet" in detail and "-10.00 EUR" in detail and "25.00 EUR" in detail
    assert client.get("/admin/bets/sports/999999").status_code == 404


def _coupon(app, player_id, *, barcode="BC-<b>77</b>", status="open", stake=500):
    with app.app_context():
        coupon = Coupon(
            player_id=player_id,
            barcode=barcode,
            currency="EUR",
            stake=stake,
            odds="4.27",
            rate_mode="reject",
            lang="en",
            status=status,
        )
        coupon.selections = [
            CouponSelection(
                position=0,
                event_type="line",
                match_id="586464528",
                bet_code="17|954|2.5",
                odds="4.27",
                event="Arsenal - <i>Chelsea</i>",
                market="Total goals",
                outcome="Over 2.5",
                start_at=utcnow() + timedelta(days=1),
            )
        ]
        db.session.add(coupon)
        db.session.flush()
        raw = {"BarCode": barcode, "Status": 2, "AmountOut": "21.35", "Note": "<script>x</script>"}
        db.session.add(
            CouponResult(
                coupon_id=coupon.id,
                barcode=barcode,
                status=2,
                amount_out="21.35",
                raw=json.dumps(raw),
                outcome="applied",
            )
        )
        db.session.commit()
        return coupon.id


def test_coupons_list_filters_detail_and_escaping(app, client, make_player):
    player_id = make_player()
    first = _coupon(app, player_id)
    second = _coupon(app, player_id, barcode="ZX-2", status="refused", stake=100)
    log_in(app, client, "support")
    listing = client.get("/admin/bets/coupons")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200 and "ZX-2" in html
    assert "<b>77</b>" not in html and "BC-&lt;b&gt;77&lt;/b&gt;" in html
    by_barcode = client.get("/admin/bets/coupons?bet=ZX-2").get_data(as_text=True)
    assert "ZX-2" in by_barcode and "BC-&lt;b&gt;" not in by_barcode
    by_id = client.get(f"/admin/bets/coupons?bet={first}").get_data(as_text=True)
    assert "BC-&lt;b&gt;" in by_id and "ZX-2" not in by_id
    refused = client.get("/admin/bets/coupons?status=refused").get_data(as_text=True)
    assert "ZX-2" in refused and "BC-&lt;b&gt;" not in refused
    assert "No coupons." in client.get(f"/admin/bets/coupons?player={player_id + 9}").get_data(
        as_text=True
    )
    cheapest = client.get("/admin/bets/coupons?sort=stake&dir=asc").get_data(as_text=True)
    assert cheapest.index("ZX-2") < cheapest.index("BC-&lt;b&gt;")
    detail = client.get(f"/admin/bets/coupons/{first}").get_data(as_text=True)
    assert "<i>Chelsea</i>" not in detail and "Arsenal - &lt;i&gt;Chelsea&lt;/i&gt;" in detail
    assert "line#586464528|17|954|2.5#4.27" in detail
    assert "<script>x</script>" not in detail and "AmountOut" in detail and "applied" in detail
    assert client.get(f"/admin/bets/coupons/{second}").status_code == 200
    assert client.get("/admin/bets/coupons/999999").status_code == 404


def _line_file(match_id="586464528", title="Arsenal - <u>Chelsea</u>", start=None) -> bytes:
    start = start or (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    event = {
        "event_type": "line",
        "match_id": match_id,
        "sport": "Football",
        "tournament": "Premier League",
        "title": title,
        "start": start,
        "markets": [
            {
                "name": "Total goals",
                "outcomes": [
                    {"name": "Over 2.5", "bet_code": "17|954|2.5", "odds": "4.27"},
                    {"name": "Under 2.5", "bet_code": "17|955|2.5", "odds": "1.22"},
                ],
            }
        ],
    }
    return json.dumps([event]).encode()


def _upload(client, content: bytes, name="line.json", reason="new week"):
    page = client.get("/admin/bets/line").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "reason": reason, "file": (io.BytesIO(content), name)}
    return client.post("/admin/bets/line/upload", data=data, content_type="multipart/form-data")


def test_an_admin_uploads_the_line_and_players_picks_are_shown(app, client):
    log_in(app, client, "admin")
    answer = _upload(client, _line_file())
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Loaded 1 match(es), 2 outcome(s)" in page
    assert "<u>Chelsea</u>" not in page and "&lt;u&gt;Chelsea&lt;/u&gt;" in page
    assert "17|955|2.5" in page
    [entry] = audit_entries(app, "line.load")
    assert (entry["target_type"], entry["target_id"], entry["reason"]) == (
        "line",
        "line.json",
        "new week",
    )
    after = json.loads(entry["after"]) if isinstance(entry["after"], str) else entry["after"]
    before = json.loads(entry["before"]) if isinstance(entry["before"], str) else entry["before"]
    assert after["matches"] == 1 and after["outcomes"] == 2 and before == {"replaced": []}
    # a second file replaces the match: the audit names what it replaced
    assert _upload(client, _line_file(title="Arsenal - Spurs")).status_code == 302
    second = audit_entries(app, "line.load")[-1]
    before = json.loads(second["before"]) if isinstance(second["before"], str) else second["before"]
    assert before == {"replaced": ["line#586464528"]}
    with app.app_context():
        assert db.session.scalars(select(LineEvent.title)).all() == ["Arsenal - Spurs"]
    # a started pre-match is loaded but not offered
    past = (utcnow() - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    _upload(client, _line_file("777", "Old - Match", past))
    offered = client.get("/admin/bets/line").get_data(as_text=True)
    assert "Old - Match" not in offered and "Arsenal - Spurs" in offered
    assert "Old - Match" in client.get("/admin/bets/line?all=1").get_data(as_text=True)
    assert "Old - Match" not in client.get("/admin/bets/line?all=1&q=Spurs").get_data(as_text=True)


def test_a_wrong_line_file_loads_nothing_and_says_why(app, client):
    log_in(app, client, "admin")
    answer = _upload(client, b'[{"event_type": "line"}]')
    assert answer.status_code == 302
    page = page_text(client.get(answer.headers["Location"]))
    assert "nothing loaded" in page
    assert audit_entries(app, "line.load") == []
    answer = _upload(client, b"\xff\xfe bad", name="line.csv")
    assert "not UTF-8" in page_text(client.get(answer.headers["Location"]))
    with app.app_context():
        assert db.session.scalars(select(LineEvent)).all() == []


@pytest.mark.parametrize("role", ["finance", "support"])
def test_only_admins_upload_the_line(app, client, role):
    log_in(app, client, role)
    page = client.get("/admin/bets/line").get_data(as_text=True)
    assert 'data-testid="line-upload"' not in page
    answer = post_action(client, "/admin/bets/line/upload", {"reason": "x"}, page="/admin/audit")
    assert answer.status_code == 403
    assert audit_entries(app, "line.load") == []


def test_the_line_upload_needs_a_reason(app, client):
    log_in(app, client, "admin")
    assert _upload(client, _line_file(), reason="").status_code == 400
    with app.app_context():
        assert db.session.scalars(select(LineEvent)).all() == []


def test_the_bets_section_is_in_the_navigation(app, client):
    log_in(app, client, "support")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/bets"' in html and 'href="/admin/traffic"' in html
