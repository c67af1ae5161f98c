"""The back office's money pages: transactions (filters, sorting, CSV), the withdrawals
queue (approve and decline through the cashier's core, audited, finance only), deposits
with their provider state, and unknown coupons and refused results to resolve."""

import csv
import io
import json
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from portal.accounts.models import Player
from portal.coupons.models import Coupon, CouponResult
from portal.extensions import db
from portal.payments.models import Withdrawal
from portal.wallet import operations as wallet
from portal.wallet import queries
from tests import admin_money_data as data
from tests.admin_helpers import audit_entries, log_in, post_action
from tests.conftest import page_text
from tests.harness.payments import served_cashier


@pytest.fixture
def players(app, brand_id, make_player):
    data.offer_sandbox(app, brand_id)
    return make_player("a@example.com"), make_player("b@example.com")


def _balance(app, player_id) -> Decimal:
    with app.app_context():
        return queries.real_balance(player_id, "EUR")


def _first_column(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [row.find("td").get_text(strip=True) for row in soup.select("tbody tr")]


def test_transactions_page_filters_sorts_and_escapes(app, client, players):
    a, b = players
    data.deposit(app, a, "100.00", "TX-A")
    data.deposit(app, b, "50.00", "TX-B")
    data.stake(app, a, "10.00", "r1", win="25.00")
    with app.app_context():
        wallet.adjust(
            db.session.get(Player, b), "EUR", "5.00", reason="=1+1 <b>x</b>", operator="t",
            external_id="adj-1",
        )  # fmt: skip
        db.session.commit()
    log_in(app, client, "support")
    everything = client.get("/admin/money/transactions")
    assert everything.status_code == 200
    html = everything.get_data(as_text=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "5 found" in page_text(everything)
    assert 'data-testid="csv-link"' not in html  # support may not download
    only_b = page_text(client.get(f"/admin/money/transactions?player={b}"))
    assert "2 found" in only_b
    stakes = client.get("/admin/money/transactions?kind=stake")
    assert "1 found" in page_text(stakes) and "-10.00 EUR" in page_text(stakes)
    ranged = client.get("/admin/money/transactions?currency=EUR&min=20&max=60")
    assert "2 found" in page_text(ranged)  # the 25.00 win and the 50.00 deposit
    no_currency = page_text(client.get("/admin/money/transactions?min=20"))
    assert "Choose a currency to filter by amount." in no_currency
    by_amount = client.get("/admin/money/transactions?sort=amount&dir=asc")
    ids = _first_column(by_amount)
    with app.app_context():
        from portal.wallet.models import Transaction

        smallest = db.session.query(Transaction).order_by(Transaction.amount).first().id
    assert ids[0] == str(smallest)
    assert "No transactions." in page_text(client.get("/admin/money/transactions?from=2999-01-01"))
    assert client.get("/admin/money/transactions.csv").status_code == 403


def test_finance_downloads_the_filtered_transactions_as_csv(app, client, players):
    a, b = players
    data.deposit(app, a, "100.00", "TX-A")
    data.stake(app, a, "10.00", "r1", win="25.00")
    with app.app_context():
        wallet.adjust(
            db.session.get(Player, a), "EUR", "-1.00", reason="=HYPERLINK(1)", operator="ops",
            external_id="adj-1",
        )  # fmt: skip
        db.session.commit()
    data.deposit(app, b, "50.00", "TX-B")
    log_in(app, client, "finance")
    answer = client.get(f"/admin/money/transactions.csv?player={a}&sort=amount")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("deposit", "100.00"),
        ("stake", "-10.00"),
        ("win", "25.00"),
        ("adjustment", "-1.00"),
    ]
    assert {r["player_id"] for r in rows} == {str(a)}
    assert rows[-1]["reason"] == "'=HYPERLINK(1)" and rows[-1]["operator"] == "ops"
    assert rows[1]["balance_after"] == "90.00"
    wins = client.get("/admin/money/transactions.csv?kind=win&currency=EUR&min=25&max=25")
    assert [r["external_id"] for r in csv.DictReader(io.StringIO(wins.get_data(as_text=True)))] == [
        "r1:win"
    ]
    [entry, _] = audit_entries(app, "money.transactions_export")
    assert entry["actor"] == "finance@example.com"
    assert json.loads(entry["after"])["filters"]["player"] == str(a)


def test_deposits_page_shows_the_provider_state_with_filters(app, client, players):
    a, b = players
    paid = data.deposit(app, a, "100.00", "TX-PAID")
    failed = data.deposit(app, b, "20.00", "TX-<FAIL>", status="failed")
    started = data.deposit(app, b, "30.00", "TX-NEW", status=None)
    log_in(app, client, "support")
    page = client.get("/admin/money/deposits")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "TX-&lt;FAIL&gt;" in html and "TX-<FAIL>" not in html
    for deposit_id in (paid, failed, started):
        assert f'data-testid="deposit-{deposit_id}"' in html
    only_failed = client.get("/admin/money/deposits?status=fail").get_data(as_text=True)
    assert f'deposit-{failed}"' in only_failed and f'deposit-{paid}"' not in only_failed
    by_tx = client.get("/admin/money/deposits?provider_tx_id=TX-PAID").get_data(as_text=True)
    assert f'deposit-{paid}"' in by_tx and f'deposit-{failed}"' not in by_tx
    big = client.get("/admin/money/deposits?currency=EUR&min=25").get_data(as_text=True)
    assert f'deposit-{paid}"' in big and f'deposit-{started}"' in big
    assert f'deposit-{failed}"' not in big
    overview = client.get("/admin/money")
    assert overview.status_code == 200
    assert "1 deposits not finished" in page_text(overview)


def test_finance_declines_a_withdrawal_with_a_reason(app, client, players):
    a, _ = players
    data.deposit(app, a, "100.00", "TX-A")
    asked = data.ask_withdrawal(app, a, "30.00")
    assert _balance(app, a) == Decimal("70.00")
    page = "/admin/money/withdrawals"
    log_in(app, client, "support")
    listed = client.get(page).get_data(as_text=True)
    assert f'data-testid="withdrawal-{asked}"' in listed and "Decline" not in listed
    url = f"/admin/money/withdrawals/{asked}/decline"
    assert post_action(client, url, {"reason": "no"}, page=page).status_code == 403
    log_in(app, client, "finance")
    assert post_action(client, url, {"reason": ""}, page=page).status_code == 400
    done = post_action(client, url, {"reason": "documents <missing>"}, page=page)
    assert done.status_code == 302
    with app.app_context():
        withdrawal = db.session.get(Withdrawal, asked)
        assert (withdrawal.status, withdrawal.reason) == ("declined", "documents <missing>")
        assert withdrawal.operator == "admin:finance@example.com"
    assert _balance(app, a) == Decimal("100.00")
    [entry] = audit_entries(app, "withdrawal.decline")
    assert (entry["target_type"], entry["target_id"]) == ("withdrawal", str(asked))
    assert json.loads(entry["before"])["status"] == "pending"
    assert json.loads(entry["after"])["status"] == "declined"
    assert entry["reason"] == "documents <missing>" and entry["role"] == "finance"
    again = post_action(client, url, {"reason": "twice"}, page=page)
    assert again.status_code == 302
    assert "no longer waiting" in page_text(client.get(again.headers["Location"]))
    assert len(audit_entries(app, "withdrawal.decline")) == 1
    declined = client.get(page + "?status=declined").get_data(as_text=True)
    assert "documents &lt;missing&gt;" in declined


def test_finance_approves_a_withdrawal_and_the_provider_pays(app, client, brand_id, players):
    a, _ = players
    with served_cashier(app, brand_id) as (_url, provider):
        data.deposit(app, a, "100.00", "TX-A")
        asked = data.ask_withdrawal(app, a, "30.00")
        page = "/admin/money/withdrawals"
        url = f"/admin/money/withdrawals/{asked}/approve"
        log_in(app, client, "support")
        assert post_action(client, url, {"reason": "ok"}, page=page).status_code == 403
        log_in(app, client, "admin")
        done = post_action(client, url, {"reason": "checked the documents"}, page=page)
        assert done.status_code == 302
        assert "approved: paid out" in page_text(client.get(done.headers["Location"]))
        assert len(provider.payouts()) == 1
    with app.app_context():
        assert db.session.get(Withdrawal, asked).status == "success"
    assert _balance(app, a) == Decimal("70.00")
    [entry] = audit_entries(app, "withdrawal.approve")
    assert (entry["target_id"], entry["reason"]) == (str(asked), "checked the documents")
    assert json.loads(entry["before"])["status"] == "pending"
    assert json.loads(entry["after"])["status"] == "process"
    again = post_action(client, url, {"reason": "again"}, page=page)
    assert "not waiting" in page_text(client.get(again.headers["Location"]))
    assert len(audit_entries(app, "withdrawal.approve")) == 1


def test_an_approval_the_provider_cannot_take_changes_nothing(app, client, players):
    a, _ = players
    data.deposit(app, a, "100.00", "TX-A")
    asked = data.ask_withdrawal(app, a)
    app.config["PAYMENT_SANDBOX_URL"] = ""
    log_in(app, client, "finance")
    page = "/admin/money/withdrawals"
    done = post_action(
        client, f"/admin/money/withdrawals/{asked}/approve", {"reason": "go"}, page=page
    )
    assert done.status_code == 302
    assert "cannot pay out" in page_text(client.get(done.headers["Location"]))
    with app.app_context():
        assert db.session.get(Withdrawal, asked).status == "pending"
    assert audit_entries(app, "withdrawal.approve") == []


def test_finance_resolves_unknown_coupons(app, client, players):
    a, _ = players
    data.deposit(app, a, "100.00", "TX-A")
    refunded = data.unknown_coupon(app, a, "10.00", note="timeout <after 10 s>")
    placed = data.unknown_coupon(app, a, "5.00")
    assert _balance(app, a) == Decimal("85.00")
    page = "/admin/money/coupons"
    log_in(app, client, "support")
    listed = client.get(page)
    html = listed.get_data(as_text=True)
    assert f'data-testid="coupon-{refunded}"' in html and f'data-testid="coupon-{placed}"' in html
    assert "timeout &lt;after 10 s&gt;" in html and "Not taken" not in html
    url = f"/admin/money/coupons/{refunded}/resolve"
    assert (
        post_action(client, url, {"outcome": "refused", "reason": "x"}, page=page).status_code
        == 403
    )
    log_in(app, client, "finance")
    done = post_action(client, url, {"outcome": "refused", "reason": "never taken"}, page=page)
    assert done.status_code == 302
    assert _balance(app, a) == Decimal("95.00")
    took = post_action(
        client,
        f"/admin/money/coupons/{placed}/resolve",
        {"outcome": "placed", "barcode": "BC-77", "reason": "the service has it"},
        page=page,
    )
    assert took.status_code == 302
    with app.app_context():
        assert db.session.get(Coupon, refunded).status == "refused"
        assert (db.session.get(Coupon, placed).status, db.session.get(Coupon, placed).barcode) == (
            "open",
            "BC-77",
        )
    [entry] = audit_entries(app, "coupon.resolve_refused")
    assert (entry["target_type"], entry["target_id"], entry["reason"]) == (
        "coupon", str(refunded), "never taken",
    )  # fmt: skip
    assert json.loads(entry["before"])["status"] == "unknown"
    assert json.loads(entry["after"])["status"] == "refused"
    [placed_entry] = audit_entries(app, "coupon.resolve_placed")
    assert json.loads(placed_entry["after"])["barcode"] == "BC-77"
    again = post_action(client, url, {"outcome": "refused", "reason": "again"}, page=page)
    assert "not unknown" in page_text(client.get(again.headers["Location"]))
    assert _balance(app, a) == Decimal("95.00")
    assert "No unknown coupons." in page_text(client.get(page))


def test_finance_applies_a_refused_coupon_result_again(app, client, players):
    a, _ = players
    data.deposit(app, a, "100.00", "TX-A")
    coupon = data.unknown_coupon(app, a, "10.00")
    result = data.refused_result(app, coupon, "BC-9", "25.00")
    page = "/admin/money/coupon-results"
    log_in(app, client, "support")
    assert f'data-testid="result-{result}"' in client.get(page).get_data(as_text=True)
    url = f"/admin/money/coupon-results/{result}/retry"
    assert post_action(client, url, {"reason": "x"}, page=page).status_code == 403
    log_in(app, client, "finance")
    done = post_action(client, url, {"reason": "the player has the money now"}, page=page)
    assert done.status_code == 302
    assert f"Result {result}: applied" in page_text(client.get(done.headers["Location"]))
    assert _balance(app, a) == Decimal("115.00")
    with app.app_context():
        assert db.session.get(CouponResult, result).outcome == "applied"
        assert db.session.get(Coupon, coupon).status == "won"
    [entry] = audit_entries(app, "coupon.result_retry")
    assert json.loads(entry["before"])["outcome"] == "refused"
    assert json.loads(entry["after"])["outcome"] == "applied"
    again = post_action(client, url, {"reason": "again"}, page=page)
    assert "not a refused result" in page_text(client.get(again.headers["Location"]))
    assert len(audit_entries(app, "coupon.result_retry")) == 1
