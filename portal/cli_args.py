"""How the command line names things: shared by the commands of every package."""

import click
from sqlalchemy import select

from portal.accounts.models import Player
from portal.extensions import db


def player_by_id_or_email(text: str) -> Player:
    """A player named on the command line by id or email (any case; one brand's)."""
    if text.isascii() and text.isdigit() and len(text) < 10:
        found = db.session.get(Player, int(text))
    else:
        found = db.session.scalars(
            select(Player).where(Player.email_key == text.strip().casefold())
        ).all()
        if len(found) > 1:
            raise click.ClickException(f"{text} is a player of several brands: use the id")
        found = found[0] if found else None
    if found is None:
        raise click.ClickException(f"no player {text}")
    return found
