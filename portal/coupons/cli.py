"""Coupon commands: `flask --app app line load FILE` (the bet slip's offer) and
`flask --app app coupons unknown|resolve|results|retry|login` (placements nobody knows
the end of, results to look at)."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal import money
from portal.coupons import client, line, operations
from portal.coupons.models import CouponResult
from portal.database import commit, rollback
from portal.extensions import db

line_cli = AppGroup("line", help="The line of events offered on the bet slip.")
coupons_cli = AppGroup(
    "coupons", help="Coupons whose placement has no known end; the service's login."
)


@line_cli.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def load_line(file):
    """Load a line file (JSON or CSV; see the README): it replaces the offer of the matches
    it names. Nothing is loaded when any part of it is wrong."""
    try:
        events = line.parse(file.read(), getattr(file, "name", ""))
        matches, outcomes = line.load(events)
        commit()
    except line.LineFileError as exc:
        rollback()
        listed = "\n".join(f"  {problem}" for problem in exc.problems[:50])
        raise click.ClickException(f"{file.name}: nothing loaded:\n{listed}") from None
    except UnicodeDecodeError:
        rollback()
        raise click.ClickException(f"{file.name}: not UTF-8 text; nothing loaded") from None
    click.echo(f"loaded {matches} match(es), {outcomes} outcome(s) from {file.name}")


@coupons_cli.command("unknown")
def list_unknown():
    """Coupons the service may or may not have taken (their stakes are held)."""
    found = operations.unknown_coupons()
    for coupon in found:
        stake = money.format_amount(coupon.stake, coupon.currency)
        bets = " ".join(s.bet for s in coupon.selections)
        click.echo(
            f"{coupon.id}\tplayer {coupon.player_id}\t{stake} {coupon.currency}\t"
            f"{coupon.created_at:%Y-%m-%d %H:%M:%S}\t{coupon.status}\t{bets}\t"
            f"{coupon.refusal_message or ''}"
        )
    rollback()
    click.echo(f"{len(found)} unknown coupon(s)")


@coupons_cli.command("results")
@click.option("--all", "everything", is_flag=True, help="Every result, not only those to look at.")
def list_results(everything):
    """Results an operator should look at: unknown barcodes (attach them with `resolve
    --barcode`), malformed items, and corrections the player's balance could not give back."""
    statement = select(CouponResult).order_by(CouponResult.id)
    if not everything:
        statement = statement.where(CouponResult.outcome.in_(("unknown", "malformed", "refused")))
    found = db.session.scalars(statement.limit(1000)).all()
    for result in found:
        click.echo(
            f"{result.id}\t{result.received_at:%Y-%m-%d %H:%M:%S}\t{result.barcode or '-'}\t"
            f"coupon {result.coupon_id or '-'}\tstatus {result.status}\t"
            f"{result.amount_out or ''}\t{result.outcome}\t{result.note or ''}"
        )
    rollback()
    click.echo(f"{len(found)} result(s)")


@coupons_cli.command("resolve")
@click.argument("coupon_id", type=click.IntRange(1))
@click.option("--barcode", help="The service took it under this barcode (its results apply).")
@click.option("--refused", "note", help="The service never took it: refund, with this note.")
def resolve(coupon_id, barcode, note):
    """Resolve an unknown coupon: --barcode CODE or --refused NOTE."""
    if bool(barcode) == bool(note):
        raise click.UsageError("give exactly one of --barcode and --refused")
    try:
        if barcode:
            coupon = operations.resolve_placed(coupon_id, barcode)
        else:
            coupon = operations.resolve_refused(coupon_id, note)
        status = coupon.status
        commit()
    except operations.CouponRefused as exc:
        rollback()
        raise click.ClickException(_refusal_text(exc)) from None
    click.echo(f"coupon {coupon_id}: {status}")


@coupons_cli.command("retry")
@click.argument("result_id", type=int)
def retry_result(result_id):
    """Apply again a result that was refused because the player's balance could not give
    back a corrected payout (see `coupons results`), e.g. once the player has the money."""
    from portal.coupons import results

    try:
        outcome = results.retry(result_id)
    except results.NotRetried as exc:
        raise click.ClickException(str(exc)) from None
    if outcome != "applied":
        raise click.ClickException(f"result {result_id}: still not applied ({outcome})")
    click.echo(f"result {result_id}: applied")


@coupons_cli.command("login")
def log_in():
    """Log in to the service now (BETCALC_LOGIN, BETCALC_PASSWORD); keeps the cookies."""
    try:
        user = client.login()
    except client.NotAsked as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"logged in: UserId {user}")


def _refusal_text(exc: operations.CouponRefused) -> str:
    texts = {
        "no_coupon": f"no coupon {exc.detail}",
        "not_unknown": f"the coupon is {exc.detail}, not unknown",
        "bad_barcode": exc.detail,
    }
    return texts.get(exc.code, str(exc))


def register(app: Flask) -> None:
    app.cli.add_command(line_cli)
    app.cli.add_command(coupons_cli)
