"""Password hashing (Argon2id) and the password policy of seed 002.

Policy codes, in the order the seed lists them:
  password_short           fewer than 8 characters
  password_long            more than the brand's maximum (seed: 15)
  password_match_user_name equal to the login name, the email or the email's local part
  password_same_letters    fewer than 4 different characters
  password_mix_characters  not both letters and digits
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MIN_DISTINCT = 4


def production_hasher() -> PasswordHasher:
    """argon2-cffi's defaults (RFC 9106 low-memory profile: t=3, m=64 MiB, p=4)."""
    return PasswordHasher()


_hasher = production_hasher()
# Verified against when the login name is unknown, so both paths cost one Argon2 check.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the hasher (tests use cheap parameters; production never calls this)."""
    global _hasher, _DUMMY_HASH
    _hasher, _DUMMY_HASH = hasher, hasher.hash("not-a-real-password-0")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one hash verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


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
