"""Field rules for player data, each broken rule reported as a (field, code) pair."""

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from portal.accounts.errors import FieldError
from portal.accounts.models import Brand
from portal.accounts.passwords import policy_errors

EMAIL_MAX_LENGTH = 254
LOGIN_NAME_MIN, LOGIN_NAME_MAX = 3, 50
TEST_PLAYER_PREFIX = "qqtst_"
_EMAIL_SHAPE = re.compile(r"[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+")
_LOGIN_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def email_key(email: str) -> str:
    """The form of an address used for uniqueness and look-ups."""
    return email.strip().casefold()


def email_errors(email: str | None, *, field: str = "email", is_test: bool = False) -> list:
    """Syntax, length and fraud-list checks of an email address (not uniqueness)."""
    email = (email or "").strip()
    if not email:
        return [FieldError(field, "email_required")]
    if len(email) > EMAIL_MAX_LENGTH or len(email_key(email)) > EMAIL_MAX_LENGTH:
        return [FieldError(field, "email_long")]  # casefolding can lengthen ("ΐ" -> 3 chars)
    if not _EMAIL_SHAPE.fullmatch(email):
        return [FieldError(field, "email_syntax_error")]
    try:
        validate_email(email, check_deliverability=False, strict=True)
    except EmailNotValidError:
        return [FieldError(field, "invalid_email")]
    domain = email.rsplit("@", 1)[1].casefold()
    if not is_test and domain in current_app.config["EMAIL_FRAUD_DOMAINS"]:
        return [FieldError(field, "email_fraud")]
    return []


def login_name_errors(login_name: str | None) -> list:
    """Login names are optional; when given: 3-50 of letters, digits, '_', '.', '-'."""
    if login_name is None or login_name == "":
        return []
    if len(login_name) < LOGIN_NAME_MIN:
        return [FieldError("loginName", "username_short")]
    if len(login_name) > LOGIN_NAME_MAX:
        return [FieldError("loginName", "username_long")]
    if not _LOGIN_NAME.fullmatch(login_name):
        return [FieldError("loginName", "username_invalid")]
    return []


def password_errors(brand: Brand, password: str | None, *, login_name, email) -> list:
    """The seed 002 policy codes for a new password, as field errors of "password"."""
    if not password:
        return [FieldError("password", "password_required")]
    codes = policy_errors(
        password, max_length=brand.password_max_length, identities=[login_name, email]
    )
    return [FieldError("password", code) for code in codes]


def choice_errors(brand: Brand, *, currency: str, language: str) -> list:
    errors = []
    if currency not in brand.currency_list:
        errors.append(FieldError("currency", "currency_invalid"))
    if language not in brand.language_list:
        errors.append(FieldError("language", "language_invalid"))
    return errors


def is_test_login(login_name: str | None) -> bool:
    return bool(login_name) and login_name.lower().startswith(TEST_PLAYER_PREFIX)
