"""Helpers shared by the e2e tests: where things are and how to open a test page."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from browser_guard import PageGuard
from playwright.sync_api import Browser, Page, expect

from pyfritz.dev.browser import load_playwright_config

__all__ = ["CONFIG", "PAGES", "ROOT", "guarded_windows", "open_py", "open_synced"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "pages"
#: The project's browser settings (``playwright.config.py``).
CONFIG = load_playwright_config(ROOT)


# PyScript dispatches py:ready on the script element once the interpreter is
# up; a capturing listener on the document sees it whether or not it bubbles.
_NOTE_READY = "document.addEventListener('py:ready', () => { window.__pyReady = true; }, true);"


@contextlib.contextmanager
def guarded_windows(
    browser: Browser, base_url: str | list[str], count: int = 2, *, allow: Iterable[str] = ()
) -> Iterator[list[PageGuard]]:
    """Open ``count`` pages, each in a browser context of its own (a "window").

    ``base_url`` is every window's, or a list of one per window (``count`` is then its length).

    Yields their strict guards (``guard.page`` is the page); ``allow`` lists
    console errors every guard accepts. The guards are checked when the block
    ends normally; the contexts are closed in any case.
    """
    urls = [base_url] * count if isinstance(base_url, str) else base_url
    contexts = [browser.new_context(base_url=url) for url in urls]
    guards: list[PageGuard] = []
    try:
        for context in contexts:
            context.set_default_timeout(CONFIG.BOOT_TIMEOUT_MS)
            guard = PageGuard(context.new_page())
            for pattern in allow:
                guard.allow(pattern)
            guards.append(guard)
        yield guards
        for guard in guards:
            guard.check()
    finally:
        for context in contexts:
            context.close()


def open_py(page: Page, name: str, **params: str) -> None:
    """Open the harness page that runs ``tests/e2e/pages/<name>.py``.

    Extra keyword arguments become query parameters the page can read.
    """
    query = "&".join(f"{key}={value}" for key, value in {"py": name, **params}.items())
    page.add_init_script(_NOTE_READY)
    page.goto(f"/harness.html?{query}")
    # Wait for the interpreter (not for the page's script, which may run long):
    # Pyodide's boot takes 20-60 s on a loaded machine, more than an expect's
    # timeout, so the first expect of a test must not have to cover it.
    page.wait_for_function(
        "window.__pyReady === true || document.querySelector('.py-error') !== null",
        polling=50,
        timeout=CONFIG.BOOT_TIMEOUT_MS,
    )


def open_synced(page: Page, path: str) -> None:
    """Open a demo page and wait until its sync badge says ``synced``.

    Booting Pyodide may take long on a busy machine: the boot timeout, not the expect one.
    """
    page.goto(path)
    expect(page.locator(".badge")).to_have_attribute(
        "data-status", "synced", timeout=CONFIG.BOOT_TIMEOUT_MS
    )
