"""Admin users: creation, roles, password check, the TOTP second factor and recovery codes,
reset and disabling. One place for the CLI (`flask admins ...`) and the admin pages."""

import hashlib
import hmac
import secrets
import time

import pyotp
from sqlalchemy import delete, func, or_, select, update

from portal.accounts import validation
from portal.accounts.errors import FieldError, ValidationFailed
from portal.accounts.models import AdminUser
from portal.accounts.passwords import hash_password, policy_errors, verify_password
from portal.admin.models import AdminRecoveryCode, AdminSession
from portal.errors import DomainError
from portal.extensions import db
from portal.timeutil import utcnow

ROLES = ("admin", "finance", "support")
ISSUER = "Portal back office"
RECOVERY_CODES = 10
_UNKNOWN_HASH = hash_password("a password nobody has")  # equal work for unknown emails


class LastAdmin(DomainError):
    """The change would leave no active admin of role admin (nobody could manage admins)."""


class SecondFactorRefused(Exception):
    """The TOTP or recovery code is wrong, used before, or not from this admin."""


def create(email: str, password: str, role: str = "admin", totp_secret: str | None = None):
    """A new admin; with `totp_secret` (base32) enrolment is done, without it the first
    login enrols. ValidationFailed names every wrong field."""
    errors = validation.email_errors(email, is_test=True)
    codes = policy_errors(password or "", max_length=128, identities=[email])
    errors += [FieldError("password", code) for code in codes]
    if role not in ROLES:
        errors.append(FieldError("role", "role_invalid"))
    if totp_secret is not None and not _valid_secret(totp_secret):
        errors.append(FieldError("totp_secret", "totp_secret_invalid"))
    if not errors and db.session.scalar(
        select(AdminUser.id).where(AdminUser.email == validation.email_key(email))
    ):
        errors.append(FieldError("email", "email_already_exists"))
    if errors:
        raise ValidationFailed(errors)
    admin = AdminUser(
        email=validation.email_key(email),
        password_hash=hash_password(password),
        role=role,
        totp_secret=_normal_secret(totp_secret) if totp_secret else None,
        totp_enrolled_at=utcnow() if totp_secret else None,
    )
    db.session.add(admin)
    db.session.flush()
    return admin


def enrol(admin: AdminUser, secret: str) -> None:
    """Enrol the admin with this base32 secret (the operator hands it over)."""
    if not _valid_secret(secret):
        raise ValidationFailed([FieldError("totp_secret", "totp_secret_invalid")])
    admin.totp_secret, admin.totp_enrolled_at = _normal_secret(secret), utcnow()
    admin.totp_last_step = None
    db.session.flush()


def _normal_secret(secret: str) -> str:
    return secret.replace(" ", "").upper()


def _valid_secret(secret: str) -> bool:
    normal = _normal_secret(secret)
    if len(normal) < 16 or len(normal) > 64:
        return False
    try:
        pyotp.TOTP(normal).now()
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return False
    return True


def authenticate(email: str, password: str) -> AdminUser | None:
    """The active admin with this email and password, else None (same work either way)."""
    key = validation.email_key(email or "")
    admin = db.session.scalar(select(AdminUser).where(AdminUser.email == key)) if key else None
    if admin is None:
        verify_password(_UNKNOWN_HASH, password or "")
        return None
    if not verify_password(admin.password_hash, password or "") or not admin.is_active:
        return None
    return admin


def enrolment_secret(admin: AdminUser) -> str:
    """The secret the enrolment page shows: kept until its first code is given."""
    if admin.totp_enrolled_at is not None:
        raise SecondFactorRefused("already enrolled")
    if not admin.totp_secret:
        admin.totp_secret = pyotp.random_base32()
        db.session.flush()
    return admin.totp_secret


def provisioning_uri(admin: AdminUser) -> str:
    return pyotp.TOTP(admin.totp_secret).provisioning_uri(name=admin.email, issuer_name=ISSUER)


def check_code(admin: AdminUser, code: str, *, at: float | None = None) -> str:
    """Accept a TOTP code (this 30 s step or its neighbours, each step once) or an unused
    recovery code; returns "totp" or "recovery"; SecondFactorRefused otherwise. A first
    TOTP code completes enrolment."""
    code = (code or "").replace(" ", "").strip()
    if not admin.totp_secret or not code or len(code) > 20:
        raise SecondFactorRefused()
    if code.isascii() and code.isdigit() and len(code) == 6:
        step = _matching_step(admin.totp_secret, code, at)
        if step is None:
            raise SecondFactorRefused()
        # One statement takes the step: of two logins with the same code at the same
        # moment, the second waits for the first's row lock and then matches no row.
        taken = db.session.execute(
            update(AdminUser)
            .where(
                AdminUser.id == admin.id,
                or_(AdminUser.totp_last_step.is_(None), AdminUser.totp_last_step < step),
            )
            .values(
                totp_last_step=step,
                totp_enrolled_at=func.coalesce(AdminUser.totp_enrolled_at, utcnow()),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.expire(admin, ["totp_last_step", "totp_enrolled_at"])
        if taken.rowcount != 1:
            raise SecondFactorRefused()
        return "totp"
    if admin.totp_enrolled_at is None:
        raise SecondFactorRefused()  # recovery codes exist only after enrolment
    digest = _code_hash(code)
    used = db.session.execute(
        update(AdminRecoveryCode)
        .where(
            AdminRecoveryCode.admin_id == admin.id,
            AdminRecoveryCode.code_hash == digest,
            AdminRecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise SecondFactorRefused()
    return "recovery"


def _matching_step(secret: str, code: str, at: float | None) -> int | None:
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    step = int(now // totp.interval)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate
    return None


def new_recovery_codes(admin: AdminUser) -> list[str]:
    """Ten fresh one-time codes (the old ones stop working); shown once, kept as hashes."""
    db.session.execute(delete(AdminRecoveryCode).where(AdminRecoveryCode.admin_id == admin.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(AdminRecoveryCode(admin_id=admin.id, code_hash=_code_hash(c)) for c in codes)
    db.session.flush()
    return codes


def recovery_codes_left(admin: AdminUser) -> int:
    return db.session.scalar(
        select(func.count()).where(
            AdminRecoveryCode.admin_id == admin.id, AdminRecoveryCode.used_at.is_(None)
        )
    )


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


def reset_second_factor(admin: AdminUser) -> None:
    """The next login enrols again; recovery codes and sessions end."""
    admin.totp_secret = admin.totp_enrolled_at = admin.totp_last_step = None
    db.session.execute(delete(AdminRecoveryCode).where(AdminRecoveryCode.admin_id == admin.id))
    end_sessions(admin)


def set_role(admin: AdminUser, role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed([FieldError("role", "role_invalid")])
    if role != "admin":
        _keep_an_admin(admin)
    admin.role = role
    db.session.flush()


def set_active(admin: AdminUser, active: bool) -> None:
    if not active:
        _keep_an_admin(admin)
    admin.is_active = active
    if not active:
        end_sessions(admin)
    db.session.flush()


def _keep_an_admin(admin: AdminUser) -> None:
    """LastAdmin when `admin` is the only active admin of role admin. The active admins'
    rows are locked (FOR UPDATE) so two admins demoting each other at once cannot both
    pass: the second waits and then sees the first's change."""
    if admin.role != "admin" or not admin.is_active:
        return
    ids = db.session.scalars(
        select(AdminUser.id)
        .where(AdminUser.role == "admin", AdminUser.is_active.is_(True))
        .with_for_update()
    ).all()
    if not set(ids) - {admin.id}:
        raise LastAdmin("At least one active admin with the role admin must remain.")


def end_sessions(admin: AdminUser) -> None:
    db.session.execute(
        update(AdminSession)
        .where(AdminSession.admin_id == admin.id, AdminSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
