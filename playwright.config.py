"""Browser settings for the e2e tests and benchmarks (loaded by tests/e2e/conftest.py).

Which Chromium (:func:`pyfritz.dev.testing.find_chromium`, shared with the
projects ``pyfritz new`` writes): ``$PYFRITZ_CHROMIUM`` if set, else Debian's
``/usr/bin/chromium``, else Playwright's own download
(``python -m playwright install chromium``).
``tools/ensure_browser.py`` installs one when none is found.
"""

from __future__ import annotations

from pyfritz.dev.testing import LAUNCH_ARGS, LOOPBACK, find_chromium

__all__ = ["BOOT_TIMEOUT_MS", "EXPECT_TIMEOUT_MS", "LAUNCH_ARGS", "LOOPBACK_HOSTS", "find_chromium"]

#: Hosts a test page may talk to; anything else fails the test.
LOOPBACK_HOSTS = LOOPBACK | {"[::1]"}

#: Pyodide boots in 2-4 s here; a cold CI machine can be slower.
BOOT_TIMEOUT_MS = 60_000
EXPECT_TIMEOUT_MS = 20_000
