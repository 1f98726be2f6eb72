"""`make site` output boots from a plain static server, with no project server."""

from __future__ import annotations

from pathlib import Path

from harness import ROOT
from playwright.sync_api import Page, expect

from pyfritz.dev.site import build_site
from pyfritz.dev.threaded import serve_static


def test_built_site_boots_from_a_plain_static_server_and_syncs_elsewhere(
    strict_page: Page, server_url: str, tmp_path: Path
) -> None:
    # The pages come from a plain static server; the sync server is another
    # origin, named by ?sync= (the page's own origin has no /sync here), and
    # allowed to be connected to by the pages' Content-Security-Policy.
    sync_origin = server_url.replace("http://", "ws://")
    site = build_site(ROOT, tmp_path / "site", connect=[sync_origin])
    sync = sync_origin + "/sync"
    with serve_static(site) as url:
        strict_page.goto(f"{url}/index.html?sync={sync}")
        expect(strict_page.locator("#app h1")).to_have_text("Person")
        expect(strict_page.locator(".badge")).to_have_attribute("data-status", "synced")
        strict_page.goto(f"{url}/todos.html?sync={sync}")
        expect(strict_page.locator("#app h1")).to_have_text("To-do")
        expect(strict_page.locator(".badge")).to_have_attribute("data-status", "synced")
