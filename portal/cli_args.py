"""How the command line names things: shared by the commands of every package."""

import click
from sqlalchemy import select

from portal.accounts.models import Player
from portal.extensions import db


def player_by_id_or_email(text: str) -> Player:
    """A player named on the command line by id or email (any case; one brand's)."""
    found = find_player(text)
    if found is None:
        raise click.ClickException(f"no player {text}")
    return found


def find_player(text: str) -> Player | None:
    """`player_by_id_or_email`, None for nobody (a ClickException for an email of several
    brands' players)."""
    if text.isascii() and text.isdigit() and len(text) < 10:
        return db.session.get(Player, int(text))
    found = db.session.scalars(
        select(Player).where(Player.email_key == text.strip().casefold())
    ).all()
    if len(found) > 1:
        raise click.ClickException(f"{text} is a player of several brands: use the id")
    return found[0] if found else None
