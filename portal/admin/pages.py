"""Loads every admin page group (each module registers its views on the blueprint)."""

from portal.admin import (  # noqa: F401
    audit_log,
    bets,
    coupons,
    dashboard,
    login,
    money,
    money_cashier,
    money_coupons,
    players,
    players_actions,
    traffic,
)
