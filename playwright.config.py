"""Browser settings for the e2e tests and benchmarks (loaded by tests/e2e/conftest.py).

Which Chromium: ``$PYFRITZ_CHROMIUM`` if set, else Debian's ``/usr/bin/chromium``,
else Playwright's own download (``python -m playwright install chromium``).
``tools/ensure_browser.py`` installs one when none is found.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["BOOT_TIMEOUT_MS", "EXPECT_TIMEOUT_MS", "LAUNCH_ARGS", "LOOPBACK_HOSTS", "find_chromium"]

#: Flags from DESIGN.md section 5: without the background-networking ones,
#: Chromium tries to reach Google's hosts on every start.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Hosts a test page may talk to; anything else fails the test.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})

#: Pyodide boots in 2-4 s here; a cold CI machine can be slower.
BOOT_TIMEOUT_MS = 60_000
EXPECT_TIMEOUT_MS = 20_000

_DEBIAN_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def find_chromium() -> str | None:
    """Return the path of a Chromium to use, or ``None`` for Playwright's own.

    Raises ``FileNotFoundError`` when no browser can be found at all.
    """
    explicit = os.environ.get("PYFRITZ_CHROMIUM")
    if explicit:
        if not Path(explicit).is_file():
            raise FileNotFoundError(f"PYFRITZ_CHROMIUM={explicit} does not exist")
        return explicit
    for candidate in _DEBIAN_CHROMIUM:
        if Path(candidate).is_file():
            return candidate
    if _playwright_chromium() is not None:
        return None
    on_path = shutil.which("chromium")
    if on_path:
        return on_path
    raise FileNotFoundError(
        "no Chromium found: install Debian's `chromium` package "
        "or run `python -m playwright install chromium`"
    )


def _playwright_chromium() -> str | None:
    """Return the path of Playwright's downloaded Chromium if it is installed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if Path(path).is_file() else None
