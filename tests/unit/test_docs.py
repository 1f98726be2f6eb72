"""The examples in docs/ run: every ```python block of a CPython page, in order."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"

# Pages whose examples need no browser; the browser pages run in tests/e2e.
CPYTHON_PAGES = ["store.md", "sync.md", "security.md", "app.md"]


def python_blocks(page: Path) -> list[str]:
    """Return the ```python code blocks of a markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)


@pytest.mark.parametrize("name", CPYTHON_PAGES)
def test_examples_on_the_page_run(name: str) -> None:
    blocks = python_blocks(DOCS / name)
    assert blocks, f"{name} has no python examples"
    # A real module, so that dataclasses and type hints can find their globals.
    module = types.ModuleType(f"docs_{name.removesuffix('.md')}")
    sys.modules[module.__name__] = module
    try:
        for number, block in enumerate(blocks, 1):
            # dont_inherit: the examples must not get this file's __future__ imports.
            code = compile(block, f"{name} (example {number})", "exec", dont_inherit=True)
            exec(code, module.__dict__)
    finally:
        del sys.modules[module.__name__]
