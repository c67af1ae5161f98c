"""Loads every admin page group (each module registers its views on the blueprint)."""

from portal.admin import (  # noqa: F401
    admins,
    audit_log,
    content,
    content_messages,
    home,
    login,
    settings,
    settings_bonuses,
)
