"""Who is acting: the admin of the request, the operator at the command line, or the
portal itself; and the one place where every CLI operator action is written down."""

import getpass

import click
from flask import g, has_request_context, request

from portal.audit import chain

# Commands that run services or only read: no entry (a write they make is the portal's).
UNAUDITED_COMMANDS = frozenset({"worker", "dev", "run", "shell", "routes", "db", "audit"})
_SECRET_PARAMS = ("password", "secret", "token")


def current_actor() -> chain.Actor:
    if has_request_context() and g.get("admin") is not None:
        admin = g.admin
        return chain.Actor("admin", admin.email, admin.id, admin.role, request.remote_addr)
    if click.get_current_context(silent=True) is not None:
        return chain.Actor("cli", _os_user())
    return chain.Actor("system", "portal")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


def record_cli_command() -> None:
    """Called by every commit: the first commit of an operator's command writes one entry
    for the command (its name, arguments with secrets masked, reason), in the same unit
    of work as what the command changed."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or has_request_context():
        return
    root = ctx.find_root()
    words = ctx.command_path.split()[1:]
    if root.meta.get("portal.audited") or not words or words[0] in UNAUDITED_COMMANDS:
        return
    root.meta["portal.audited"] = True
    params = {}
    for context in reversed(_chain(ctx)):
        for name, value in context.params.items():
            masked = any(part in name for part in _SECRET_PARAMS) and value is not None
            params[name] = "***" if masked else value
    target = next((str(params[k]) for k in ("player", "player_id") if params.get(k)), None)
    chain.record(
        current_actor(),
        "cli " + " ".join(words),
        target_type="player" if target else None,
        target_id=target,
        after=params or None,
        reason=params.get("reason"),
    )


def _chain(ctx: click.Context) -> list[click.Context]:
    found = []
    while ctx is not None:
        found.append(ctx)
        ctx = ctx.parent
    return found
