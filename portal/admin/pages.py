"""Loads every admin page group (each module registers its views on the blueprint)."""

from portal.admin import (  # noqa: F401
    admins,
    audit_log,
    bets,
    content,
    content_messages,
    coupons,
    dashboard,
    login,
    money,
    money_cashier,
    money_coupons,
    players,
    players_actions,
    settings,
    settings_bonuses,
    traffic,
)
