"""Facts about brands and players that rarely change, cached per process.

A player never moves to another brand, and a brand's currencies only grow (an operator may
add one, never remove one: balances are kept in them), so the vendors' hot paths read
them from memory instead of the database. An entry is kept CURRENCIES_TTL seconds: a
currency added to a brand is usable in every process within that time (at once in the
process that added it). Anything else that can change (a player's status, balances,
settings) is never cached here. The cache lives in the Flask app (`app.extensions`), so
every app, and every test's app, starts empty; it is bounded and starts over when full.
"""

import time

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import Brand, Player
from portal.extensions import db

LIMIT = 100_000  # entries per kind before the cache starts over
CURRENCIES_TTL = 60.0  # seconds a brand's currencies are taken from memory


def _cache(kind: str) -> dict:
    caches = current_app.extensions.setdefault("portal.facts", {})
    cache = caches.setdefault(kind, {})
    if len(cache) >= LIMIT:
        cache.clear()
    return cache


def _fresh(cache: dict, key) -> tuple | None:
    entry = cache.get(key)
    return entry[0] if entry is not None and entry[1] > time.monotonic() else None


def _keep(cache: dict, key, value: tuple) -> tuple:
    cache[key] = (value, time.monotonic() + CURRENCIES_TTL)
    return value


def brand_currencies(brand_id: int) -> tuple[str, ...]:
    cache = _cache("brand_currencies")
    found = _fresh(cache, brand_id)
    if found is None:
        text = db.session.scalar(select(Brand.currencies).where(Brand.id == brand_id))
        found = _keep(cache, brand_id, tuple(text.split(",")) if text else ())
    return found


def player_currencies(player_id: int) -> tuple[str, ...] | None:
    """The currencies of the player's brand; None when there is no such player."""
    cache = _cache("player_currencies")
    found = _fresh(cache, player_id)
    if found is None:
        row = db.session.execute(
            select(Brand.id, Brand.currencies)
            .join(Player, Player.brand_id == Brand.id)
            .where(Player.id == player_id)
        ).first()
        if row is None:
            return None
        found = _keep(cache, player_id, tuple(row.currencies.split(",")))
        _keep(_cache("brand_currencies"), row.id, found)
    return found


def forget_currencies() -> None:
    """Drop this process's cached currencies (a brand's currencies just changed here)."""
    caches = current_app.extensions.get("portal.facts", {})
    caches.pop("brand_currencies", None)
    caches.pop("player_currencies", None)
