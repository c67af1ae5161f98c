"""Launch the system's Chromium through Playwright, never a downloaded browser build.

    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = launch_chromium(pw)

The executable comes from ``$PORTAL_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on
PATH. ``BrowserUnavailable`` (with a human-readable ``reason``) is raised when that executable or
the playwright package is missing, or when the browser fails to start. This module never runs
``playwright install``.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

ENV_EXECUTABLE = "PORTAL_CHROMIUM"
DEFAULT_EXECUTABLE = "/usr/bin/chromium"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


class BrowserUnavailable(RuntimeError):
    """No usable Chromium/Playwright on this machine; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_chromium() -> str:
    """Path of the Chromium executable to use, or raise ``BrowserUnavailable``."""
    configured = os.environ.get(ENV_EXECUTABLE)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise BrowserUnavailable(f"${ENV_EXECUTABLE}={configured} is not an executable file")
    if os.access(DEFAULT_EXECUTABLE, os.X_OK):
        return DEFAULT_EXECUTABLE
    found = shutil.which("chromium")
    if found:
        return found
    raise BrowserUnavailable(
        f"Chromium not found (set ${ENV_EXECUTABLE}, or install Debian's `chromium` package)"
    )


def sync_playwright() -> Any:
    """``playwright.sync_api.sync_playwright()``, or ``BrowserUnavailable`` if not installed."""
    try:
        from playwright.sync_api import sync_playwright as factory
    except ImportError as exc:
        raise BrowserUnavailable(f"the playwright package is not installed ({exc})") from exc
    return factory()


def launch_chromium(playwright: Playwright, **launch_options: Any) -> Browser:
    """Launch headless Chromium from ``find_chromium()``; extra options go to ``launch()``."""
    executable = find_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
    except ImportError as exc:
        raise BrowserUnavailable(f"the playwright package is not installed ({exc})") from exc
    args = [*CHROMIUM_ARGS, *launch_options.pop("args", ())]
    try:
        return playwright.chromium.launch(
            executable_path=executable, headless=True, args=args, **launch_options
        )
    except PlaywrightError as exc:
        raise BrowserUnavailable(f"Chromium at {executable} failed to start: {exc}") from exc
