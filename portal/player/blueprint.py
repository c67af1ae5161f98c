"""The player blueprint and what its pages share."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, has_request_context, request, url_for
from flask_login import current_user

from portal import i18n, messages
from portal.accounts import operations
from portal.accounts.errors import BrandNotFound, ValidationFailed
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
    if current_user.is_authenticated:
        return current_user.player.language
    return i18n.page_language()


def text(code: str) -> str:
    return messages.text(code, language())


def show_errors(form, exc: ValidationFailed, *, aliases: dict | None = None) -> None:
    """Put the core's field errors, as texts, under the matching form fields."""
    for error in exc.errors:
        name = (aliases or {}).get(error.field) or CORE_FIELDS.get(error.field, "")
        target = getattr(form, name, None)
        if target is None:
            form.form_errors.append(text(error.code))
        else:
            target.errors = [*target.errors, text(error.code)]


def safe_next(target: str | None) -> str:
    """`target` when it is a local path on this site, else the home page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("player.home")
