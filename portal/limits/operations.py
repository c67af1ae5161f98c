"""Changing limits and exclusions: the same rules for the player's pages and the operators'
commands (an operator may lower a limit at once, but a raise waits for its cooling-off as
the player's would). Every change writes a LimitChange row: who, when, from what to what.

The caller commits (views run under `database.transactional`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal import money
from portal.accounts.models import Player
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import N_
from portal.limits import rules
from portal.limits.models import Exclusion, LimitChange, PlayerLimit
from portal.timeutil import utcnow
from portal.wallet.models import REAL, Account

PLAYER = "player"
MAX_BETS = 1_000_000
MAX_SESSION_MINUTES = 24 * 60


class LimitInvalid(DomainError):
    """A limit or exclusion that cannot be set: `code` names why (see WORDS)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code, self.detail = code, detail


WORDS = {
    "kind": N_("Choose a limit: deposit, loss, stake, bets or session."),
    "period": N_("Choose a period this limit has."),
    "currency": N_("Choose one of your currencies."),
    "amount": N_("Enter a positive amount in the currency's digits."),
    "count": N_("Enter a whole number of bets, at least 1."),
    "minutes": N_("Enter whole minutes, from 1 to 1440."),  # (MAX_SESSION_MINUTES)
    "duration": N_("Choose one of the offered periods."),
    "reason": N_("Please tell us why (at most 500 characters)."),
    "already_excluded": N_("This would end sooner than the exclusion that already applies."),
    "close_while_excluded": N_(
        "Your account is closed to play already: you can close it once your exclusion ends."
    ),
    "blocked": N_("This account is blocked: an exclusion cannot be added until it is unblocked."),
    "not_excluded": N_("There is no exclusion to lift."),
    "not_ended": N_("Your self-exclusion has not ended yet."),
    "indefinite": N_("An indefinite self-exclusion can only be lifted by our support team."),
    "already_asked": N_("You have asked already; your account reopens at the time shown."),
    "not_lower": N_("An operator may only lower a limit (or set a first one), never raise it."),
}


@dataclass(frozen=True)
class SessionLimit:
    minutes: int
    ends_at: datetime
    ended: bool


@dataclass(frozen=True)
class LimitView:
    """A limit as the pages and the CLI show it."""

    kind: str
    period: str
    currency: str
    value: int | None  # applies now
    pending_value: int | None
    pending_at: datetime | None  # a raise or removal applies then (None: nothing pending)

    def shown(self, value) -> str:
        if value is None:
            return "none"
        if self.kind in rules.MONEY_KINDS:
            return f"{money.format_amount(value, self.currency)} {self.currency}"
        return f"{value} minutes" if self.kind == rules.SESSION else f"{value} bets"


def limits_of(player: Player) -> list[LimitView]:
    now = utcnow()
    rows = db.session.scalars(
        select(PlayerLimit).where(PlayerLimit.player_id == player.id).order_by(PlayerLimit.id)
    )
    views = []
    for row in rows:
        _mature(row, now)
        if row.value is None and row.pending_at is None:
            continue
        views.append(
            LimitView(
                row.kind, row.period, row.currency, row.value, row.pending_value, row.pending_at
            )
        )
    order = {kind: i for i, kind in enumerate(rules.KINDS)}
    periods = [*rules.PERIODS, rules.PER_BET, rules.PER_SESSION]
    return sorted(views, key=lambda v: (order[v.kind], v.currency, periods.index(v.period)))


def parse_value(kind: str, currency: str | None, text) -> int:
    """A limit's value from what a form or the CLI gave: an amount of the currency (minor
    units), a count of bets, or minutes."""
    text = str(text or "").strip()
    if kind in rules.MONEY_KINDS:
        try:
            value = money.to_minor(money.parse_amount(text, currency), currency)
        except (money.InvalidAmount, ValueError, TypeError):
            raise LimitInvalid("amount", text) from None
        if not 0 < value <= money.MAX_MINOR_UNITS:
            raise LimitInvalid("amount", text)
        return value
    maximum = MAX_SESSION_MINUTES if kind == rules.SESSION else MAX_BETS
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= maximum:
        raise LimitInvalid("minutes" if kind == rules.SESSION else "count", text)
    return int(text)


def set_limit(player, kind, period, currency, value, *, actor=PLAYER, reason=None) -> LimitView:
    """Set (value) or remove (None) a limit. A first or lower limit applies at once; a raise
    or a removal after the cooling-off (a later change replaces a pending one)."""
    if kind not in rules.KINDS:
        raise LimitInvalid("kind", str(kind))
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 500:
        raise LimitInvalid("reason")
    if period not in rules.periods_of(kind):
        raise LimitInvalid("period", str(period))
    if kind in rules.MONEY_KINDS:
        if currency not in player.brand.currency_list:
            raise LimitInvalid("currency", str(currency))
    else:
        currency = ""
    _lock(player)
    now = utcnow()
    row = db.session.scalar(
        select(PlayerLimit).where(
            PlayerLimit.player_id == player.id,
            PlayerLimit.kind == kind,
            PlayerLimit.period == period,
            PlayerLimit.currency == currency,
        )
    )
    if row is None:
        row = PlayerLimit(player_id=player.id, kind=kind, period=period, currency=currency)
        db.session.add(row)
    _mature(row, now)
    current = row.value
    view = LimitView(kind, period, currency, None, None, None)
    if current is None and _held_elsewhere(player, kind, period, currency, now):
        current = 0  # (held at 0 here by the same limit in another currency: a raise)
    if rules.is_raise(current, value):
        row.pending_value, row.pending_at = value, now + rules.COOLING_OFF
        action, effective_at = (
            ("removal-pending" if value is None else "raise-pending"),
            row.pending_at,
        )
    else:
        row.value, row.pending_value, row.pending_at = value, None, None
        action, effective_at = ("lowered" if current is not None else "set"), now
    _record(
        player,
        f"{kind} {period} {currency}".strip(),
        action,
        view.shown(current),
        view.shown(value),
        effective_at,
        actor,
        reason,
        now,
    )
    db.session.flush()
    _reflag(player)
    return LimitView(kind, period, currency, row.value, row.pending_value, row.pending_at)


def lower_limit(player, kind, period, currency, value, *, actor, reason) -> LimitView:
    """An operator tightens a player's limit: a first limit or a lower one, at once. An
    operator never raises or removes a limit the player set (only the player may, after
    the cooling-off): LimitInvalid("not_lower")."""
    if value is None:
        raise LimitInvalid("not_lower")
    if kind in rules.MONEY_KINDS and currency not in player.brand.currency_list:
        raise LimitInvalid("currency", str(currency))
    _lock(player)
    now = utcnow()
    row = db.session.scalar(
        select(PlayerLimit).where(
            PlayerLimit.player_id == player.id,
            PlayerLimit.kind == kind,
            PlayerLimit.period == period,
            PlayerLimit.currency == (currency if kind in rules.MONEY_KINDS else ""),
        )
    )
    if row is not None:
        _mature(row, now)
        if rules.is_raise(row.value, value):
            raise LimitInvalid("not_lower", LimitView(kind, period, currency, None, None, None)
                               .shown(row.value))  # fmt: skip
    return set_limit(player, kind, period, currency, value, actor=actor, reason=reason)


def _held_elsewhere(player, kind: str, period: str, currency: str, now) -> bool:
    """A money limit of this kind and period applies in another of the player's currencies
    (checks.limits_in then holds this currency at 0)."""
    if kind not in rules.MONEY_KINDS:
        return False
    rows = db.session.scalars(
        select(PlayerLimit).where(
            PlayerLimit.player_id == player.id,
            PlayerLimit.kind == kind,
            PlayerLimit.period == period,
            PlayerLimit.currency != currency,
        )
    )
    return any(rules.effective(r.value, r.pending_value, r.pending_at, now) for r in rows)


def _mature(row: PlayerLimit, now) -> None:
    """A pending raise or removal whose cooling-off is over becomes the value."""
    if row.pending_at is not None and row.pending_at <= now:
        row.value, row.pending_value, row.pending_at = row.pending_value, None, None


def session_limit_minutes(player_id: int) -> int | None:
    """The session time limit that applies to the player now (minutes), or None. Reads
    only: a raise or removal whose cooling-off is over counts (`rules.effective`) without
    being written."""
    row = db.session.execute(
        select(PlayerLimit.value, PlayerLimit.pending_value, PlayerLimit.pending_at).where(
            PlayerLimit.player_id == player_id,
            PlayerLimit.kind == rules.SESSION,
            PlayerLimit.period == rules.PER_SESSION,
            PlayerLimit.currency == "",
        )
    ).first()
    return None if row is None else rules.effective(*row, utcnow())


def session_ends_at(created_at: datetime, minutes: int | None) -> datetime | None:
    """When a session opened at `created_at` reaches a session limit of `minutes` (the
    limit counts per session: a new login starts a new count)."""
    return None if minutes is None else created_at + timedelta(minutes=minutes)


def session_limit(session, now) -> SessionLimit | None:
    """The session time limit of a (web or gateway) session: its minutes, when it ends and
    whether it has (None: the player has no session limit)."""
    minutes = session_limit_minutes(session.player_id)
    ends_at = session_ends_at(session.created_at, minutes)
    return None if ends_at is None else SessionLimit(minutes, ends_at, now >= ends_at)


# --- exclusions --------------------------------------------------------------------------


def exclude(player, kind: str, duration: str | None, *, reason=None, actor=PLAYER) -> Exclusion:
    """A time-out, self-exclusion or closure, effective at once: the player's sessions end,
    marketing stops (the CRM's login links with it); withdrawals stay possible. An
    exclusion that already applies is never shortened. (Vendor tokens stay valid so that
    each vendor hears why a stake is refused in its own code, e.g. Betsy's 14, rather than
    "expired token"; no new one is issued.)"""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 500:
        raise LimitInvalid("reason")
    now = utcnow()
    if kind == rules.CLOSURE:
        if reason is None:
            raise LimitInvalid("reason")
        duration, ends_at = None, None
    else:
        spans = rules.DURATIONS.get(kind)
        if spans is None:
            raise LimitInvalid("kind", str(kind))
        if duration not in spans:
            raise LimitInvalid("duration", str(duration))
        ends_at = None if spans[duration] is None else now + spans[duration]
    _lock(player)
    if player.status == "blocked":  # (an exclusion would end the block with it)
        raise LimitInvalid("blocked")
    active = current_exclusion(player)
    if active is not None and kind == rules.CLOSURE:  # (a closure reopens when asked)
        raise LimitInvalid("close_while_excluded", _until_text(active))
    if active is not None and not _ends_sooner(active, ends_at):
        raise LimitInvalid("already_excluded", _until_text(active))
    exclusion = Exclusion(
        player_id=player.id,
        kind=kind,
        duration=duration,
        starts_at=now,
        ends_at=ends_at,
        reason=reason,
        actor=actor[:100],
    )
    db.session.add(exclusion)
    if active is not None:  # replaced by a longer one (or a closure)
        active.lifted_at, active.lifted_by, active.lift_reason = now, actor, f"replaced by {kind}"
    player.status = rules.STATUS_OF[kind]
    player.excluded_until = ends_at if kind == rules.TIMEOUT else None
    player.opt_out_email = player.opt_out_sms = player.opt_out_phone = True
    player.opt_out_chat = True
    db.session.flush()
    _record(player, f"exclusion {exclusion.id}", kind, None, duration, now, actor, reason)
    _end_sessions(player)
    _end_login_links(player, now)
    _reflag(player)
    return exclusion


def _ends_sooner(active: Exclusion, ends_at) -> bool:
    """The active exclusion ends before a new one ending at `ends_at` (None: never). A
    closure ends whenever the player asks: any time-out or self-exclusion may replace it."""
    if active.kind == rules.CLOSURE:
        return True
    if active.ends_at is None:
        return False
    return ends_at is None or active.ends_at < ends_at


def current_exclusion(player) -> Exclusion | None:
    """The exclusion that applies to the player now, or None."""
    if not rules.player_excluded(player, utcnow()):
        return None
    return db.session.scalar(
        select(Exclusion)
        .where(Exclusion.player_id == player.id, Exclusion.lifted_at.is_(None))
        .order_by(Exclusion.id.desc())
        .limit(1)
    )


def until_of(exclusion: Exclusion) -> datetime | None:
    """When the player can play again (None: not by time alone)."""
    if exclusion.reopen_at is not None:
        return exclusion.reopen_at
    return exclusion.ends_at if exclusion.kind == rules.TIMEOUT else None


def settle_ended(player) -> None:
    """An exclusion whose time is over (a time-out, a reopening after its cooling-off): the
    player is active again and their stakes no longer take the limits' check unless a
    limit still asks for it. (Until then the rules read the old status as not excluded
    anyway; this only tidies, at the next login.)"""
    if player.status in rules.EXCLUDED_STATUSES and not rules.player_excluded(player, utcnow()):
        player.status, player.excluded_until = "active", None
        _reflag(player)


def shown_until(player) -> datetime | None:
    """Until when the player's exclusion runs, as a login tells it: a time-out's end, a
    running self-exclusion's end (the player may then ask to come back), the reopening
    asked for; None when no time ends it (indefinite, a closure, or an ended
    self-exclusion nobody asked to reopen)."""
    exclusion = current_exclusion(player)
    if exclusion is None:
        return None
    if (until := until_of(exclusion)) is not None:
        return until
    if exclusion.ends_at is not None and exclusion.ends_at > utcnow():
        return exclusion.ends_at
    return None


def _until_text(exclusion: Exclusion) -> str:
    until = until_of(exclusion) or exclusion.ends_at
    return until.strftime("%Y-%m-%d %H:%M UTC") if until else "indefinite"


def reopen_refusal(exclusion: Exclusion | None, now) -> LimitInvalid | None:
    """Why the player may not ask to reopen now (None: they may): only after a closure or
    a self-exclusion for a set time that has ended, and once."""
    if exclusion is None or exclusion.kind == rules.TIMEOUT:
        return LimitInvalid("not_excluded")
    if exclusion.kind == rules.SELF_EXCLUSION:
        if exclusion.ends_at is None:
            return LimitInvalid("indefinite")
        if now < exclusion.ends_at:
            return LimitInvalid("not_ended", _until_text(exclusion))
    if exclusion.reopen_at is not None:
        return LimitInvalid("already_asked")
    return None


def ask_reopen(player) -> Exclusion:
    """The player asks to come back after a self-exclusion has ended, or after closing the
    account: the account reopens after the cooling-off."""
    _lock(player)
    exclusion = current_exclusion(player)
    now = utcnow()
    if (refusal := reopen_refusal(exclusion, now)) is not None:
        raise refusal
    exclusion.reopen_asked_at, exclusion.reopen_at = now, now + rules.COOLING_OFF
    player.excluded_until = exclusion.reopen_at
    _record(
        player,
        f"exclusion {exclusion.id}",
        "reopen-asked",
        None,
        None,
        exclusion.reopen_at,
        PLAYER,
        None,
    )
    db.session.flush()
    return exclusion


def lift(player, *, reason: str, actor: str) -> Exclusion:
    """An operator ends the exclusion that applies now, at once (with a reason)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise LimitInvalid("reason")
    _lock(player)
    exclusion = current_exclusion(player)
    if exclusion is None:
        raise LimitInvalid("not_excluded")
    now = utcnow()
    exclusion.lifted_at, exclusion.lifted_by, exclusion.lift_reason = now, actor, reason
    player.status, player.excluded_until = "active", None
    _record(player, f"exclusion {exclusion.id}", "lifted", exclusion.kind, None, now, actor, reason)
    db.session.flush()
    _reflag(player)
    return exclusion


def exclusions(*, active_only: bool = True, lifted: bool = False) -> list[tuple[Player, Exclusion]]:
    """Exclusions with their players, newest first (active_only: those that apply now, one
    per player as `current_exclusion`; lifted: lifted and replaced ones too)."""
    query = (
        select(Player, Exclusion)
        .join(Exclusion, Exclusion.player_id == Player.id)
        .order_by(Exclusion.id.desc())
    )
    if not lifted:
        query = query.where(Exclusion.lifted_at.is_(None))
    now = utcnow()
    found = db.session.execute(query).all()
    if not active_only:
        return [(p, e) for p, e in found]
    applying, seen = [], set()
    for player, exclusion in found:  # an excluded player's newest one; older ones ended
        if exclusion.lifted_at is None and player.id not in seen:
            seen.add(player.id)
            if rules.player_excluded(player, now):
                applying.append((player, exclusion))
    return applying


def history(player) -> list[LimitChange]:
    return list(
        db.session.scalars(
            select(LimitChange)
            .where(LimitChange.player_id == player.id)
            .order_by(LimitChange.id.desc())
        )
    )


# --- helpers -----------------------------------------------------------------------------


def _lock(player) -> None:
    """Changes of one player take turns (and wait for a stake that holds the row)."""
    from portal.wallet.operations import lock_players

    lock_players([player.id])


def _record(player, subject, action, old, new, effective_at, actor, reason, at=None) -> None:
    db.session.add(
        LimitChange(
            player_id=player.id,
            subject=subject[:60],
            action=action,
            old_value=old,
            new_value=new,
            effective_at=effective_at,
            actor=actor[:100],
            reason=reason,
            created_at=at or utcnow(),
        )
    )


def _reflag(player) -> None:
    """Flag the player and their real accounts when a stake needs checking: a stake, loss
    or bet-count limit (now or pending), or an exclusion status."""
    has_limit = db.session.scalar(
        select(PlayerLimit.id)
        .where(
            PlayerLimit.player_id == player.id,
            PlayerLimit.kind.in_(rules.STAKE_KINDS),
            (PlayerLimit.value.is_not(None)) | (PlayerLimit.pending_at.is_not(None)),
        )
        .limit(1)
    )
    flagged = has_limit is not None or player.status in rules.EXCLUDED_STATUSES
    if player.limited != flagged:
        player.limited = flagged
    db.session.execute(
        update(Account)
        .where(Account.player_id == player.id, Account.kind == REAL, Account.limited != flagged)
        .values(limited=flagged)
    )


def _end_login_links(player, now) -> None:
    """The CRM's personal login links stop with the marketing (the auto-logins feed then
    shows the player without a token; a lifted exclusion does not revive them)."""
    from portal.crm.autologin import revoke

    revoke(player, now=now)


def _end_sessions(player) -> None:
    from portal.accounts.sessions import revoke_all_sessions

    revoke_all_sessions(player)


def end_play(player) -> None:
    """End the player's sessions and vendor tokens (a session limit reached; an exclusion
    ends the sessions only: see `exclude`)."""
    from portal.casino.models import CasinoToken
    from portal.sportsbook.models import BetsyToken

    now = utcnow()
    _end_sessions(player)
    for token in (CasinoToken, BetsyToken):
        db.session.execute(
            update(token)
            .where(token.player_id == player.id, token.expires_at > now)
            .values(expires_at=now)
        )
