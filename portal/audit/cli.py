"""`flask --app app audit verify`: check the audit log's chain; exit status 1 on damage."""

import click
from flask.cli import AppGroup

from portal.audit import chain

audit_cli = AppGroup("audit", help="The audit log of admin and operator actions.")


@audit_cli.command("verify")
def verify():
    """Recompute every entry's hash and the links between entries."""
    count, problems = chain.verify()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"the audit log is damaged: {len(problems)} problem(s)")
    click.echo(f"audit log intact: {count} entries")
