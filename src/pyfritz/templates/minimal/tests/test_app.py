"""The page, as a user meets it: it boots, and the buttons change the count."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_the_buttons_change_the_count(window: Page) -> None:
    window.goto("/")
    expect(window.locator("#count")).to_have_text("Count: 0")
    window.locator("#increment").click()
    window.locator("#increment").click()
    window.locator("#decrement").click()
    expect(window.locator("#count")).to_have_text("Count: 1")
