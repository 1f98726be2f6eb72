"""The auth example (examples/auth) in Chromium: real logins, signed tokens, per-user entities.

A user who logs in edits their own notes; another user's token can neither
read nor change them (the page shows the refusal from ``sync.errors``); a
read-only user's edit is refused and rolled back; an expired token is refused
at the handshake, and the page says so.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from browser_guard import PageGuard
from harness import ROOT, guarded_windows
from playwright.sync_api import Browser, Page, expect
from starlette.types import Receive, Scope, Send

from pyfritz.dev.threaded import serve_asgi

EXAMPLE = ROOT / "examples" / "auth" / "server.py"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("auth_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class Example:
    """The running example: its URL, hub and signer, and a way onto its loop."""

    def __init__(self) -> None:
        self.module = load_example()
        self.app, self.hub, self.endpoint = self.module.create()
        self.refused = 0
        authenticate = self.endpoint.authenticate

        async def counting(connection: Any) -> Any:
            principal = await authenticate(connection)
            self.refused += principal is None
            return principal

        self.endpoint.authenticate = counting
        self.url = ""
        self.loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.loop = asyncio.get_running_loop()
        await self.app(scope, receive, send)

    def get(self, id: str) -> tuple[int, Any]:
        """Entity ``id`` as the server holds it."""
        assert self.loop is not None
        future = asyncio.run_coroutine_threadsafe(self.hub.get(id), self.loop)
        return future.result(timeout=10)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def example() -> Iterator[Example]:
    running = Example()
    with serve_asgi(running) as url:
        running.url = url
        yield running


@pytest.fixture
def windows(browser: Browser, example: Example) -> Iterator[list[PageGuard]]:
    # Refusals are the point here: pyfritz reports each on the console (report()),
    # and the browser logs a refused handshake as a failed WebSocket.
    allow = [
        r"^console error: pyfritz: sync",
        r"SyncError: the server refused a frame for 'user:ada:notes': join: forbidden",
        r"PutRefused: the server refused the change of 'user:\w+:notes': put: forbidden",
        r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/sync\?token=[\w.-]+' failed",
    ]
    with guarded_windows(browser, example.url, 2, allow=allow) as guards:
        yield guards


def log_in(page: Page, user: str, password: str, **params: str) -> None:
    query = "".join(f"&{key}={value}" for key, value in params.items())
    page.goto(f"/harness.html?py=notes{query}")
    page.locator("#user").fill(user)
    page.locator("#password").fill(password)
    page.locator("#go").click()


def edit(page: Page, text: str) -> None:
    page.locator("#text").fill(text)
    page.locator("#text").dispatch_event("change")


def test_an_owner_edits_and_another_user_can_neither_read_nor_write(
    windows: list[PageGuard], example: Example
) -> None:
    ada, bob = (guard.page for guard in windows)
    log_in(ada, "ada", "lovelace")
    expect(ada.locator("#status")).to_have_text("synced")
    edit(ada, "ada's secret")
    expect(ada.locator("#status")).to_have_text("synced")
    assert example.get("user:ada:notes")[1] == {"text": "ada's secret", "_id": "user:ada:notes"}

    log_in(bob, "bob", "babbage", entity="user:ada:notes")
    expect(bob.locator("#error")).to_contain_text("join: forbidden")
    expect(bob.locator("#shown")).to_have_text("")
    edit(bob, "bob was here")
    expect(bob.locator("#error")).to_contain_text("forbidden")
    assert example.get("user:ada:notes")[1]["text"] == "ada's secret"
    expect(ada.locator("#shown")).to_have_text("ada's secret")


def test_a_read_only_user_is_refused_and_rolled_back(
    windows: list[PageGuard], example: Example
) -> None:
    eve = windows[0].page
    log_in(eve, "eve", "reader")
    expect(eve.locator("#status")).to_have_text("synced")
    welcome = "Welcome, eve: read me, you cannot change me."
    expect(eve.locator("#shown")).to_have_text(welcome)
    edit(eve, "eve writes")
    expect(eve.locator("#error")).to_contain_text("put: forbidden; state unchanged")
    expect(eve.locator("#text")).to_have_value(welcome)  # rolled back
    assert example.get("user:eve:notes") == (1, {"text": welcome, "_id": "user:eve:notes"})


def test_a_wrong_password_gets_no_token(windows: list[PageGuard]) -> None:
    page = windows[0].page
    windows[0].allow("401")
    log_in(page, "ada", "guess")
    expect(page.locator("#error")).to_have_text("login failed: wrong name or password")


def test_an_expired_token_is_refused_at_the_handshake_and_the_page_says_so(
    windows: list[PageGuard], example: Example
) -> None:
    signer = example.app.state.signer
    token = signer.issue("ada", role="editor", ttl=-1)
    page = windows[0].page
    refused = example.refused
    page.goto(f"/harness.html?py=notes&token={token}&user=ada")
    expect(page.locator("#error")).to_have_text(
        "the server refused the connection: your login has expired; log in again"
    )
    assert example.refused > refused  # by the server, at the handshake
