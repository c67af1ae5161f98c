"""CRM commands: `flask --app app crm links issue|revoke|show`, the personal login links of
portal.crm.autologin from the operator's side.

`issue` gives each named player a new link (revoking their previous one), as a campaign
request does, and says why a player gets none; `revoke` withdraws a player's open links;
`show` prints the current link and the history of them. A PLAYER is an id or an email."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal.accounts.models import Player
from portal.cli_args import find_player, player_by_id_or_email
from portal.crm import autologin
from portal.crm.models import AutoLogin
from portal.database import commit, rollback
from portal.extensions import db
from portal.timeutil import utcnow

MAX_PLAYERS = 1000  # as many as one campaign request may name
MAX_CAMPAIGN = 100
# why a player gets no link, for the operator (the reasons of AutoLoginRefused)
WHY_NOT = {
    "blocked": "blocked",
    "excluded": "excluded (timed out, self-excluded or closed)",
    "other_brand": "of another brand than this site's (SITE_BRAND_ID)",
}

crm_cli = AppGroup("crm", help="The CRM (InTarget): personal login links.")


@crm_cli.group("links")
def links_cli():
    """Personal login links: issue, revoke, show."""


@links_cli.command("issue")
@click.argument("players", metavar="PLAYER...", nargs=-1, required=True)
@click.option("--campaign", help=f"The campaign's name, kept with the link (1 to {MAX_CAMPAIGN}).")
def issue(players, campaign):
    """A new login link for each PLAYER (id or email): its URL, or why there is none
    (unknown, blocked, excluded). Each new link revokes the player's previous one."""
    campaign = _campaign(campaign)
    names = list(dict.fromkeys(p.strip() for p in players))
    if len(names) > MAX_PLAYERS:
        raise click.UsageError(f"at most {MAX_PLAYERS} players at once ({len(names)} given)")
    lines, issued, refused, seen = [], 0, 0, set()
    for name in names:
        try:
            player = find_player(name)
        except click.ClickException as exc:  # (an email of several brands' players)
            player, why = None, exc.message
        else:
            why = "unknown"
        if player is None:
            lines.append(f"{name}: no link ({why})")
            refused += 1
            continue
        if player.id in seen:  # (by id and by email: a second link would revoke the first)
            lines.append(f"{name}: player {player.id} again (one link, above)")
            continue
        seen.add(player.id)
        try:
            link = autologin.issue(player, campaign)
        except autologin.AutoLoginRefused as exc:
            lines.append(f"player {player.id}: no link ({WHY_NOT[exc.reason]})")
            refused += 1
            continue
        issued += 1
        url = autologin.url_of(autologin.link_token(link))
        lines.append(f"player {player.id}: {url} (expires {at(link.expires_at)})")
    commit()
    for line in lines:
        click.echo(line)
    click.echo(f"{issued} link(s) issued, {refused} player(s) without one")


def _campaign(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    if not 1 <= len(text) <= MAX_CAMPAIGN or not text.isprintable():
        raise click.UsageError(f"--campaign must be 1 to {MAX_CAMPAIGN} printable characters")
    return text


@links_cli.command("revoke")
@click.argument("player")
def revoke(player):
    """Withdraw PLAYER's open login links (id or email): how many."""
    found = player_by_id_or_email(player)
    count = autologin.revoke(found)
    commit()
    click.echo(f"player {found.id}: {count} link(s) revoked")


@links_cli.command("show")
@click.argument("player")
@click.option(
    "--history",
    "count",
    default=10,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="How many of the last links to list.",
)
def show(player, count):
    """PLAYER's current login link (id or email), its expiry, and the last links: issued,
    used, revoked or expired."""
    found = player_by_id_or_email(player)
    click.echo(f"player {found.id} {found.email} (brand {found.brand_id})")
    links = db.session.scalars(
        select(AutoLogin).where(AutoLogin.player_id == found.id).order_by(AutoLogin.id.desc())
    ).all()
    click.echo(f"current link: {_current(found, links)}")
    if links[:count]:
        click.echo(f"links (newest first, {len(links[:count])} of {len(links)}):")
    for link in links[:count]:
        click.echo(link_line(link))
    rollback()


def _current(player: Player, links: list[AutoLogin]) -> str:
    """The link that would log the player in now, or why there is none."""
    if reason := autologin.issue_refusal(player):
        return f"none (the player is {WHY_NOT[reason]}: no link logs them in)"
    for link in links:
        if autologin.state(link) is None:
            return f"{autologin.url_of(autologin.link_token(link))} (expires {at(link.expires_at)})"
    return "none"


def link_line(link: AutoLogin) -> str:
    """7  issued 2026-12-01 10:00 UTC  campaign spring  used 2026-12-02 08:13 UTC from 10.0.0.7"""
    parts = [str(link.id), f"issued {at(link.created_at)}"]
    if link.campaign:
        parts.append(f"campaign {link.campaign}")
    if link.used_at is not None:
        parts.append(f"used {at(link.used_at)}" + (f" from {link.ip}" if link.ip else ""))
    elif link.revoked_at is not None:
        parts.append(f"revoked {at(link.revoked_at)}")
    elif link.expires_at <= utcnow():
        parts.append(f"expired {at(link.expires_at)}")
    else:
        parts.append(f"open until {at(link.expires_at)}")
    return "  ".join(parts)


def at(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def register(app: Flask) -> None:
    app.cli.add_command(crm_cli)
