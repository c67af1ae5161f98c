"""Cashier commands: `flask --app app payments method|methods` (what a brand offers) and
`flask --app app withdrawals list|approve ID|decline ID --reason R`."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal import money
from portal.database import commit, rollback
from portal.extensions import db
from portal.payments import deposits, methods, withdrawals
from portal.payments.models import PENDING, PROCESS, PaymentMethod, Withdrawal

payments_cli = AppGroup("payments", help="Payment methods a brand offers.")
withdrawals_cli = AppGroup("withdrawals", help="Players' withdrawal requests.")
OPERATOR = "cli"


@payments_cli.command("method")
@click.argument("brand_id", type=int)
@click.argument("provider")
@click.argument("currency")
@click.option("--min-deposit", required=True, help="Smallest deposit, e.g. 10.00")
@click.option("--max-deposit", required=True, help="Largest deposit, e.g. 5000.00")
@click.option("--min-withdrawal", required=True)
@click.option("--max-withdrawal", required=True)
def set_method(brand_id, provider, currency, **limits):
    """Offer PROVIDER in CURRENCY on brand BRAND_ID with these limits (or change them)."""
    try:
        row = method_row(brand_id, provider, currency, limits)
        commit()
    except click.ClickException:
        rollback()
        raise
    click.echo(f"brand {brand_id}: {provider} {currency} offered ({_limits(row)})")


def method_row(brand_id: int, provider: str, currency: str, limits: dict) -> PaymentMethod:
    """Create or change a payment method (CLI and `flask demo`); the caller commits."""
    try:
        return methods.set_method(brand_id, provider, currency, limits)
    except methods.MethodRefused as exc:
        raise click.ClickException(str(exc)) from None


@payments_cli.command("methods")
@click.argument("brand_id", type=int)
def list_methods(brand_id):
    """The payment methods brand BRAND_ID offers."""
    found = deposits.methods(brand_id)
    for row in found:
        click.echo(f"{row.provider}\t{row.currency}\t{_limits(row)}")
    rollback()
    click.echo(f"{len(found)} method(s)")


@withdrawals_cli.command("list")
@click.option("--all", "everything", is_flag=True, help="Every request, not only the waiting ones.")
def list_withdrawals(everything):
    """Withdrawal requests waiting for an operator (and payouts without an answer)."""
    statement = select(Withdrawal).order_by(Withdrawal.id)
    if not everything:
        statement = statement.where(Withdrawal.status.in_((PENDING, PROCESS)))
    found = db.session.scalars(statement.limit(1000)).all()
    for w in found:
        click.echo(
            f"{w.id}\tplayer {w.player_id}\t{money.format_amount(w.amount, w.currency)} "
            f"{w.currency}\t{w.provider}\t{w.requisite}\t{w.status}\t"
            f"{w.created_at:%Y-%m-%d %H:%M:%S}\t{w.reason or ''}"
        )
    rollback()
    click.echo(f"{len(found)} withdrawal(s)")


@withdrawals_cli.command("approve")
@click.argument("withdrawal_id", type=int)
def approve(withdrawal_id):
    """Approve a pending request: the provider pays it out (success is final; a failure
    gives the money back). A payout without an answer can be approved again."""
    try:
        done = withdrawals.approve(withdrawal_id, OPERATOR)
    except deposits.CashierRefused as exc:
        rollback()
        if exc.code == "provider":
            raise click.ClickException(f"the provider cannot pay out: {exc.detail}") from None
        raise click.ClickException(f"withdrawal {withdrawal_id} is not waiting ({exc})") from None
    text = {"success": "paid", "fail": f"payout failed, money returned: {done.reason}"}
    click.echo(f"withdrawal {withdrawal_id}: {text.get(done.status, 'sent, no answer yet')}")


@withdrawals_cli.command("decline")
@click.argument("withdrawal_id", type=int)
@click.option("--reason", required=True, help="Why (the player reads it).")
def decline(withdrawal_id, reason):
    """Decline a pending request with a reason: the money returns to the player."""
    try:
        withdrawals.decline(withdrawal_id, reason, OPERATOR)
        commit()
    except deposits.CashierRefused as exc:
        rollback()
        if exc.code == "reason":
            raise click.ClickException("give a reason") from None
        raise click.ClickException(f"withdrawal {withdrawal_id} is not pending") from None
    click.echo(f"withdrawal {withdrawal_id}: declined, money returned")


def _limits(row: PaymentMethod) -> str:
    def f(minor):
        return money.format_amount(minor, row.currency)

    return (
        f"deposits {f(row.min_deposit)}-{f(row.max_deposit)}, "
        f"withdrawals {f(row.min_withdrawal)}-{f(row.max_withdrawal)}"
    )


def register(app: Flask) -> None:
    app.cli.add_command(payments_cli)
    app.cli.add_command(withdrawals_cli)
