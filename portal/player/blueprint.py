"""The player blueprint and what its pages share."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, has_request_context, request, url_for
from flask_login import current_user

from portal import messages
from portal.accounts import operations
from portal.accounts.errors import BrandNotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import page_language
from portal.player import passwords
from portal.player.forms import CORE_FIELDS
from portal.wallet import queries as wallet_queries

bp = Blueprint("player", __name__)


def site_brand():
    return operations.get_brand(current_app.config["SITE_BRAND_ID"])


@bp.app_context_processor
def page_brand():
    """Every page's header names the site's brand (if it exists yet)."""
    if not has_request_context():
        return {}
    try:
        found = {"brand": site_brand()}
    except BrandNotFound:
        return {}
    if getattr(current_user, "is_authenticated", False):
        player = current_user.player
        found["header_balance"] = wallet_queries.balance(player, player.active_currency).real
    return found


def client() -> operations.Client:
    return operations.Client.of(request)


def language() -> str:
    """The page's language (the player's own, else the visitor's: portal/i18n.py)."""
    return page_language()


def text(code: str) -> str:
    return messages.text(code, language())


# Codes that belong under a field of their own, whatever field the core names.
CODE_FIELDS = {"wrong_old_password": "old_password"}


def error_text(code: str) -> str:
    """A code's text on a page: a broken password rule in a sentence of its own
    (portal/player/passwords.py), else the code's message text."""
    maximum = site_brand().password_max_length if code.startswith("password_") else 0
    return passwords.broken_rule(code, maximum) or text(code)


def show_errors(form, exc: ValidationFailed, *, aliases: dict | None = None) -> None:
    """Put the core's field errors, as texts, under the matching form fields; a text
    shows once under its field (several codes may say the same)."""
    for error in exc.errors:
        name = (
            CODE_FIELDS.get(error.code)
            or (aliases or {}).get(error.field)
            or CORE_FIELDS.get(error.field, "")
        )
        target = getattr(form, name, None)
        message = error_text(error.code)
        if target is None:
            if message not in form.form_errors:
                form.form_errors.append(message)
        elif message not in target.errors:
            target.errors = [*target.errors, message]


def safe_next(target: str | None) -> str:
    """`target` when it is a local path on this site, else the home page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("player.home")


@bp.app_template_global("password_rules")
def password_rules(max_length: int) -> list[str]:
    """The rules of a new password in words, for the pages that ask for one."""
    return passwords.stated_rules(max_length)


@bp.app_template_filter("safe_next_url")
def safe_next_url(target: str | None) -> str:
    """A `next` value as a link: the local path, else the home page (see safe_next)."""
    return safe_next(target)


def players_own(model, row_id: int):
    """The logged-in player's row of `model` with this id; 404 for another player's (or
    none), so an id says nothing about others' bets or coupons."""
    found = db.session.get(model, row_id)
    if found is None or found.player_id != current_user.player.id:
        abort(404)
    return found
