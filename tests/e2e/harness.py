"""Helpers shared by the e2e tests: where things are and how to open a test page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

__all__ = ["PAGES", "ROOT", "open_py"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = Path(__file__).resolve().parent / "pages"


def open_py(page: Page, name: str, **params: str) -> None:
    """Open the harness page that runs ``tests/e2e/pages/<name>.py``.

    Extra keyword arguments become query parameters the page can read.
    """
    query = "&".join(f"{key}={value}" for key, value in {"py": name, **params}.items())
    page.goto(f"/harness.html?{query}")
