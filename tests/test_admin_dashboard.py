"""The dashboard: figures per currency and period checked against activity made through
the core (deposits, stakes, wins, a refund, a stake 10 days ago), the waiting and failing
counts (withdrawals, unknown coupons, outbox, vendor calls), and the server-drawn chart."""

import re
from datetime import timedelta

from bs4 import BeautifulSoup

from portal.accounts.models import LoginEvent
from portal.extensions import db
from portal.outbox.models import OutboxMessage
from portal.timeutil import utcnow
from portal.traffic.models import VendorCall
from tests import admin_money_data as data
from tests.admin_helpers import log_in


def _cells(response) -> dict[str, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return {
        tag["data-testid"]: tag.get_text(" ", strip=True) for tag in soup.select("[data-testid]")
    }


def _activity(app, brand_id, make_player, clock):
    data.offer_sandbox(app, brand_id)
    a, b = make_player("a@example.com"), make_player("b@example.com")
    clock.travel(-timedelta(days=10))
    data.deposit(app, a, "40.00", "TX-OLD")
    data.stake(app, a, "20.00", "old")  # lost, 10 days ago
    clock.travel(timedelta(days=10))
    data.deposit(app, a, "100.00", "TX-A")
    data.deposit(app, b, "50.00", "TX-B")
    data.deposit(app, b, "9.00", "TX-FAILED", status="failed")  # not counted
    data.stake(app, a, "10.00", "r1", win="4.00")
    data.stake(app, b, "3.00", "r2")
    data.refund(app, b, "r2")  # a refunded stake is no stake
    data.ask_withdrawal(app, a, "30.00")
    data.unknown_coupon(app, b, "5.00")
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            [
                LoginEvent(brand_id=brand_id, player_id=a, channel="web", success=True),
                LoginEvent(brand_id=brand_id, player_id=a, channel="web", success=False),
                OutboxMessage(kind="k", url="http://x", payload="{}", status="pending"),
                OutboxMessage(kind="k", url="http://x", payload="{}", status="dead"),
                OutboxMessage(kind="k", url="http://x", payload="{}", status="sent"),
                VendorCall(direction="out", vendor="betcalc", method="POST", endpoint="/a",
                           status=None, at=now),
                VendorCall(direction="out", vendor="betcalc", method="POST", endpoint="/a",
                           status=502, at=now),
                VendorCall(direction="in", vendor="<betsy>", method="POST", endpoint="/b",
                           status=500, at=now),
                VendorCall(direction="out", vendor="betcalc", method="POST", endpoint="/a",
                           status=200, at=now),
                VendorCall(direction="out", vendor="betcalc", method="POST", endpoint="/a",
                           status=404, at=now),  # our call refused: failed
                VendorCall(direction="in", vendor="betsy", method="POST", endpoint="/b",
                           status=400, at=now),  # a vendor's bad request: our answer
                VendorCall(direction="out", vendor="betcalc", method="POST", endpoint="/a",
                           status=503, at=now - timedelta(hours=2)),
            ]
        )  # fmt: skip
        db.session.commit()


def test_the_dashboard_adds_up_known_activity(app, client, brand_id, make_player, clock):
    _activity(app, brand_id, make_player, clock)
    log_in(app, client, "support")
    page = client.get("/admin/")
    assert page.status_code == 200
    cells = _cells(page)
    expected = {
        "EUR-deposits-today": "150.00", "EUR-deposits-7d": "150.00", "EUR-deposits-30d": "190.00",
        "EUR-deposit_count-today": "2", "EUR-deposit_count-30d": "3",
        # stakes: 10.00 and the unknown coupon's 5.00 today (the refunded 3.00 is none),
        # 20.00 ten days ago
        "EUR-stakes-today": "15.00", "EUR-stakes-7d": "15.00", "EUR-stakes-30d": "35.00",
        "EUR-wins-today": "4.00", "EUR-wins-30d": "4.00",
        "EUR-ggr-today": "11.00", "EUR-ggr-7d": "11.00", "EUR-ggr-30d": "31.00",
        "EUR-withdrawals-30d": "0.00",
        "registrations-today": "2", "registrations-30d": "2",
        "logins-today": "1", "logins-30d": "1",
    }  # fmt: skip
    assert {key: cells[key] for key in expected} == expected
    assert cells["withdrawals-waiting"].startswith("1 withdrawals waiting")
    assert "30.00 EUR" in cells["withdrawals-waiting"]
    assert cells["unknown-coupons"] == "1 unknown coupons"
    assert re.sub(r"\s+", " ", cells["outbox"]) == "1 outbox messages pending 1 dead"
    assert cells["failed-calls"].startswith("4 failed vendor calls in the last hour")
    html = page.get_data(as_text=True)
    assert "&lt;betsy&gt;: 1" in html and "<betsy>" not in html
    assert "betcalc: 3" in html


def test_the_dashboard_draws_daily_ggr_and_deposits_as_svg(
    app, client, brand_id, make_player, clock
):
    _activity(app, brand_id, make_player, clock)
    log_in(app, client, "finance")
    html = client.get("/admin/").get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    svg = soup.find("svg", {"data-testid": "ggr-chart"})
    assert svg is not None and "EUR" in svg.find("title").get_text()
    bars = svg.select("rect.bar")
    assert len(bars) == 30
    titles = [bar.find("title").get_text() for bar in bars]
    today = utcnow().strftime("%Y-%m-%d")
    old = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%d")
    assert f"{today}: GGR 11.00" in titles and f"{old}: GGR 20.00" in titles
    dots = [dot.find("title").get_text() for dot in svg.select("circle.dot")]
    assert f"{today}: 150.00 deposited" in dots and f"{old}: 40.00 deposited" in dots
    assert len(svg.find("polyline")["points"].split()) == 30
    assert "style=" not in html and "<script" not in html


def test_an_empty_dashboard_renders(app, client):
    log_in(app, client, "finance")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "No money moved in the last 30 days." in page.get_data(as_text=True)
