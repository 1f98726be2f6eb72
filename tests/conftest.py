"""Order of the whole run: every browser test after every other test.

Why: Playwright's sync API (pytest-playwright's session-wide ``playwright``
fixture) runs its own asyncio event loop in the main thread from the first
browser test to the end of the session. pytest-asyncio cannot start a test's
loop while another one runs there ("Cannot run the event loop while another
loop is running"), so an ``async def`` test collected after a browser test
failed, its coroutine never awaited. Running the browser tests last keeps
``pytest`` at the repository root (``testpaths = ["tests"]``) equal to
``make unit`` followed by ``make e2e``.
"""

from __future__ import annotations

import pytest

__all__: list[str] = []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Last, after pytest grouped the items by their parametrized fixtures; the
    # sort is stable, so each tier keeps that order.
    browser_modules = {
        item.path for item in items if "playwright" in getattr(item, "fixturenames", ())
    }
    items.sort(key=lambda item: item.path in browser_modules)
