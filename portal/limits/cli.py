"""Responsible-gambling commands: `flask --app app limits show|set` and
`flask --app app exclusions add|list|lift`.

The rules are the core's (portal.limits.operations), the same as on the player's pages: an
operator lowers a limit at once, a raise or a removal waits for the cooling-off; `add`
never shortens an exclusion, only `lift` ends one. Every change is kept with
"operator:<name>". Input is checked before anything is written; each command is one unit
of work."""

import click
from flask import Flask
from flask.cli import AppGroup

from portal.cli_args import player_by_id_or_email
from portal.database import commit, rollback
from portal.limits import operations, rules
from portal.timeutil import utcnow

OPERATOR = "cli"  # as the other commands name their operator
MAX_OPERATOR = 50
MAX_REASON = 500
# which option gives the value of a limit of each kind
VALUE_OPTION = {
    rules.DEPOSIT: "amount",
    rules.LOSS: "amount",
    rules.STAKE: "amount",
    rules.BETS: "count",
    rules.SESSION: "minutes",
}
EXCLUDING = (rules.TIMEOUT, rules.SELF_EXCLUSION)  # what an operator may add
# what an operator reads for the codes of operations.LimitInvalid (else its WORDS)
CLI_WORDS = {
    "already_excluded": (
        "an exclusion that lasts longer applies already ({detail}): add never shortens "
        "one; lift it first"
    ),
    "not_excluded": "no exclusion applies to this player now",
    "reason": f"give a reason of 1 to {MAX_REASON} characters",
}

operator_option = click.option(
    "--operator", default=OPERATOR, show_default=True, help="Who: kept as operator:NAME."
)
limits_cli = AppGroup("limits", help="Players' limits: show them, set or remove one.")
exclusions_cli = AppGroup("exclusions", help="Time-outs and self-exclusions: add, list, lift.")


# --- limits ------------------------------------------------------------------------------


@limits_cli.command("show")
@click.argument("player")
@click.option(
    "--history",
    "changes",
    default=10,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="How many of the last changes to show.",
)
def show(player, changes):
    """PLAYER's limits (id or email), the exclusion that applies and the last changes."""
    found = player_by_id_or_email(player)
    click.echo(f"player {found.id} {found.email} (brand {found.brand_id}, {found.active_currency})")
    views = operations.limits_of(found)
    for view in views:
        click.echo(limit_line(view))
    if not views:
        click.echo("no limits")
    exclusion = operations.current_exclusion(found)
    click.echo(f"exclusion: {describe(exclusion) if exclusion else 'none'}")
    history = operations.history(found)[:changes]
    if history:
        click.echo(f"last changes (newest first, {len(history)}):")
    for change in history:
        click.echo(change_line(change))
    rollback()  # nothing to keep (a matured raise is read the same way next time)


def limit_line(view: operations.LimitView) -> str:
    """deposit  day    EUR  100.00 EUR  (raises to 200.00 EUR at 2026-12-02 14:05 UTC)"""
    line = f"{view.kind:<8} {view.period:<6} {view.currency:<4} {view.shown(view.value)}"
    if view.pending_at is None:
        return line
    if view.pending_value is None:
        return f"{line}  (removed at {at(view.pending_at)})"
    return f"{line}  (raises to {view.shown(view.pending_value)} at {at(view.pending_at)})"


def change_line(change) -> str:
    """One history row: when, who, what, from what to what, from when, why."""
    values = " -> ".join(v for v in (change.old_value, change.new_value) if v is not None)
    parts = [at(change.created_at), change.actor, change.subject, change.action]
    if values:
        parts.append(values)
    if change.effective_at is not None and change.effective_at != change.created_at:
        parts.append(f"from {at(change.effective_at)}")
    if change.reason:
        parts.append(f"reason: {change.reason}")
    return "  ".join(parts)


@limits_cli.command("set")
@click.argument("player")
@click.option("--kind", required=True, type=click.Choice(rules.KINDS))
@click.option(
    "--period",
    type=click.Choice(tuple(rules.PERIODS)),
    help="Rolling 24 hours, 7 days or 30 days (not for stake and session limits).",
)
@click.option("--amount", help="Deposit, loss and stake limits: e.g. 100.00.")
@click.option("--count", help="Bet-count limits: bets per period.")
@click.option("--minutes", help="Session limits: minutes per session.")
@click.option(
    "--currency", help="Money limits: one of the brand's (default: the player's active one)."
)
@click.option("--remove", is_flag=True, help="Remove the limit (after the cooling-off).")
@click.option("--reason", help="Why: kept with the change.")
@operator_option
def set_limit(player, kind, period, amount, count, minutes, currency, remove, reason, operator):
    """Set or (--remove) remove a limit of PLAYER (id or email). A lower limit applies at
    once; a raise or a removal after the 24-hour cooling-off."""
    period = _period(kind, period)
    text = _value_text(kind, {"amount": amount, "count": count, "minutes": minutes}, remove)
    if currency is not None and kind not in rules.MONEY_KINDS:
        raise click.UsageError(f"a {kind} limit has no currency: leave out --currency")
    reason = _reason(reason, required=False)
    actor = _actor(operator)
    found = player_by_id_or_email(player)
    if kind in rules.MONEY_KINDS:
        currency = (currency or found.active_currency).strip().upper()
        if currency not in found.brand.currency_list:
            offered = ", ".join(found.brand.currency_list)
            raise click.ClickException(f"the player's brand has no currency {currency} ({offered})")
    try:
        value = None if remove else operations.parse_value(kind, currency, text)
        view = operations.set_limit(
            found, kind, period, currency, value, actor=actor, reason=reason
        )
        commit()
    except operations.LimitInvalid as exc:
        rollback()
        raise click.ClickException(_words(exc)) from None
    name = f"{kind} {period} {view.currency}".strip()
    if view.pending_at is None:
        click.echo(f"player {found.id}: {name} limit is {view.shown(view.value)} now")
    else:
        then = "removed" if view.pending_value is None else view.shown(view.pending_value)
        click.echo(
            f"player {found.id}: {name} limit stays {view.shown(view.value)} until "
            f"{at(view.pending_at)} (the cooling-off), then {then}"
        )


def _period(kind: str, period: str | None) -> str:
    """The period of the limit: given for deposit, loss and bet-count limits, implied
    ("bet", "session") for stake and session limits."""
    allowed = rules.periods_of(kind)
    if period is None:
        if len(allowed) > 1:
            raise click.UsageError(f"a {kind} limit needs --period {'|'.join(allowed)}")
        return allowed[0]
    if len(allowed) == 1 and period in rules.PERIODS:  # (the form gives one anyway)
        click.echo(f"note: a {kind} limit applies per {allowed[0]}; --period {period} is not used")
        return allowed[0]
    if period not in allowed:
        raise click.UsageError(
            f"a {kind} limit applies per {allowed[0]}, not per {period}: leave out --period"
        )
    return period


def _value_text(kind: str, given: dict, remove: bool) -> str | None:
    """The one value option a limit of this kind takes (none with --remove)."""
    wanted = VALUE_OPTION[kind]
    for name, text in given.items():
        if text is not None and (remove or name != wanted):
            reason = "--remove takes no value" if remove else f"a {kind} limit takes --{wanted}"
            raise click.UsageError(f"--{name} does not fit: {reason}")
    if not remove and given[wanted] is None:
        raise click.UsageError(f"a {kind} limit needs --{wanted} (or --remove)")
    return None if remove else given[wanted]


# --- exclusions --------------------------------------------------------------------------


@exclusions_cli.command("add")
@click.argument("player")
@click.option("--kind", required=True, type=click.Choice(EXCLUDING))
@click.option(
    "--duration",
    required=True,
    type=click.Choice([d for kind in EXCLUDING for d in rules.DURATIONS[kind]]),
    help="A time-out: 24h, 7d, 30d, 6w; a self-exclusion: 6m, 1y, 5y, indefinite.",
)
@click.option("--reason", required=True, help="Why: kept with the exclusion.")
@operator_option
def add(player, kind, duration, reason, operator):
    """Exclude PLAYER (id or email) at once: sessions end, marketing stops; withdrawals stay
    possible. An exclusion that applies is never shortened."""
    if duration not in rules.DURATIONS[kind]:
        durations = ", ".join(rules.DURATIONS[kind])
        raise click.UsageError(f"a {kind} lasts {durations}; {duration} is not one of them")
    reason = _reason(reason, required=True)
    actor = _actor(operator)
    found = player_by_id_or_email(player)
    try:
        exclusion = operations.exclude(found, kind, duration, reason=reason, actor=actor)
        commit()
    except operations.LimitInvalid as exc:
        rollback()
        raise click.ClickException(_words(exc)) from None
    click.echo(
        f"player {found.id}: {kind} {duration} from {at(exclusion.starts_at)}, "
        f"{state(exclusion, utcnow())}; sessions ended"
    )


@exclusions_cli.command("list")
@click.option("--all", "everything", is_flag=True, help="Also ended and lifted exclusions.")
def list_exclusions(everything):
    """The exclusions that apply now (newest first): player, email, kind, since, until,
    reason, by whom."""
    now = utcnow()
    found = operations.exclusions(active_only=not everything, lifted=everything)
    for player, exclusion in found:
        click.echo(
            "\t".join(
                (
                    str(player.id),
                    player.email,
                    f"{exclusion.kind} {exclusion.duration or ''}".strip(),
                    f"since {at(exclusion.starts_at)}",
                    state(exclusion, now),
                    exclusion.reason or "",
                    f"by {exclusion.actor}",
                )
            )
        )
    rollback()
    click.echo(f"{len(found)} exclusion(s)")


@exclusions_cli.command("lift")
@click.argument("player")
@click.option("--reason", required=True, help="Why: kept with the exclusion.")
@operator_option
def lift(player, reason, operator):
    """End the exclusion that applies to PLAYER (id or email) now."""
    reason = _reason(reason, required=True)
    actor = _actor(operator)
    found = player_by_id_or_email(player)
    try:
        exclusion = operations.lift(found, reason=reason, actor=actor)
        commit()
    except operations.LimitInvalid as exc:
        rollback()
        raise click.ClickException(_words(exc)) from None
    click.echo(f"player {found.id}: {exclusion.kind} lifted; the player may play again")


def describe(exclusion) -> str:
    """The exclusion that applies, in one line."""
    kind = f"{exclusion.kind} {exclusion.duration or ''}".strip()
    said = f": {exclusion.reason}" if exclusion.reason else ""
    return (
        f"{kind} since {at(exclusion.starts_at)}, {state(exclusion, utcnow())}, "
        f"by {exclusion.actor}{said}"
    )


def state(exclusion, now) -> str:
    """Until when an exclusion applies, or how it ended."""
    if exclusion.lifted_at is not None:
        why = f": {exclusion.lift_reason}" if exclusion.lift_reason else ""
        return f"lifted {at(exclusion.lifted_at)} by {exclusion.lifted_by}{why}"
    if exclusion.reopen_at is not None:
        return f"{'reopens' if now < exclusion.reopen_at else 'reopened'} {at(exclusion.reopen_at)}"
    ends_at = exclusion.ends_at
    if exclusion.kind == rules.TIMEOUT:
        return f"{'until' if now < ends_at else 'ended'} {at(ends_at)}"
    if exclusion.kind == rules.CLOSURE:
        return "closed, awaiting reopening (the player asks)"
    if ends_at is None:
        return "indefinite (only lift ends it)"
    if now < ends_at:
        return f"until {at(ends_at)}, then awaiting reopening (the player asks)"
    return f"ended {at(ends_at)}, awaiting reopening (the player asks)"


# --- input -------------------------------------------------------------------------------


def _reason(text: str | None, *, required: bool) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise click.UsageError("--reason must not be empty")
        return None
    if len(text) > MAX_REASON:
        raise click.UsageError(f"--reason can have at most {MAX_REASON} characters")
    if not text.isprintable():  # (no line breaks, NUL or undecodable bytes)
        raise click.UsageError("--reason must be one line of printable characters")
    return text


def _actor(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= MAX_OPERATOR or not name.isprintable():
        raise click.UsageError(f"--operator must be 1 to {MAX_OPERATOR} printable characters")
    return f"operator:{name}"


def _words(exc: operations.LimitInvalid) -> str:
    if exc.code in CLI_WORDS:
        detail = exc.detail if exc.detail in ("", "indefinite") else f"until {exc.detail}"
        return CLI_WORDS[exc.code].format(detail=detail)
    words = operations.WORDS.get(exc.code, exc.code)
    return f"{words} (given: {exc.detail})" if exc.detail else words


def at(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def register(app: Flask) -> None:
    app.cli.add_command(limits_cli)
    app.cli.add_command(exclusions_cli)
