"""`flask --app app traffic prune [--days N]`: drop old calls from the vendor traffic log
(the outbox worker does it too, every minute)."""

import click
from flask import Flask
from flask.cli import AppGroup

from portal.database import commit
from portal.traffic import operations

traffic = AppGroup("traffic", help="The vendor traffic log.")


@traffic.command("prune")
@click.option(
    "--days", type=click.IntRange(0), help="Keep this many days.  [default: VENDOR_LOG_DAYS]"
)
def prune(days):
    """Delete the vendor calls older than VENDOR_LOG_DAYS (or --days)."""
    deleted = operations.prune(days)
    commit()
    click.echo(f"{deleted} vendor call(s) deleted")


def register(app: Flask) -> None:
    app.cli.add_command(traffic)
