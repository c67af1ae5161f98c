"""Skip a test whose external requirement is missing, unless the run demands everything.

Call ``unavailable(reason)`` from a fixture or test when e.g. PostgreSQL or Chromium cannot be
provided. Normally that skips; with ``PORTAL_REQUIRE_ALL=1`` (as CI sets) it fails instead, so a
missing dependency can never turn a CI run green by skipping.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

ENV_REQUIRE_ALL = "PORTAL_REQUIRE_ALL"


def require_all() -> bool:
    """True when skipping for a missing requirement is forbidden."""
    return os.environ.get(ENV_REQUIRE_ALL) == "1"


def unavailable(reason: str) -> NoReturn:
    """``pytest.skip(reason)``, or ``pytest.fail`` when ``PORTAL_REQUIRE_ALL=1``."""
    if require_all():
        pytest.fail(f"{reason} (PORTAL_REQUIRE_ALL=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)
