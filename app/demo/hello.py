"""The first page: a greeting rendered by Python, with the interpreter version."""

from __future__ import annotations

import sys

__all__ = ["greeting", "main"]


def greeting() -> str:
    """Return the text the page shows once Python runs."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    return f"Hello from pyfritz on Python {version}"


def main() -> None:  # pragma: no cover - runs in the browser
    """Replace the loading indicator with the greeting."""
    from pyscript import document  # type: ignore[import-not-found]

    app = document.querySelector("#app")
    app.replaceChildren()
    heading = document.createElement("h1")
    heading.textContent = greeting()
    app.append(heading)
    document.body.setAttribute("data-ready", "true")
