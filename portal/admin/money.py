"""Money pages: an overview (`money`) and the ledger's transactions, filtered, sorted,
paged and downloadable as CSV. The cashier queues (withdrawals, deposits) and the coupons
to resolve live in money_cashier and money_coupons; the filters they share live here."""

import csv
import io

from flask import Response, current_app, render_template, request
from sqlalchemy import func, select

from portal import money
from portal.admin import args
from portal.admin.blueprint import FINANCE, audit, page
from portal.admin.paging import paginate
from portal.coupons.models import CouponResult
from portal.coupons.operations import unknown_condition
from portal.extensions import db
from portal.payments.models import PENDING, PROCESS, Deposit, Withdrawal
from portal.wallet.models import Transaction

CSV_BATCH = 1000
RESULTS_TO_LOOK_AT = ("unknown", "malformed", "refused")  # as `flask coupons results`
CSV_COLUMNS = (
    "id", "created_at", "player_id", "source", "external_id", "kind", "status", "currency",
    "amount", "bonus_amount", "balance_after", "reference", "reason", "operator",
)  # fmt: skip


# --- filters shared by the money pages ------------------------------------------------------


day_arg = args.day  # a `YYYY-MM-DD` query argument as a datetime (midnight UTC), or None


int_arg = args.arg_number


def currency_arg() -> str | None:
    code = request.args.get("currency", "").strip().upper()
    return code if money.is_currency(code) else None


def minor_arg(name: str, currency: str | None, problems: list) -> int | None:
    """An amount argument in minor units of `currency` (amounts need a currency)."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if currency is None:
        problems.append("Choose a currency to filter by amount.")
        return None
    try:
        return money.to_minor(money.parse_amount(text, currency), currency)
    except money.InvalidAmount as exc:
        problems.append(f"{name}: {exc}")
        return None


def common_conditions(model, *, created=None) -> tuple[list, list, str | None]:
    """WHERE clauses for player, currency, date range (on `created`, default created_at) and
    absolute amount range; the problems to show; the chosen currency."""
    problems: list[str] = []
    conditions = []
    created = created if created is not None else model.created_at
    if (player := int_arg("player")) is not None:
        conditions.append(model.player_id == player)
    elif request.args.get("player", "").strip():
        problems.append("The player is a number (the player's id).")
    currency = currency_arg()
    if currency:
        conditions.append(model.currency == currency)
    if (start := day_arg("from")) is not None:
        conditions.append(created >= start)
    if (end := day_arg("to")) is not None:
        conditions.append(created < args.day_after(end))
    if (low := minor_arg("min", currency, problems)) is not None:
        conditions.append(func.abs(model.amount) >= low)
    if (high := minor_arg("max", currency, problems)) is not None:
        conditions.append(func.abs(model.amount) <= high)
    return conditions, problems, currency


def distinct_values(column) -> list[str]:
    return [v for v in db.session.scalars(select(column).distinct().order_by(column)) if v]


# --- the overview ---------------------------------------------------------------------------


@page("/money", endpoint="money")
def overview():
    """What waits for finance, with links to each money page."""
    counts = {
        "withdrawals": db.session.scalar(
            select(func.count()).where(Withdrawal.status.in_((PENDING, PROCESS)))
        ),
        "deposits": db.session.scalar(
            select(func.count()).where(Deposit.status.in_(("new", "process")))
        ),
        "coupons": db.session.scalar(select(func.count()).where(unknown_condition())),
        "results": db.session.scalar(
            select(func.count()).where(CouponResult.outcome.in_(RESULTS_TO_LOOK_AT))
        ),
    }
    return render_template("admin/money/index.html", counts=counts)


# --- transactions ---------------------------------------------------------------------------


def _transaction_query():
    conditions, problems, _currency = common_conditions(Transaction)
    for name in ("kind", "source", "status"):
        value = request.args.get(name, "").strip()
        if value:
            conditions.append(getattr(Transaction, name) == value)
    reference = request.args.get("reference", "").strip()
    if reference:
        conditions.append(Transaction.reference == reference)
    return conditions, problems


TRANSACTION_SORTS = {
    "id": Transaction.id,
    "created": Transaction.created_at,
    "player": Transaction.player_id,
    "amount": Transaction.amount,
    "kind": Transaction.kind,
}


@page("/money/transactions")
def transactions():
    conditions, problems = _transaction_query()
    found = paginate(select(Transaction).where(*conditions), TRANSACTION_SORTS, "id")
    return render_template(
        "admin/money/transactions.html",
        transactions=found,
        problems=problems,
        kinds=distinct_values(Transaction.kind),
        sources=distinct_values(Transaction.source),
        amount=money.format_amount,
    )


@page("/money/transactions.csv", roles=FINANCE, endpoint="transactions_csv")
def transactions_csv():
    """The filtered transactions as CSV (finance and admins), streamed from a read-only
    connection in batches so a large export holds no write lock and little memory. The
    export itself is written to the audit log (who took which data)."""
    conditions, problems = _transaction_query()
    audit(
        "money.transactions_export",
        target_type="transactions",
        after={"filters": request.args.to_dict(), "problems": problems},
    )
    table = Transaction.__table__
    columns = [table.c[name] for name in CSV_COLUMNS]
    query = select(*columns).where(*conditions).order_by(table.c.id)
    app = current_app._get_current_object()
    connection = db.engine.connect().execution_options(stream_results=True, portal_read_only=True)

    def body():
        try:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            yield buffer.getvalue()
            with app.app_context():
                result = connection.execution_options(yield_per=CSV_BATCH).execute(query)
            for batch in result.partitions():
                buffer.seek(0)
                buffer.truncate()
                for row in batch:
                    writer.writerow(_csv_row(row))
                yield buffer.getvalue()
        finally:
            connection.close()

    response = Response(
        body(),
        content_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="transactions.csv"',
        },
    )
    response.call_on_close(connection.close)
    return response


def _csv_row(row) -> list:
    values = row._mapping
    currency = values["currency"]

    def amount(minor):
        return "" if minor is None else money.format_amount(minor, currency)

    created = values["created_at"]
    return [
        values["id"],
        created.strftime("%Y-%m-%d %H:%M:%S") if hasattr(created, "strftime") else created,
        values["player_id"],
        values["source"],
        _cell(values["external_id"]),
        values["kind"],
        values["status"],
        currency,
        amount(values["amount"]),
        amount(values["bonus_amount"]),
        amount(values["balance_after"]),
        _cell(values["reference"]),
        _cell(values["reason"]),
        _cell(values["operator"]),
    ]


def _cell(text):
    """A text cell safe to open in a spreadsheet: a leading = + - @ is not a formula."""
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text or ""
