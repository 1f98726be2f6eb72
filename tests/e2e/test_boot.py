"""The pages boot in real Chromium from loopback only, and the guard is strict."""

from __future__ import annotations

import re

import pytest
from browser_guard import PageGuard, PageTrouble
from harness import open_py
from playwright.sync_api import Page, expect


def test_index_shows_loading_then_python_output(strict_page: Page) -> None:
    strict_page.goto("/")
    # The indicator is in the HTML itself, so it shows before Python loads.
    expect(strict_page.locator(".loading")).to_be_visible()
    expect(strict_page.locator("#app h1")).to_have_text("Person")
    expect(strict_page.locator(".loading")).to_have_count(0)


def test_pyfritz_package_imports_in_the_browser(strict_page: Page) -> None:
    open_py(strict_page, "hello")
    expect(strict_page.locator("#app")).to_have_text(re.compile(r"pyfritz \d+\.\d+\.\d+ on 3\.\d+"))


def test_guard_fails_a_page_with_a_python_error(page: Page, guard: PageGuard) -> None:
    open_py(page, "fails_on_purpose")
    expect(page.locator(".py-error")).to_contain_text("deliberate failure")
    with pytest.raises(PageTrouble, match="deliberate failure"):
        guard.check()


def test_guard_reports_a_python_page_reaching_out_of_loopback(page: Page, guard: PageGuard) -> None:
    # The dev server's Content-Security-Policy stops the request before it is
    # made; the guard reports the violation.
    with page.expect_console_message(lambda message: "example.com" in message.text):
        open_py(page, "leaves_loopback")
    with pytest.raises(PageTrouble, match=r"example\.com/should-never-leave"):
        guard.check()


def test_guard_aborts_and_reports_requests_that_leave_loopback(
    page: Page, guard: PageGuard
) -> None:
    # A page without a policy: the request is made, and the guard aborts it.
    with page.expect_event("requestfailed", predicate=lambda r: "example.com" in r.url):
        page.goto("data:text/html,<script>fetch('https://example.com/should-never-leave')</script>")
    with pytest.raises(PageTrouble, match=r"leaves loopback \(aborted\): https://example\.com"):
        guard.check()
