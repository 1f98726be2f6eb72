"""The 40-line app of docs/app.md runs in Chromium: bind=, keyed sub-store rows, sync."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness import open_py
from playwright.sync_api import Page, expect

DOCS = Path(__file__).resolve().parents[2] / "docs" / "app.md"


def _browser_example() -> str:
    blocks = re.findall(r"^```python browser\n(.*?)^```", DOCS.read_text("utf-8"), re.M | re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def test_the_app_in_forty_lines_is_at_most_forty_lines_of_code() -> None:
    # Formatted by ruff (PEP 8's blank lines), which are not counted.
    assert len([line for line in _browser_example().splitlines() if line.strip()]) <= 40


def test_the_forty_line_app_binds_both_ways_and_edits_rows_in_place(strict_page: Page) -> None:
    page = strict_page
    page.add_init_script(f"window.docsExample = {json.dumps(_browser_example())};")
    open_py(page, "dom_docs")
    page.locator("#name").fill("Ada")
    expect(page.locator("#greeting")).to_have_text("Hello, Ada!")
    before = page.locator("#todos li").count()
    page.locator("#add").click()
    row = page.locator("#todos li").last
    expect(page.locator("#todos li")).to_have_count(before + 1)
    text = row.locator("input:not([type])")
    expect(text).to_have_value(f"Task {before + 1}")
    row.locator("input[type=checkbox]").check()
    text.fill("Renamed")
    # The row edits its element in place: the same node, its value kept.
    expect(page.locator("#todos li").last.locator("input:not([type])")).to_have_value("Renamed")
    expect(page.locator("#todos li").last.locator("input[type=checkbox]")).to_be_checked()
