"""Operator commands: `flask --app app brands|admins|players|mail|demo ...`."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal import messages
from portal.accounts import mail, operations
from portal.accounts.errors import BrandNotFound, ValidationFailed
from portal.accounts.models import AdminUser, Brand, OutboundMail, Player
from portal.database import commit, rollback
from portal.extensions import db

brands = AppGroup("brands", help="Create and list brands.")
admins = AppGroup("admins", help="Create back-office users.")
players = AppGroup("players", help="Create players for support and testing.")
mails = AppGroup("mail", help="Read and deliver the mail outbox.")

DEMO_BRAND = "Demo Casino"
DEMO_PLAYER = ("demo@example.com", "demo1234")
DEMO_ADMIN = ("admin@example.com", "admin1234")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def run(operation, *args, **kwargs):
    """Call an operation as one unit of work; domain errors become a clear CLI error."""
    try:
        result = operation(*args, **kwargs)
        commit()
        return result
    except ValidationFailed as exc:
        rollback()
        lines = [f"  {e.field}: {messages.text(e.code)} ({e.code})" for e in exc.errors]
        raise click.ClickException("invalid input:\n" + "\n".join(lines)) from None
    except BrandNotFound as exc:
        rollback()
        raise click.ClickException(f"no brand with id {exc.args[0]}") from None


@brands.command("create")
@click.option("--name", required=True, help="Brand name, unique.")
@click.option(
    "--currencies", default="EUR", show_default=True, help="Comma-separated; first is the default."
)
@click.option(
    "--languages", default="en", show_default=True, help="Comma-separated ISO 639-1 codes."
)
@click.option("--password-max-length", default=15, show_default=True, type=click.IntRange(8, 128))
@click.option("--require-verified-email", is_flag=True, help="Players must verify their email.")
def create_brand(name, currencies, languages, password_max_length, require_verified_email):
    brand = run(
        operations.create_brand,
        name,
        currencies=[c.upper() for c in _csv(currencies)],
        languages=[lang.lower() for lang in _csv(languages)],
        password_max_length=password_max_length,
        require_verified_email=require_verified_email,
    )
    click.echo(f"brand {brand.id} created: {brand.name} ({brand.currencies}; {brand.languages})")


@brands.command("list")
def list_brands():
    for brand in db.session.scalars(select(Brand).order_by(Brand.id)):
        click.echo(f"{brand.id}\t{brand.name}\t{brand.currencies}\t{brand.languages}")


@admins.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
def create_admin(email, password):
    admin = run(operations.create_admin, email, password)
    click.echo(f"admin {admin.id} created: {admin.email}")


@players.command("create")
@click.option("--brand-id", required=True, type=int)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--currency", help="One of the brand's currencies (default: the brand's first).")
@click.option("--login-name")
def create_player(brand_id, email, password, currency, login_name):
    """An active player with a verified email."""
    player = run(_create_player, brand_id, email, password, currency, login_name)
    click.echo(f"player {player.id} created: {player.email} ({player.currency})")


def _create_player(brand_id, email, password, currency, login_name) -> Player:
    return operations.register_player(
        operations.get_brand(brand_id),
        email=email,
        password=password,
        login_name=login_name,
        currency=currency.upper() if currency else None,
        over18=True,
        email_verified=True,
    )


@click.command("demo")
@with_appcontext
def demo():
    """Create the demo brand, player and admin (once) and print their credentials."""
    brand = db.session.scalar(select(Brand).where(Brand.name == DEMO_BRAND))
    if brand is None:
        brand = run(
            operations.create_brand,
            DEMO_BRAND,
            currencies=["EUR", "USD", "BTC"],
            languages=["en", "de"],
        )
    email, password = DEMO_PLAYER
    if not db.session.scalar(
        select(Player.id).where(Player.brand_id == brand.id, Player.email_key == email)
    ):
        run(_create_player, brand.id, email, password, "EUR", "demo")
    admin_email, admin_password = DEMO_ADMIN
    if not db.session.scalar(select(AdminUser.id).where(AdminUser.email == admin_email)):
        run(operations.create_admin, admin_email, admin_password)
    click.echo(f"brand  {brand.id}: {brand.name} ({brand.currencies})")
    click.echo(f"player {email} / {password} (login name: demo)")
    click.echo(f"admin  {admin_email} / {admin_password}")


@mails.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_mail(limit):
    query = select(OutboundMail).order_by(OutboundMail.id.desc()).limit(limit)
    for message in db.session.scalars(query):
        click.echo(
            f"{message.id}\t{message.created_at:%Y-%m-%d %H:%M:%S}\t{message.status}\t"
            f"{message.recipient}\t{message.subject}"
        )


@mails.command("show")
@click.argument("mail_id", type=int)
def show_mail(mail_id):
    message = db.session.get(OutboundMail, mail_id)
    if message is None:
        raise click.ClickException(f"no mail with id {mail_id}")
    click.echo(f"To: {message.recipient}\nSubject: {message.subject}\n\n{message.body}")


@mails.command("deliver")
def deliver_mail():
    """Send pending and failed mails through MAIL_SERVER."""
    if not current_app.config["MAIL_SERVER"]:
        raise click.ClickException("MAIL_SERVER is not set: mails are kept in the outbox")
    sent, failed = mail.deliver()
    click.echo(f"{sent} sent, {failed} failed")


def register(app: Flask) -> None:
    for group in (brands, admins, players, mails, demo):
        app.cli.add_command(group)
