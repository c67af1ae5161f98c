"""players and contacts: one row per player changed in the window (player.modified_at,
which every change of the player's details, status, opt-outs or custom fields moves)."""

from functools import cache

from babel import Locale
from sqlalchemy import select

from portal.accounts.models import Player, PlayerCustomField
from portal.crm.feeds.base import Feed, Part, in_window
from portal.limits.rules import EXCLUDED_STATUSES

GENDERS = {"M": "male", "F": "female"}
VERIFIED_MOBILE = 1  # Player.mobile_verification_status of a verified number (seed 002)

PLAYER_COLUMNS = (
    ("id", "text"),
    ("first_name", "text"),
    ("last_name", "text"),
    ("gender", "text"),
    ("country", "text"),
    ("city", "text"),
    ("ip", "text"),
    ("locale", "text"),
    ("timezone", "text"),
    ("birthday", "date"),
    ("registered_at", "time"),
    ("ref_code", "text"),
    ("traffic_source", "text"),
    ("user_agent", "text"),
    ("modified_at", "time"),
    ("is_blocked", "bool"),
    ("status", "text"),
    ("self_excluded", "bool"),
)


@cache
def _country_names() -> dict:
    return dict(Locale("en").territories)


def unsubscribed(player) -> bool:
    """seed 003's self_excluded: no communication at all: excluded (time-out,
    self-exclusion, closure) or opted out of every channel."""
    return player.status in EXCLUDED_STATUSES or all(
        (player.opt_out_email, player.opt_out_sms, player.opt_out_phone, player.opt_out_chat)
    )


def _players(window):
    players = Player.__table__
    return select(players).where(in_window(players.c.modified_at, window)).order_by(players.c.id)


def _player_row(p) -> tuple:
    locale = f"{p.language}_{p.country}" if p.country else p.language
    return (
        str(p.id),
        p.first_name,
        p.last_name,
        GENDERS.get(p.gender or ""),
        _country_names().get(p.country) if p.country else None,
        p.city,
        p.registration_ip,
        locale,
        None,  # the portal does not ask for a time zone
        p.birthdate,
        p.created_at,
        p.btag,
        None,  # no traffic source is recorded apart from the btag (ref_code)
        p.registration_user_agent,
        p.modified_at,
        p.status == "blocked",
        p.status,
        unsubscribed(p),
    )


def _custom_columns(connection) -> tuple:
    """Every custom field any player has, as a column: custom_str_<id> (text) or
    custom_int_<id> (integer); sorted, so the header is the same for every window."""
    rows = connection.execute(
        select(PlayerCustomField.kind, PlayerCustomField.field_id)
        .distinct()
        .order_by(PlayerCustomField.kind.desc(), PlayerCustomField.field_id)
    )
    return tuple(
        (f"custom_{kind}_{field_id}", "text" if kind == "str" else "int") for kind, field_id in rows
    )


def _players_batch(connection, rows, columns) -> list[tuple]:
    players = rows
    custom = [name for name, _kind in columns[len(PLAYER_COLUMNS) :]]
    values: dict[int, dict] = {p.id: {} for p in players}
    if custom:
        found = connection.execute(
            select(
                PlayerCustomField.player_id,
                PlayerCustomField.kind,
                PlayerCustomField.field_id,
                PlayerCustomField.str_value,
                PlayerCustomField.int_value,
            ).where(PlayerCustomField.player_id.in_(list(values)))
        )
        for player_id, kind, field_id, str_value, int_value in found:
            value = str_value if kind == "str" else int_value
            values[player_id][f"custom_{kind}_{field_id}"] = value
    return [_player_row(p) + tuple(values[p.id].get(name) for name in custom) for p in players]


PLAYERS = Feed(
    "players",
    PLAYER_COLUMNS,
    (Part(_players, batch=_players_batch),),
    extra_columns=_custom_columns,
)


def _contact_row(p) -> tuple:
    subscribed = not unsubscribed(p)
    return (
        str(p.id),
        p.email,
        p.email_verified_at,
        subscribed and not p.opt_out_email,
        p.phone,
        subscribed and not (p.opt_out_sms and p.opt_out_phone),
        p.mobile_verification_status_date
        if p.mobile_verification_status == VERIFIED_MOBILE
        else None,
        None,  # no push notifications
        p.created_at,
        p.modified_at,
    )


CONTACTS = Feed(
    "contacts",
    (
        ("player_id", "text"),
        ("email", "text"),
        ("email_confirmed_at", "time"),
        ("email_subscribe", "bool"),
        ("phone", "text"),
        ("phone_subscribe", "bool"),
        ("phone_confirmed_at", "time"),
        ("push_token", "text"),
        ("created_at", "time"),
        ("modified_at", "time"),
    ),
    (Part(_players, row=_contact_row),),
)
