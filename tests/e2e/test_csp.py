"""Both demos run under the strict Content-Security-Policy, served by the dev server
(a header) and as a built site on a plain static server (a ``<meta>`` element).

The browser guard fails a page on any CSP violation; each test also checks that
the policy is really in force: an injected inline script is blocked.
"""

from __future__ import annotations

from pathlib import Path

from browser_guard import PageGuard
from harness import CONFIG, ROOT
from playwright.sync_api import Page, expect

from pyfritz.dev.csp import content_security_policy
from pyfritz.dev.site import build_site
from pyfritz.dev.threaded import serve_static

DEMOS = [("index.html", "Person"), ("todos.html", "To-do")]


def run_demos(page: Page, guard: PageGuard, base: str, query: str = "") -> None:
    for name, title in DEMOS:
        response = page.goto(f"{base}/{name}{query}")
        assert response is not None and response.ok
        # The wait includes Pyodide's boot: 20-60 s on a loaded machine.
        expect(page.locator("#app h1")).to_have_text(title, timeout=CONFIG.BOOT_TIMEOUT_MS)
        expect(page.locator(".badge")).to_have_attribute("data-status", "synced")
    guard.check()
    # In force: an inline script injected now is refused (and reported).
    guard.allow(r"CSP violation: script-src-elem blocked inline|Executing inline script violates")
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.head.append(script);
            return window.injected === true;
        }"""
    )
    assert ran is False


def test_the_demos_pass_the_dev_servers_policy(
    strict_page: Page, guard: PageGuard, server_url: str
) -> None:
    header = strict_page.request.get(f"{server_url}/index.html").headers
    # The e2e server lets pages try any loopback port (conftest.py): the
    # default policy plus that, nothing else.
    expected = content_security_policy(["ws://127.0.0.1:*"])
    assert header["content-security-policy"] == expected
    run_demos(strict_page, guard, server_url)


def test_the_demos_pass_the_built_sites_policy(
    strict_page: Page, guard: PageGuard, server_url: str, tmp_path: Path
) -> None:
    sync_origin = server_url.replace("http://", "ws://")
    site = build_site(ROOT, tmp_path / "site", connect=[sync_origin])
    assert "Content-Security-Policy" in (site / "index.html").read_text()
    with serve_static(site) as url:
        run_demos(strict_page, guard, url, f"?sync={sync_origin}/sync")


def test_a_sync_origin_the_site_does_not_name_is_blocked(
    strict_page: Page, guard: PageGuard, server_url: str, tmp_path: Path
) -> None:
    site = build_site(ROOT, tmp_path / "site", connect=[])  # only the site's own origin
    # The page reports the failed connection its own way too: this test is about the policy.
    guard.allow(".")
    with (
        serve_static(site) as url,
        strict_page.expect_console_message(
            lambda message: "CSP violation: connect-src" in message.text
        ),
    ):
        strict_page.goto(f"{url}/index.html?sync={server_url.replace('http', 'ws')}/sync")
    expect(strict_page.locator(".badge")).not_to_have_attribute("data-status", "synced")
