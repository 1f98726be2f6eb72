"""Load the project's browser settings, ``playwright.config.py``.

The file's name has a dot, so it cannot be imported as a module: the e2e
tests, the benchmarks and ``tools/ensure_browser.py`` load it through here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

__all__ = ["load_playwright_config"]


def load_playwright_config(root: Path) -> ModuleType:
    """Return ``root/playwright.config.py`` loaded as a module.

    Raises:
        FileNotFoundError: the file does not exist.
    """
    path = root / "playwright.config.py"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    spec = importlib.util.spec_from_file_location("playwright_config", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
