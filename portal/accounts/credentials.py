"""Passwords and email addresses: change, reset, verify, with a notice for each change.

Links in mails carry single-use tokens (accounts.tokens). A password reset or change ends
the player's other sessions; an email change stays pending until the new address confirms
it, and the old address gets a link that cancels (or undoes) the change.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts import mail, tokens, validation
from portal.accounts.errors import FieldError, InvalidLink, ValidationFailed
from portal.accounts.gating import require_documents_signed
from portal.accounts.models import Player, PlayerChange, PlayerSession
from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.sessions import open_session, revoke_all_sessions
from portal.extensions import db
from portal.limits import rules
from portal.timeutil import utcnow


def _link(path: str, token: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}?token={token}"


def _lifetime(setting: str) -> timedelta:
    return timedelta(minutes=current_app.config[setting])


def record_change(player: Player, field: str, old, new, *, comment=None, operator="Player"):
    db.session.add(
        PlayerChange(
            player_id=player.id,
            field=field,
            old_value=None if old is None else str(old)[:500],
            new_value=None if new is None else str(new)[:500],
            comment=(comment or "player request")[:500],
            operator=(operator or "Player")[:100],
        )
    )


# --- passwords --------------------------------------------------------------------------


def new_password_errors(player: Player, password: str | None) -> list[FieldError]:
    return validation.password_errors(
        player.brand, password, login_name=player.login_name, email=player.email
    )


def set_password(player: Player, password: str, *, operator="Player", comment=None) -> None:
    player.password_hash = hash_password(password)
    player.password_change_required = False
    record_change(player, "password", None, None, comment=comment, operator=operator)


def set_temporary_password(player: Player, password: str, *, operator="support") -> None:
    """Support sets a password the player must replace at the next login; every session
    of the player ends."""
    errors = new_password_errors(player, password)
    if errors:
        raise ValidationFailed(errors)
    set_password(player, password, operator=operator, comment="temporary password")
    player.password_change_required = True
    drop_pending_email(player, comment="temporary password set by support")
    revoke_all_sessions(player)


def change_password(
    player: Player,
    old: str | None,
    new: str | None,
    *,
    keep: PlayerSession | None = None,
    every_error: bool = False,
) -> None:
    """Replace the password after checking the old one; end the player's other sessions.
    The player must have accepted the current documents first (ActionRequired).
    A wrong old password is the only error reported (as seed 002's gateway answers),
    unless `every_error`: then the new password's broken rules come with it (a page
    shows them all at once)."""
    require_documents_signed(player)
    if not verify_password(player.password_hash, old or ""):
        wrong = [FieldError("password", "wrong_old_password")]
        raise ValidationFailed(wrong + (new_password_errors(player, new) if every_error else []))
    errors = new_password_errors(player, new)
    if not errors and new == old:
        errors = [FieldError("password", "password_not_changed")]
    if errors:
        raise ValidationFailed(errors)
    set_password(player, new)
    drop_pending_email(player, comment="password changed")
    revoke_all_sessions(player, keep=keep)
    mail.send_template(player, "password_changed", _l("Your password was changed"))


def request_password_reset(brand, email: str | None) -> None:
    """Mail a reset link when the address belongs to a player; silent otherwise."""
    if not (email or "").strip():
        raise ValidationFailed([FieldError("mail", "email_required")])
    key = validation.email_key(email)[: validation.EMAIL_MAX_LENGTH]
    player = db.session.scalar(
        select(Player).where(Player.brand_id == brand.id, Player.email_key == key)
    )
    if player is None or player.is_blocked:
        return
    token = tokens.issue(
        player, "reset", player.email, lifetime=_lifetime("PASSWORD_RESET_MINUTES")
    )
    mail.send_template(
        player,
        "password_reset",
        _l("Reset your password"),
        link=_link("/reset-password", token).replace("?token=", "?hash="),
        minutes=current_app.config["PASSWORD_RESET_MINUTES"],
    )


def _live_reset_link(brand, token: str | None):
    found = tokens.peek(token, "reset")
    if found is None or found.player.brand_id != brand.id or found.email != found.player.email:
        return None  # unknown, used, expired, or sent to an address since replaced
    return found


def reset_link_works(brand, token: str | None) -> bool:
    return _live_reset_link(brand, token) is not None


def reset_password(brand, token: str | None, new: str | None, *, channel: str, client=None):
    """Set a new password through a reset link; the link is used only if the password is
    acceptable. Every session of the player ends, and a new one opens (not for a blocked
    player, nor outside the web for an excluded one: as at login). Returns (player, new
    session token or None)."""
    found = _live_reset_link(brand, token)
    if found is None:
        raise InvalidLink()
    player = found.player
    errors = new_password_errors(player, new)
    if errors:
        raise ValidationFailed(errors)
    if tokens.consume(token, "reset") is None:  # used concurrently
        raise InvalidLink()
    set_password(player, new, comment="password reset by mail link")
    player.email_verified_at = player.email_verified_at or utcnow()  # the link proved it
    drop_pending_email(player, comment="password reset")
    revoke_all_sessions(player)
    mail.send_template(player, "password_changed", _l("Your password was changed"))
    excluded = rules.player_excluded(player, utcnow())
    if player.is_blocked or (excluded and channel != "web"):
        return player, None
    ip, agent = (client.ip, client.user_agent) if client else (None, None)
    return player, open_session(player, channel=channel, ip=ip, user_agent=agent)


# --- email addresses --------------------------------------------------------------------


def send_welcome(player: Player) -> None:
    """The registration mail, with an activation link while the address is unverified."""
    link = None
    if player.email_verified_at is None:
        token = tokens.issue(
            player, "activate", player.email, lifetime=_lifetime("ACTIVATION_TOKEN_MINUTES")
        )
        link = _link("/verify-email", token)
    mail.send_template(
        player, "welcome", _l("Welcome to %(brand)s", brand=player.brand.name), link=link
    )


def send_activation(player: Player) -> bool:
    """Mail an activation link to the player's address; False when it is verified already."""
    if player.email_verified_at is not None:
        return False
    token = tokens.issue(
        player, "activate", player.email, lifetime=_lifetime("ACTIVATION_TOKEN_MINUTES")
    )
    mail.send_template(
        player,
        "activate",
        _l("Please confirm your email address"),
        link=_link("/verify-email", token),
    )
    return True


def mark_email_verified(player: Player, *, comment: str, operator: str) -> bool:
    """Support confirms the address by other means; False when it is verified already."""
    if player.email_verified_at is not None:
        return False
    player.email_verified_at = utcnow()
    record_change(player, "email_verified", None, player.email, comment=comment, operator=operator)
    return True


def activate(token: str | None) -> Player:
    found = tokens.consume(token, "activate")
    if found is None or found.email != found.player.email:
        raise InvalidLink()
    found.player.email_verified_at = found.player.email_verified_at or utcnow()
    return found.player


def request_email_change(
    player: Player, new_email: str | None, *, comment=None, operator="Player"
) -> None:
    """Make `new_email` pending; mail a confirmation link to it and a cancel link to the
    current address."""
    new_email = (new_email or "").strip()
    errors = validation.email_errors(new_email, is_test=player.is_test)
    if not errors and _email_taken(player, new_email):
        errors = [FieldError("email", "email_already_exists")]
    if errors:
        raise ValidationFailed(errors)
    record_change(
        player, "pending_email", player.pending_email, new_email, comment=comment, operator=operator
    )
    player.pending_email = new_email
    lifetime = _lifetime("EMAIL_CHANGE_TOKEN_MINUTES")
    confirm = tokens.issue(player, "email_change", new_email, lifetime=lifetime)
    # Every cancel link stays valid: a later change must not silence the earlier owner.
    cancel = tokens.issue(
        player, "email_cancel", player.email, lifetime=timedelta(days=30), retire=False
    )
    mail.send_template(
        player,
        "email_change_confirm",
        _l("Confirm your new email address"),
        to=new_email,
        link=_link("/confirm-email", confirm),
    )
    mail.send_template(
        player,
        "email_change_notice",
        _l("Your email address is being changed"),
        new_email=new_email,
        link=_link("/cancel-email-change", cancel),
    )


def _email_taken(player: Player, email: str) -> bool:
    key = validation.email_key(email)
    return bool(
        db.session.scalar(
            select(Player.id).where(Player.brand_id == player.brand_id, Player.email_key == key)
        )
    )


def confirm_email_change(token: str | None) -> Player:
    found = tokens.peek(token, "email_change")
    if found is None:
        raise InvalidLink()
    player = _locked(found.player)
    if player.pending_email != found.email:
        raise InvalidLink()
    if _email_taken(player, found.email):  # checked before the link is spent
        raise ValidationFailed([FieldError("email", "email_already_exists")])
    if tokens.consume(token, "email_change") is None:
        raise InvalidLink()
    record_change(player, "email", player.email, found.email, comment="confirmed by mail link")
    player.email, player.email_key = found.email, validation.email_key(found.email)
    player.email_verified_at, player.pending_email = utcnow(), None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another player took the address at the same moment
        raise ValidationFailed([FieldError("email", "email_already_exists")]) from None
    for purpose in ("reset", "activate"):  # links mailed to the old address stop working
        tokens.retire_all(player, purpose)
    return player


def cancel_email_change(token: str | None) -> Player:
    """The old address says "not me": drop any pending change, give the account back its
    old address if it was replaced, and end every session (whoever asked may hold one)."""
    found = tokens.consume(token, "email_cancel")
    if found is None:
        raise InvalidLink()
    player = _locked(found.player)
    drop_pending_email(player, comment="cancelled from the old address")
    if player.email != found.email and not _email_taken(player, found.email):
        record_change(
            player, "email", player.email, found.email, comment="change undone from the old address"
        )
        player.email, player.email_key = found.email, validation.email_key(found.email)
    revoke_all_sessions(player)
    return player


def drop_pending_email(player: Player, *, comment: str) -> None:
    """Forget a pending email change; its confirmation link stops working."""
    tokens.retire_all(player, "email_change")
    if player.pending_email is not None:
        record_change(player, "pending_email", player.pending_email, None, comment=comment)
        player.pending_email = None


def _locked(player: Player) -> Player:
    """The player's row, locked until commit (PostgreSQL), so link races serialize."""
    return db.session.scalar(
        select(Player)
        .where(Player.id == player.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
