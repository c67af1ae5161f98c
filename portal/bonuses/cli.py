"""Bonus commands: `flask --app app bonuses create|edit|offer|assign|list|expire`."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal.bonuses import operations
from portal.bonuses.models import Bonus
from portal.cli_args import player_by_id_or_email
from portal.database import commit, rollback
from portal.extensions import db

bonuses_cli = AppGroup("bonuses", help="Bonuses: definitions and assignments.")


@bonuses_cli.command("create")
@click.option("--name", required=True)
@click.option("--code", required=True, help="What players enter (case does not matter).")
@click.option("--amount", help="A fixed bonus, e.g. 10.00 (in the player's currency).")
@click.option("--percent", help="Or a percentage of the deposit it comes with, e.g. 100.")
@click.option("--max-amount", help="The most a percentage bonus gives.")
@click.option("--wagering", required=True, help="Multiplier of the bonus to wager, e.g. 30.")
@click.option("--max-conversion", required=True, help="The most that becomes real money.")
@click.option("--days", required=True, type=int, help="Days it stays active.")
def create(name, code, amount, percent, max_amount, wagering, max_conversion, days):
    """Define a bonus (a fixed --amount, or --percent of a deposit up to --max-amount)."""
    try:
        bonus = operations.create(
            name,
            code,
            amount=amount,
            percent=percent,
            max_amount=max_amount,
            wagering=wagering,
            max_conversion=max_conversion,
            days=days,
        )
        commit()
    except operations.BonusRefused as exc:
        rollback()
        raise click.ClickException(exc.detail or exc.code) from None
    click.echo(f"bonus {bonus.id}: {bonus.name} (code {bonus.code})")


@bonuses_cli.command("edit")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--amount", help="A fixed bonus, e.g. 10.00 (in the player's currency).")
@click.option("--percent", help="Or a percentage of the deposit it comes with, e.g. 100.")
@click.option("--max-amount", help="The most a percentage bonus gives.")
@click.option("--wagering", required=True, help="Multiplier of the bonus to wager, e.g. 30.")
@click.option("--max-conversion", required=True, help="The most that becomes real money.")
@click.option("--days", required=True, type=int, help="Days it stays active.")
def edit(code, **fields):
    """Change the definition of bonus CODE (assignments already given keep theirs)."""
    try:
        bonus = operations.update(operations.definition(code), **fields)
        commit()
    except operations.BonusRefused as exc:
        rollback()
        raise click.ClickException(exc.detail or exc.code) from None
    click.echo(f"bonus {bonus.id}: {bonus.name} (code {bonus.code}) changed")


@bonuses_cli.command("offer")
@click.argument("code")
@click.option("--on/--off", "active", required=True, help="Offer it, or stop offering it.")
def offer(code, active):
    """Offer bonus CODE to players (--on) or stop offering it (--off)."""
    try:
        bonus = operations.set_active(operations.definition(code), active)
        commit()
    except operations.BonusRefused as exc:
        rollback()
        raise click.ClickException(exc.detail or exc.code) from None
    click.echo(f"bonus {bonus.code}: {'offered' if bonus.active else 'off'}")


@bonuses_cli.command("assign")
@click.argument("player")
@click.argument("code")
@click.option("--currency", help="Default: the player's active currency.")
def assign(player, code, currency):
    """Give a fixed bonus to PLAYER (id or email)."""
    found = player_by_id_or_email(player)
    try:
        given = operations.assign(found, code, currency)
        commit()
    except operations.BonusRefused as exc:
        rollback()
        if exc.code == "percentage":
            raise click.ClickException(
                f"{exc.detail} is a percentage of a deposit: players claim it"
            ) from None
        raise click.ClickException(operations.WORDS.get(exc.code, exc.code)) from None
    click.echo(
        f"player {found.id}: bonus {given.bonus.code} assigned ({given.id}), wager "
        f"{given.wagering_required} minor units of {given.currency}"
    )


@bonuses_cli.command("list")
def list_bonuses():
    """The bonus definitions."""
    found = db.session.scalars(select(Bonus).order_by(Bonus.id)).all()
    for b in found:
        given = f"{b.amount}" if b.amount else f"{b.percent}% up to {b.max_amount}"
        click.echo(
            f"{b.id}\t{b.code}\t{b.name}\t{given}\tx{b.wagering}\tmax {b.max_conversion}\t"
            f"{b.days} days\t{'active' if b.active else 'off'}"
        )
    rollback()
    click.echo(f"{len(found)} bonus(es)")


@bonuses_cli.command("expire")
def expire():
    """End the assignments whose days are over (their bonus balance is forfeited)."""
    ended = operations.expire_due()
    commit()
    click.echo(f"{ended} assignment(s) expired")


def register(app: Flask) -> None:
    app.cli.add_command(bonuses_cli)
