"""Two windows, one list: what one adds or removes, the other shows."""

from __future__ import annotations

from uuid import uuid4

from playwright.sync_api import Page, expect


def _open(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#status")).to_have_text("synced")


def test_an_item_added_in_one_window_shows_in_the_other(window: Page, second_window: Page) -> None:
    _open(window)
    _open(second_window)
    text = f"milk {uuid4().hex[:6]}"
    window.locator("#text").fill(text)
    window.locator("#text").press("Enter")
    expect(second_window.locator("#items li .text", has_text=text)).to_have_count(1)
    second_window.locator("#items li", has_text=text).locator(".remove").click()
    expect(window.locator("#items li", has_text=text)).to_have_count(0)
