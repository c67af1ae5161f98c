"""Password hashing (Argon2id) and the password policy of seed 002.

Policy codes, in the order the seed lists them:
  password_short           fewer than 8 characters
  password_long            more than the brand's maximum (seed: 15)
  password_match_user_name equal to the login name, the email or the email's local part
  password_same_letters    fewer than 4 different characters
  password_mix_characters  not both letters and digits

Hashing: Argon2id at OWASP's cost, in a few low-priority threads (portal/accounts/hashing.py).
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.accounts import hashing
from portal.accounts.hashing import configure, production_hasher, use_hasher  # noqa: F401

MIN_LENGTH = 8
MIN_DISTINCT = 4


def current_hasher() -> PasswordHasher:
    return hashing.current().hasher


def hash_password(password: str) -> str:
    return hashing.current().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one hash verification."""
    try:
        return hashing.current().verify(password_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the ones in use."""
    return hashing.current().needs_rehash(password_hash)


def policy_errors(password: str, *, max_length: int, identities: list[str | None]) -> list[str]:
    """Every policy code the password breaks (empty when it is acceptable)."""
    codes = []
    if len(password) < MIN_LENGTH:
        codes.append("password_short")
    if len(password) > max_length:
        codes.append("password_long")
    lowered = password.casefold()
    names = set()
    for identity in filter(None, identities):
        names.add(identity.casefold())
        if "@" in identity:
            names.add(identity.split("@", 1)[0].casefold())
    if lowered in names:
        codes.append("password_match_user_name")
    if len(set(password)) < MIN_DISTINCT:
        codes.append("password_same_letters")
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        codes.append("password_mix_characters")
    return codes
