"""`make site` output boots from a plain static server, with no project server."""

from __future__ import annotations

import re
from pathlib import Path

from harness import ROOT
from playwright.sync_api import Page, expect

from devserver.site import build_site
from devserver.threaded import serve_static


def test_built_site_boots_from_a_plain_static_server(strict_page: Page, tmp_path: Path) -> None:
    site = build_site(ROOT, tmp_path / "site")
    with serve_static(site) as url:
        strict_page.goto(url + "/index.html")
        expect(strict_page.locator("#app h1")).to_have_text(re.compile(r"Hello from pyfritz"))
