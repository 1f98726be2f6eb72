"""pyfritz.navigation in real Chromium: deep links, links, back/forward, a bound query."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PAGE = "/harness.html?py=router_page"


def _open(page: Page, route: str = "") -> None:
    page.goto(PAGE + route)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_a_deep_link_opens_its_route_with_its_query(strict_page: Page) -> None:
    _open(strict_page, "#/done?q=milk")
    expect(strict_page.locator("#path")).to_have_text("/done")
    expect(strict_page.locator("#page")).to_have_text("page /done")
    expect(strict_page.locator("#q")).to_have_value("milk")


def test_an_unknown_route_goes_to_the_default(strict_page: Page) -> None:
    _open(strict_page, "#/nowhere")
    expect(strict_page.locator("#path")).to_have_text("/all")
    assert strict_page.evaluate("location.hash") == "#/all"


def test_links_and_back_forward_change_the_route_without_a_reload(strict_page: Page) -> None:
    page = strict_page
    _open(page)
    expect(page.locator("#path")).to_have_text("/all")
    page.evaluate("window.sameDocument = true")
    page.locator("#to-done").click()
    expect(page.locator("#page")).to_have_text("page /done")
    page.locator("#to-active").click()
    expect(page.locator("#path")).to_have_text("/active")
    expect(page.locator("#q")).to_have_value("x")
    page.go_back()
    expect(page.locator("#path")).to_have_text("/done")
    expect(page.locator("#q")).to_have_value("")
    page.go_back()
    expect(page.locator("#path")).to_have_text("/all")
    page.go_forward()
    expect(page.locator("#path")).to_have_text("/done")
    page.locator("#go-done").click()  # navigate() to where we are: no new entry
    page.locator("#to-all").click()
    expect(page.locator("#path")).to_have_text("/all")
    assert page.evaluate("window.sameDocument") is True


def test_a_query_parameter_bound_to_an_input_replaces_the_url(strict_page: Page) -> None:
    page = strict_page
    _open(page, "#/active")
    length = page.evaluate("history.length")
    page.locator("#q").press_sequentially("tea")
    expect(page).to_have_url(re.compile(r"#/active\?q=tea$"))
    assert page.evaluate("history.length") == length
    page.locator("#to-done").click()
    expect(page.locator("#q")).to_have_value("")
    page.go_back()
    expect(page.locator("#q")).to_have_value("tea")
