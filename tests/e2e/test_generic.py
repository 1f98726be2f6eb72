"""pyfritz's generic classes and protocols behave in the browser's Python as on CPython.

They are made on plain bases at run time (``pyfritz._generic``); the unit tests
that pin what users rely on run here again, in the page's Python 3.14.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness import open_py
from playwright.sync_api import Page, expect

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit" / "pyfritz" / "test_generic.py"


def test_the_unit_tests_of_generic_classes_pass_in_the_browser(strict_page: Page) -> None:
    source = UNIT_TESTS.read_text(encoding="utf-8")
    count = source.count("\ndef test_")
    strict_page.add_init_script(f"window.unitModule = {json.dumps(source)};")
    open_py(strict_page, "unit_module")
    expect(strict_page.locator("#app")).to_have_text(f"passed {count}")
