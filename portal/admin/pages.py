"""Loads every admin page group (each module registers its views on the blueprint)."""

from portal.admin import audit_log, bets, coupons, home, login, traffic  # noqa: F401
