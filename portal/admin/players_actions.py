"""Actions on a player, each the same core operation the CLI calls, with a reason, one
audit entry (before/after) and the roles that may use it:

support (and admin): block, unblock, temporary password, resend verification, revoke
sessions, add a note; admin only: mark the email verified, assign a bonus, lower a limit,
time-out or self-exclusion, close the account; finance (and admin): adjust a balance.

A rule of the core that says no becomes a 400 page with its words (nothing is kept)."""

import uuid
from contextlib import contextmanager

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from portal import messages
from portal.accounts import blocking, credentials
from portal.accounts.errors import ValidationFailed
from portal.accounts.models import PlayerSession
from portal.accounts.sessions import revoke_all_sessions, revoke_session
from portal.admin.args import number
from portal.admin.blueprint import ADMIN, FINANCE, SUPPORT, action, audit, required_reason
from portal.admin.models import PlayerNote
from portal.admin.players import get_player
from portal.bonuses import operations as bonuses
from portal.extensions import db
from portal.limits import operations as limits
from portal.limits import rules
from portal.wallet import operations as wallet
from portal.wallet import queries as wallet_queries
from portal.wallet.errors import InsufficientFunds, WalletError

ROLES = {
    "block": SUPPORT,
    "unblock": SUPPORT,
    "temporary_password": SUPPORT,
    "resend_verification": SUPPORT,
    "revoke_sessions": SUPPORT,
    "add_note": SUPPORT,
    "verify_email": ADMIN,
    "assign_bonus": ADMIN,
    "lower_limit": ADMIN,
    "exclude": ADMIN,
    "close_account": ADMIN,
    "adjust_balance": FINANCE,
}


def allowed(role: str) -> dict[str, bool]:
    """Which of the actions `role` may use (the page shows only those forms)."""
    return {name: role in roles for name, roles in ROLES.items()}


def _operator() -> str:
    return f"admin:{g.admin.email}"


@contextmanager
def core_words():
    """The core's refusals as a 400 page with their words."""
    try:
        yield
    except blocking.BlockRefused as exc:
        abort(400, blocking.WORDS.get(exc.code, exc.code))
    except ValidationFailed as exc:
        abort(400, " ".join(messages.text(e.code) for e in exc.errors))
    except limits.LimitInvalid as exc:
        words = limits.WORDS.get(exc.code, exc.code)
        abort(400, f"{words} ({exc.detail})" if exc.detail else words)
    except bonuses.BonusRefused as exc:
        abort(400, bonuses.WORDS.get(exc.code, exc.detail or exc.code))
    except InsufficientFunds as exc:
        abort(400, f"Not enough money: the balance is {exc.balance} {exc.currency}.")
    except WalletError as exc:
        abort(400, f"The wallet refused this: {type(exc).__name__} {exc}.")


def _done(player, message: str, anchor: str = ""):
    flash(message, "success")
    return redirect(url_for("admin.player", player_id=player.id) + (f"#{anchor}" if anchor else ""))


def _record(name: str, player, before, after, reason):
    audit(f"player.{name}", target_type="player", target_id=str(player.id), before=before,
          after=after, reason=reason)  # fmt: skip


# --- support -------------------------------------------------------------------------------


@action("/players/<int:player_id>/block", roles=ROLES["block"], endpoint="player_block")
def block(player_id: int):
    player, reason = get_player(player_id), required_reason()
    before = {"status": player.status}
    with core_words():
        blocking.block(player, reason=reason, operator=_operator())
    _record("block", player, before, {"status": player.status, "sessions": "revoked"}, reason)
    return _done(player, "The player is blocked; their sessions have ended.")


@action("/players/<int:player_id>/unblock", roles=ROLES["unblock"], endpoint="player_unblock")
def unblock(player_id: int):
    player, reason = get_player(player_id), required_reason()
    before = {"status": player.status}
    with core_words():
        blocking.unblock(player, reason=reason, operator=_operator())
    _record("unblock", player, before, {"status": player.status}, reason)
    return _done(player, "The player is unblocked.")


@action("/players/<int:player_id>/temporary-password", roles=ROLES["temporary_password"],
        endpoint="player_temporary_password")  # fmt: skip
def temporary_password(player_id: int):
    player, reason = get_player(player_id), required_reason()
    before = {"password_change_required": player.password_change_required}
    with core_words():
        credentials.set_temporary_password(
            player, request.form.get("password") or "", operator=_operator()
        )
    after = {"password_change_required": True, "sessions": "revoked"}  # (never the password)
    _record("temporary_password", player, before, after, reason)
    return _done(player, "Temporary password set: the player must change it at the next login.")


@action("/players/<int:player_id>/resend-verification", roles=ROLES["resend_verification"],
        endpoint="player_resend_verification")  # fmt: skip
def resend_verification(player_id: int):
    player, reason = get_player(player_id), required_reason()
    if not credentials.send_activation(player):
        abort(400, "The player's email address is verified already.")
    _record("resend_verification", player, {"email_verified": False},
            {"activation_mail_to": player.email}, reason)  # fmt: skip
    return _done(player, f"Verification mail sent to {player.email}.")


@action("/players/<int:player_id>/sessions/revoke", roles=ROLES["revoke_sessions"],
        endpoint="player_revoke_sessions")  # fmt: skip
def revoke_sessions(player_id: int):
    """One session (`session_id`) or, without it, every live session of the player."""
    player, reason = get_player(player_id), required_reason()
    session_id = request.form.get("session_id", "")
    live_ids = db.session.scalars(
        select(PlayerSession.id).where(
            PlayerSession.player_id == player.id, PlayerSession.revoked_at.is_(None)
        )
    ).all()
    if session_id:
        found = number(session_id)
        session = db.session.get(PlayerSession, found) if found is not None else None
        if session is None or session.player_id != player.id or session.revoked_at is not None:
            abort(400, "No such live session of this player.")
        revoke_session(session)
        ended = [session.id]
    else:
        revoke_all_sessions(player)
        ended = list(live_ids)
    _record("revoke_sessions", player, {"live_sessions": sorted(live_ids)},
            {"revoked": sorted(ended)}, reason)  # fmt: skip
    return _done(player, f"{len(ended)} session(s) ended.", "sessions")


@action("/players/<int:player_id>/notes", roles=ROLES["add_note"], endpoint="player_add_note")
def add_note(player_id: int):
    player, reason = get_player(player_id), required_reason()
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > 5000:
        abort(400, "Write a note of 1 to 5000 characters.")
    note = PlayerNote(player_id=player.id, admin_id=g.admin.id, author=g.admin.email, text=text)
    db.session.add(note)
    db.session.flush()
    _record("add_note", player, None, {"note_id": note.id, "text": text}, reason)
    return _done(player, "Note added.", "notes")


# --- admin ---------------------------------------------------------------------------------


@action("/players/<int:player_id>/verify-email", roles=ROLES["verify_email"],
        endpoint="player_verify_email")  # fmt: skip
def verify_email(player_id: int):
    player, reason = get_player(player_id), required_reason()
    if not credentials.mark_email_verified(player, comment=reason, operator=_operator()):
        abort(400, "The player's email address is verified already.")
    _record("verify_email", player, {"email_verified_at": None},
            {"email_verified_at": player.email_verified_at.isoformat(), "email": player.email},
            reason)  # fmt: skip
    return _done(player, "The email address is marked verified.")


@action("/players/<int:player_id>/bonus", roles=ROLES["assign_bonus"],
        endpoint="player_assign_bonus")  # fmt: skip
def assign_bonus(player_id: int):
    player, reason = get_player(player_id), required_reason()
    code = (request.form.get("code") or "").strip()
    currency = (request.form.get("currency") or "").strip().upper() or None
    with core_words():
        given = bonuses.assign(player, code, currency)
    after = {"assignment": given.id, "bonus": given.bonus.code, "currency": given.currency,
             "amount": given.amount, "wagering_required": given.wagering_required}  # fmt: skip
    _record("assign_bonus", player, None, after, reason)
    return _done(player, f"Bonus {given.bonus.code} assigned.", "bonuses")


@action("/players/<int:player_id>/limit", roles=ROLES["lower_limit"],
        endpoint="player_lower_limit")  # fmt: skip
def lower_limit(player_id: int):
    player, reason = get_player(player_id), required_reason()
    kind = request.form.get("kind", "")
    if kind not in rules.KINDS:
        abort(400, limits.WORDS["kind"])
    periods = rules.periods_of(kind)
    period = request.form.get("period") if len(periods) > 1 else periods[0]
    currency = (request.form.get("currency") or player.active_currency).upper()
    currency = currency if kind in rules.MONEY_KINDS else ""
    subject = f"{kind} {period} {currency}".strip()
    before = next(
        (v.shown(v.value) for v in limits.limits_of(player)
         if (v.kind, v.period, v.currency) == (kind, period, currency)),
        "none",
    )  # fmt: skip
    with core_words():
        value = limits.parse_value(kind, currency, request.form.get("value"))
        view = limits.lower_limit(
            player, kind, period, currency, value, actor=_operator(), reason=reason
        )
    _record("lower_limit", player, {subject: before}, {subject: view.shown(view.value)}, reason)
    return _done(player, f"The {subject} limit is {view.shown(view.value)} now.", "limits")


@action("/players/<int:player_id>/exclude", roles=ROLES["exclude"], endpoint="player_exclude")
def exclude(player_id: int):
    """A time-out or a self-exclusion, as `flask exclusions add`."""
    player, reason = get_player(player_id), required_reason()
    kind = request.form.get("kind", "")
    if kind not in (rules.TIMEOUT, rules.SELF_EXCLUSION):
        abort(400, limits.WORDS["kind"])
    before = {"status": player.status}
    with core_words():
        exclusion = limits.exclude(
            player, kind, request.form.get("duration"), reason=reason, actor=_operator()
        )
    after = {"status": player.status, "exclusion": exclusion.id, "kind": kind,
             "duration": exclusion.duration}  # fmt: skip
    _record("exclude", player, before, after, reason)
    return _done(player, f"{kind} {exclusion.duration} applies from now.", "limits")


@action("/players/<int:player_id>/close", roles=ROLES["close_account"],
        endpoint="player_close_account")  # fmt: skip
def close_account(player_id: int):
    """The account's closure (seed 002's), as the player's own: an exclusion of kind
    closure, reopened only when the player asks."""
    player, reason = get_player(player_id), required_reason()
    before = {"status": player.status}
    with core_words():
        exclusion = limits.exclude(player, rules.CLOSURE, None, reason=reason, actor=_operator())
    _record("close_account", player, before, {"status": player.status,
            "exclusion": exclusion.id}, reason)  # fmt: skip
    return _done(player, "The account is closed.", "limits")


# --- finance -------------------------------------------------------------------------------


@action("/players/<int:player_id>/adjust", roles=ROLES["adjust_balance"],
        endpoint="player_adjust_balance")  # fmt: skip
def adjust_balance(player_id: int):
    """Credit or debit real or bonus money, as `flask wallet adjust`. The form's one-time
    `key` makes the adjustment idempotent: the same form sent twice moves money once."""
    player, reason = get_player(player_id), required_reason()
    currency = (request.form.get("currency") or "").strip().upper()
    amount = (request.form.get("amount") or "").strip()
    direction = request.form.get("direction")
    kind = "bonus" if request.form.get("account") == "bonus" else "real"
    if direction not in ("credit", "debit"):
        abort(400, "Choose credit or debit.")
    if not amount or amount[:1] in "+-":
        abort(400, "Enter a positive amount; choose credit or debit.")
    if currency not in player.brand.currency_list:
        abort(400, "Choose one of the brand's currencies.")
    key = (request.form.get("key") or "").strip()[:64] or str(uuid.uuid4())
    old = wallet_queries.balance(player, currency)
    with core_words():
        movement = wallet.adjust(
            player,
            currency,
            ("-" if direction == "debit" else "") + amount,
            reason=reason,
            operator=_operator(),
            external_id=f"admin:{key}",
            account_kind=kind,
        )
    if movement.replayed:  # the same form again: nothing moved, nothing new to audit
        return _done(player, "This adjustment was already made; nothing moved again.", "balances")
    new = wallet_queries.balance(player, currency)
    _record("adjust_balance", player,
            {"currency": currency, "real": str(old.real), "bonus": str(old.bonus)},
            {"currency": currency, "real": str(new.real), "bonus": str(new.bonus),
             "transaction": movement.transaction.id, "direction": direction,
             "amount": amount, "account": kind}, reason)  # fmt: skip
    return _done(player, f"Balance adjusted: {direction} {amount} {currency} ({kind}).", "balances")
