"""Outbox commands: `flask --app app worker [--once] [--poll 1.0] [--concurrency N]` and
`flask --app app outbox list|retry`."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal.database import commit
from portal.extensions import db
from portal.outbox import operations
from portal.outbox.models import DEAD, PENDING, SENT, OutboxMessage
from portal.outbox.worker import run_worker

outbox = AppGroup("outbox", help="Read the outbox of vendor calls; revive dead messages.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--poll",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.01),
    help="Seconds between looks at the outbox when it is empty.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    help="Deliveries under way at once.  [default: OUTBOX_CONCURRENCY]",
)
@with_appcontext
def worker(once, poll, concurrency):
    """Deliver outbox messages to vendors, with retries, until SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()
    concurrency = concurrency or app.config["OUTBOX_CONCURRENCY"]
    if not once:
        click.echo(
            f"outbox worker: polling every {poll:g} s, up to {concurrency} deliveries at once "
            "(Ctrl-C stops)"
        )
    sent, retried, dead = run_worker(app, poll_seconds=poll, once=once, concurrency=concurrency)
    click.echo(f"{sent} sent, {retried} to retry, {dead} dead")


@outbox.command("list")
@click.option("--status", type=click.Choice([PENDING, SENT, DEAD]), help="Only these.")
@click.option("--kind", help="Only this kind, e.g. betcore.accept.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_messages(status, kind, limit):
    """Newest first: id, created, status, attempts, kind, url, last HTTP status, next
    attempt (or sent time), last error."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    for message in db.session.scalars(query):
        if message.status == PENDING:
            when = f"next {message.next_attempt_at:%Y-%m-%d %H:%M:%S}"
        elif message.sent_at:
            when = f"sent {message.sent_at:%Y-%m-%d %H:%M:%S}"
        else:
            when = "-"
        fields = (
            message.id,
            f"{message.created_at:%Y-%m-%d %H:%M:%S}",
            message.status,
            f"attempts {message.attempts}",
            message.kind,
            message.url,
            f"HTTP {message.last_status or '-'}",
            when,
            message.last_error or "",
        )
        click.echo("\t".join(str(field) for field in fields))


@outbox.command("retry")
@click.argument("message_ids", type=int, nargs=-1, required=True)
def retry_messages(message_ids):
    """Send messages again now: dead ones become pending with a fresh count of attempts,
    pending ones are due at once (portal.outbox.operations.retry, as the back office)."""
    changed = operations.retry(message_ids)
    commit()
    click.echo(f"{len(changed)} message(s) pending again")


def register(app: Flask) -> None:
    app.cli.add_command(worker)
    app.cli.add_command(outbox)
