"""Audit entries with their before/after read back from JSON (for the admin page tests)."""

import json

from tests.admin_helpers import audit_entries


def entries(app, action):
    found = audit_entries(app, action)
    for entry in found:
        for key in ("before", "after"):
            entry[key] = json.loads(entry[key]) if entry[key] else None
    return found
