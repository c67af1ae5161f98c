"""Facts about brands and players that never change once written, cached per process.

A brand's currencies are fixed when it is created (no command or page changes them) and a
player never moves to another brand, so the vendors' hot paths read them from memory
instead of the database. Anything that can change (a player's status, balances, settings)
is never cached here. The cache lives in the Flask app (`app.extensions`), so every app,
and every test's app, starts empty; it is bounded and simply starts over when full.
"""

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import Brand, Player
from portal.extensions import db

LIMIT = 100_000  # entries per kind before the cache starts over


def _cache(kind: str) -> dict:
    caches = current_app.extensions.setdefault("portal.facts", {})
    cache = caches.setdefault(kind, {})
    if len(cache) >= LIMIT:
        cache.clear()
    return cache


def brand_currencies(brand_id: int) -> tuple[str, ...]:
    cache = _cache("brand_currencies")
    if brand_id not in cache:
        text = db.session.scalar(select(Brand.currencies).where(Brand.id == brand_id))
        cache[brand_id] = tuple(text.split(",")) if text else ()
    return cache[brand_id]


def player_currencies(player_id: int) -> tuple[str, ...] | None:
    """The currencies of the player's brand; None when there is no such player."""
    cache = _cache("player_currencies")
    if player_id not in cache:
        row = db.session.execute(
            select(Brand.id, Brand.currencies)
            .join(Player, Player.brand_id == Brand.id)
            .where(Player.id == player_id)
        ).first()
        if row is None:
            return None
        cache[player_id] = _cache("brand_currencies")[row.id] = tuple(row.currencies.split(","))
    return cache[player_id]
