"""Operator commands: `flask --app app brands|admins|players|mail|demo ...`."""

import uuid

import click
import pyotp
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal import messages
from portal.accounts import blocking, credentials, documents, mail, operations
from portal.accounts.errors import BrandNotFound, ValidationFailed
from portal.accounts.models import AdminUser, Brand, OutboundMail, Player
from portal.admin import users as admin_users
from portal.audit.cli import audit_cli
from portal.bonuses import cli as bonuses_cli
from portal.bonuses import operations as bonus_operations
from portal.bonuses.models import Bonus
from portal.cli_args import player_by_id_or_email
from portal.coupons import cli as coupons_cli
from portal.coupons import line as coupon_line
from portal.crm import cli as crm_cli
from portal.database import commit, rollback
from portal.extensions import db
from portal.limits import cli as limits_cli
from portal.outbox import cli as outbox_cli
from portal.payments import cli as payments_cli
from portal.timeutil import utcnow
from portal.traffic import cli as traffic_cli
from portal.wallet import errors as wallet_errors
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries
from portal.wallet import verify as wallet_verify

brands = AppGroup("brands", help="Create and list brands.")
admins = AppGroup("admins", help="Create back-office users.")
players = AppGroup("players", help="Create players for support and testing.")
mails = AppGroup("mail", help="Read and deliver the mail outbox.")
documents_cli = AppGroup("documents", help="Publish terms and privacy policies.")
wallet_cli = AppGroup("wallet", help="Adjust balances and verify the ledger.")

DEMO_BRAND = "Demo Casino"
DEMO_PLAYER = ("demo@example.com", "demo1234")
DEMO_ADMIN = ("admin@example.com", "admin1234")
# the demo's bonuses: a fixed one to claim on the bonus page, one with a deposit
DEMO_BONUSES = (
    ("FREE10", dict(name="Ten to try", amount="10.00", wagering="5", max_conversion="20.00",
                    days=30)),
    ("WELCOME", dict(name="Welcome: 100 % of your deposit", percent="100", max_amount="100.00",
                     wagering="10", max_conversion="200.00", days=30)),
)  # fmt: skip
# the sandbox provider on the demo brand: currency, smallest and largest amount
DEMO_PAYMENT_LIMITS = (("EUR", "5.00", "5000.00"), ("USD", "5.00", "5000.00"))
DEMO_DOCUMENTS = [
    ("tnc", "en", "Terms and Conditions"),
    ("tnc", "de", "Allgemeine Geschäftsbedingungen"),
    ("privacy", "en", "Privacy Policy"),
    ("privacy", "de", "Datenschutzerklärung"),
]
DEMO_FOOTER = dict(
    legal_text="Demo site: not a licensed operator. Licence line shown here in production.",
    contact_email="support@example.com",
)
DEMO_DOCUMENT_TEXT = {
    "en": "Demo text. Play responsibly; you must be 18 or older. We keep your data safe.",
    "de": "Demotext. Spiele verantwortungsvoll; du musst mindestens 18 sein.",
}


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
    except wallet_errors.InsufficientFunds as exc:
        rollback()
        raise click.ClickException(
            f"insufficient funds: balance {exc.balance} {exc.currency}"
        ) from None
    except wallet_errors.WalletError as exc:
        rollback()
        name = type(exc).__name__
        raise click.ClickException(f"{name}: {exc}" if str(exc) else name) from None


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


@brands.command("set")
@click.argument("brand_id", type=int)
@click.option("--password-max-length", type=click.IntRange(8, 128))
@click.option("--require-verified-email/--no-require-verified-email", default=None)
@click.option(
    "--reality-check-minutes",
    type=click.IntRange(0, 24 * 60),
    help="Minutes between reality checks; 0 turns them off.",
)
@click.option(
    "--via-aggregator/--direct",
    default=None,
    help="The brand reaches Betsy through an aggregator (profile gets operatorUser).",
)
@click.option("--languages", help="Comma-separated ISO 639-1 codes; first is the default.")
@click.option("--add-currencies", help="Comma-separated codes to add (none is ever removed).")
@click.option("--legal-text", help="The footer's licence line ('' removes it).")
@click.option("--contact-email", help="The footer's contact address ('' removes it).")
def set_brand(
    brand_id,
    password_max_length,
    require_verified_email,
    reality_check_minutes,
    via_aggregator,
    languages,
    add_currencies,
    legal_text,
    contact_email,
):
    """Change a brand's account settings."""
    brand = run(
        _update_brand,
        brand_id,
        password_max_length=password_max_length,
        require_verified_email=require_verified_email,
        reality_check_minutes=reality_check_minutes,
        via_aggregator=via_aggregator,
        languages=None if languages is None else [x.lower() for x in _csv(languages)],
        add_currencies=[x.upper() for x in _csv(add_currencies or "")],
        legal_text=legal_text,
        contact_email=contact_email,
    )
    click.echo(
        f"brand {brand.id}: currencies {brand.currencies}, password max "
        f"{brand.password_max_length}, verified email "
        f"{'required' if brand.require_verified_email else 'optional'}, reality check "
        f"{brand.reality_check_minutes or 'off'}"
    )


def _update_brand(brand_id, **settings):
    return operations.update_brand(operations.get_brand(brand_id), **settings)


@brands.command("list")
def list_brands():
    for brand in db.session.scalars(select(Brand).order_by(Brand.id)):
        click.echo(f"{brand.id}\t{brand.name}\t{brand.currencies}\t{brand.languages}")


@admins.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(admin_users.ROLES), default="admin", show_default=True)
@click.option("--totp-secret", help="Base32 TOTP secret: enrolment done (else at first login).")
def create_admin(email, password, role, totp_secret):
    """Create a back-office user (admins are not players)."""
    admin = run(admin_users.create, email, password, role, totp_secret)
    enrolled = "enrolled" if totp_secret else "enrols at first login"
    click.echo(f"admin {admin.id} created: {admin.email} ({admin.role}; two-factor {enrolled})")


@players.command("create")
@click.option("--brand-id", required=True, type=int)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--currency", help="One of the brand's currencies (default: the brand's first).")
@click.option("--login-name")
@click.option("--balance", help="Credit this much real money (an adjustment with a reason).")
def create_player(brand_id, email, password, currency, login_name, balance):
    """A ready player: email verified, registration complete, current documents signed."""
    player = run(_create_player, brand_id, email, password, currency, login_name, balance)
    click.echo(f"player {player.id} created: {player.email} ({player.currency})")
    if balance:
        click.echo(
            f"balance {wallet_queries.balance(player, player.currency).real:f} {player.currency}"
        )


@players.command("temporary-password")
@click.argument("player_id", type=int)
@click.option("--password", required=True, help="Told to the player, who must change it.")
def temporary_password(player_id, password):
    """Support sets a temporary password; the player must choose a new one at next login."""
    player = db.session.get(Player, player_id)
    if player is None:
        raise click.ClickException(f"no player with id {player_id}")
    run(credentials.set_temporary_password, player, password)
    click.echo(f"player {player.id} must change the password at the next login")


@players.command("block")
@click.argument("player")
@click.option("--reason", required=True, help="Why: kept in the player's change history.")
def block_player(player, reason):
    """Block PLAYER (id or email): no login, no play; sessions and CRM login links end."""
    found = _block_or_unblock(blocking.block, player, reason)
    click.echo(f"player {found.id} blocked; sessions and CRM login links ended")


@players.command("unblock")
@click.argument("player")
@click.option("--reason", required=True, help="Why: kept in the player's change history.")
def unblock_player(player, reason):
    """Let a blocked PLAYER (id or email) log in and play again."""
    found = _block_or_unblock(blocking.unblock, player, reason)
    click.echo(f"player {found.id} unblocked (status {found.status})")


def _block_or_unblock(operation, player, reason) -> Player:
    found = player_by_id_or_email(player)
    try:
        operation(found, reason=reason, operator="cli")
        commit()
    except blocking.BlockRefused as exc:
        rollback()
        raise click.ClickException(blocking.WORDS[exc.code]) from None
    return found


def _create_player(brand_id, email, password, currency, login_name, balance=None) -> Player:
    player = operations.register_player(
        operations.get_brand(brand_id),
        email=email,
        password=password,
        login_name=login_name,
        currency=currency.upper() if currency else None,
        over18=True,
        email_verified=True,
        complete=True,
    )
    if balance is not None:
        wallet.adjust(
            player,
            player.currency,
            balance,
            reason="opening balance",
            operator="cli",
            external_id=f"opening-balance:{player.id}",
        )
    return player


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
        for doc_type, language, title in DEMO_DOCUMENTS:
            run(
                documents.publish,
                brand,
                doc_type,
                language=language,
                title=title,
                content=DEMO_DOCUMENT_TEXT[language],
                version=1,
            )
        run(operations.update_brand, brand, **DEMO_FOOTER)
    email, password = DEMO_PLAYER
    if not db.session.scalar(
        select(Player.id).where(Player.brand_id == brand.id, Player.email_key == email)
    ):
        run(_create_player, brand.id, email, password, "EUR", "demo", "100.00")
    run(coupon_line.load, coupon_line.demo_events(utcnow()))  # (starting from now again)
    for code, fields in DEMO_BONUSES:
        if db.session.scalar(select(Bonus.id).where(Bonus.code == code)) is None:
            run(bonus_operations.create, code=code, **fields)
    for currency, low, high in DEMO_PAYMENT_LIMITS:
        limits = dict(min_deposit=low, max_deposit=high, min_withdrawal=low, max_withdrawal=high)
        run(payments_cli.method_row, brand.id, "sandbox", currency, limits)
    admin_email, admin_password = DEMO_ADMIN
    admin = db.session.scalar(select(AdminUser).where(AdminUser.email == admin_email))
    if admin is None:  # enrolled with a fresh secret, printed below, for any authenticator app
        secret = pyotp.random_base32()
        admin = run(admin_users.create, admin_email, admin_password, "admin", secret)
    elif admin.totp_enrolled_at is None:  # a demo made before two-factor login existed
        run(admin_users.enrol, admin, pyotp.random_base32())
    click.echo(f"brand  {brand.id}: {brand.name} ({brand.currencies})")
    click.echo(f"player {email} / {password} (login name: demo)")
    click.echo(f"admin  {admin_email} / {admin_password} at /admin")
    if admin.totp_secret and admin.totp_enrolled_at:
        click.echo(f"       TOTP secret {admin.totp_secret} (add it to any authenticator app)")


@documents_cli.command("publish")
@click.option("--brand-id", required=True, type=int)
@click.option("--type", "doc_type", required=True, type=click.Choice(documents.TYPES))
@click.option("--language", required=True)
@click.option("--title", required=True)
@click.option(
    "--file",
    "content",
    required=True,
    type=click.File(encoding="utf-8"),
    help="The document's text (plain text or simple HTML).",
)
@click.option(
    "--version",
    type=click.IntRange(1),
    help="Add a language to this version instead of publishing a new one.",
)
def publish_document(brand_id, doc_type, language, title, content, version):
    """Publish a document; a new version asks every player to accept it again."""
    document = run(_publish, brand_id, doc_type, language, title, content.read(), version)
    click.echo(f"{document.type} version {document.version} ({document.language}) published")


def _publish(brand_id, doc_type, language, title, content, version):
    return documents.publish(
        operations.get_brand(brand_id),
        doc_type,
        language=language,
        title=title,
        content=content,
        version=version,
    )


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


@wallet_cli.command("adjust", context_settings={"ignore_unknown_options": True})
@click.argument("player")
@click.argument("amount")
@click.argument("currency")
@click.option("--reason", required=True, help="Why: kept with the transaction.")
@click.option("--bonus", is_flag=True, help="Adjust the bonus balance instead of real money.")
def adjust_balance(player, amount, currency, reason, bonus):
    """Credit (or, with a negative AMOUNT, debit) PLAYER (an id or an email)."""
    found = player_by_id_or_email(player)
    movement = run(
        wallet.adjust,
        found,
        currency.upper(),
        amount,
        reason=reason,
        operator="cli",
        external_id=f"cli:{uuid.uuid4()}",
        account_kind="bonus" if bonus else "real",
    )
    kind = "bonus" if bonus else "real"
    total = wallet_queries.balance(found, currency.upper())
    click.echo(
        f"transaction {movement.transaction.id}: {amount} {currency.upper()} ({kind}); "
        f"real {total.real:f}, bonus {total.bonus:f}"
    )


@wallet_cli.command("verify")
def verify_ledger():
    """Check every ledger invariant; exit 1 with a report when one is broken."""
    broken = wallet_verify.problems()
    for line in broken:
        click.echo(line)
    if broken:
        raise click.ClickException(f"{len(broken)} problem(s) in the ledger")
    click.echo("ledger ok")


def register(app: Flask) -> None:
    for group in (brands, admins, players, mails, documents_cli, wallet_cli, demo):
        app.cli.add_command(group)
    app.cli.add_command(audit_cli)
    outbox_cli.register(app)
    coupons_cli.register(app)
    payments_cli.register(app)
    bonuses_cli.register(app)
    limits_cli.register(app)
    crm_cli.register(app)
    traffic_cli.register(app)
