"""The pages boot in real Chromium from loopback only, and the guard is strict."""

from __future__ import annotations

import gzip
import re
from typing import Any

import pytest
from browser_guard import PageGuard, PageTrouble
from harness import CONFIG, PAGES, ROOT, open_py
from playwright.sync_api import Browser, Page, expect
from pyfritz_runtime import FILES_DIR

from pyfritz.dev import create_app
from pyfritz.dev.threaded import serve_asgi

_SNAPSHOT = "/runtime/pyodide/snapshot.bin.gz"


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


def _host_that_encodes_the_snapshot(app: Any, body: bytes) -> Any:
    """``app``, but the snapshot is answered with ``body`` and ``Content-Encoding: gzip``
    (as a host that compresses what it serves does)."""

    async def host(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != _SNAPSHOT:
            await app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-encoding", b"gzip"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return host


@pytest.mark.parametrize("layers", ["its own gzip and the host's", "the host's gzip only"])
def test_the_runtime_starts_from_a_snapshot_a_host_sent_with_a_content_encoding(
    browser: Browser, layers: str
) -> None:
    # The browser undoes the host's layer; the entry then finds either its own
    # gzip (and inflates it) or the packed memory itself.
    stored = (FILES_DIR / "pyodide" / "snapshot.bin.gz").read_bytes()
    inner = stored if layers.startswith("its own") else gzip.decompress(stored)
    app = create_app(ROOT, extra_roots=[PAGES], harness=True)
    with serve_asgi(_host_that_encodes_the_snapshot(app, gzip.compress(inner))) as url:
        context = browser.new_context(base_url=url)
        try:
            context.set_default_timeout(CONFIG.BOOT_TIMEOUT_MS)
            guard = PageGuard(context.new_page())
            open_py(guard.page, "hello")
            expect(guard.page.locator("#app")).to_contain_text("pyfritz")
            encoded = guard.page.evaluate(
                "performance.getEntriesByType('resource').filter((entry) =>"
                f" entry.name.endsWith('{_SNAPSHOT}')).map((entry) => entry.encodedBodySize)"
            )
            assert encoded == [len(gzip.compress(inner))]
            guard.check()
        finally:
            context.close()
