"""Coupon commands: `flask --app app line load FILE` (the bet slip's offer)."""

import click
from flask import Flask
from flask.cli import AppGroup

from portal.coupons import line
from portal.database import commit, rollback

line_cli = AppGroup("line", help="The line of events offered on the bet slip.")


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


def register(app: Flask) -> None:
    app.cli.add_command(line_cli)
